import { afterEach, describe, expect, test } from 'vitest';
import { Consumer, type ConsumerOptions, type ConsumerRecord } from '../../src/client/Consumer.js';
import { Engine } from '../../src/engine/Engine.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import type { CompressionCodec } from '../../src/record/Compression.js';
import { buildRecordBatch, type BatchOptions, type RecordInput } from '../../src/record/RecordBatchBuilder.js';
import { refusal } from '../helpers/refusal.js';
import { tempDir } from '../helpers/tmp.js';

const engines: Engine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

async function engineWith(topics: Record<string, number>): Promise<Engine> {
  const engine = await Engine.open({ dataDir: tempDir() });
  engines.push(engine);
  for (const [name, partitions] of Object.entries(topics)) engine.createTopic(name, { partitions });
  return engine;
}

function batchOf(values: string[], options: BatchOptions = {}, timestamp = 1_700_000_000_000): Buffer {
  const records: RecordInput[] = values.map((v, i) => ({
    key: Buffer.from(`k-${v}`),
    value: Buffer.from(v),
    timestamp: timestamp + i,
  }));
  return buildRecordBatch(records, options);
}

async function append(engine: Engine, topic: string, partition: number, ...batches: Buffer[]): Promise<void> {
  for (const batch of batches) await engine.partition(topic, partition).append(batch);
}

async function take<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const taken: T[] = [];
  if (count === 0) return taken;
  for await (const item of iterable) {
    taken.push(item);
    if (taken.length === count) break;
  }
  return taken;
}

const values = (records: ConsumerRecord[]): string[] => records.map((r) => r.value!.toString());
const offsets = (records: ConsumerRecord[]): number[] => records.map((r) => r.offset);

function consumerOf(engine: Engine, options: ConsumerOptions = {}): Consumer {
  return new Consumer(engine, options);
}

/** Whether `promise` is still pending after `ms` of real time. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return !settled;
}

/** The first next() of a consumer of events-0 from the start, checked to wait while the log is empty (wrapped: an async function would await it). */
async function waitingNext(engine: Engine): Promise<{ next: Promise<IteratorResult<ConsumerRecord>> }> {
  const consumer = consumerOf(engine);
  consumer.assign([{ topic: 'events', partition: 0, offset: 'earliest' }]);
  const next = consumer[Symbol.asyncIterator]().next();
  expect(await pendingAfter(next, 100)).toBe(true);
  return { next };
}

describe('Consumer: where reading starts', () => {
  test('earliest reads every record in order, with keys, timestamps, and the position and records-out counted', async () => {
    const engine = await engineWith({ events: 1 });
    await append(engine, 'events', 0, batchOf(['a', 'b', 'c'], {}, 1000), batchOf(['d', 'e'], {}, 2000));
    const consumer = consumerOf(engine);
    consumer.assign([{ topic: 'events', partition: 0, offset: 'earliest' }]);
    const records = await take(consumer, 5);
    expect(values(records)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(offsets(records)).toEqual([0, 1, 2, 3, 4]);
    expect(records.map((r) => r.timestamp)).toEqual([1000, 1001, 1002, 2000, 2001]);
    expect(records[3]).toMatchObject({ topic: 'events', partition: 0, key: Buffer.from('k-d') });
    expect(consumer.position({ topic: 'events', partition: 0 })).toBe(5);
    expect(engine.partition('events', 0).stats().recordsOut).toBe(5);
  });

  test('latest reads only what is appended after the assignment', async () => {
    const engine = await engineWith({ events: 1 });
    await append(engine, 'events', 0, batchOf(['old1', 'old2']));
    const consumer = consumerOf(engine);
    consumer.assign([{ topic: 'events', partition: 0, offset: 'latest' }]);
    expect(consumer.position({ topic: 'events', partition: 0 })).toBe(2);
    await append(engine, 'events', 0, batchOf(['new']));
    expect(values(await take(consumer, 1))).toEqual(['new']);
  });

  test('a number inside a batch skips the records of that batch before it', async () => {
    const engine = await engineWith({ events: 1 });
    await append(engine, 'events', 0, batchOf(['a', 'b', 'c', 'd', 'e']), batchOf(['f']));
    const consumer = consumerOf(engine);
    consumer.assign([{ topic: 'events', partition: 0, offset: 3 }]);
    const records = await take(consumer, 3);
    expect(offsets(records)).toEqual([3, 4, 5]);
    expect(values(records)).toEqual(['d', 'e', 'f']);
  });

  test('a timestamp starts at the first record at or after it; past the last one means the log end', async () => {
    const engine = await engineWith({ events: 1 });
    await append(
      engine,
      'events',
      0,
      batchOf(['t1'], {}, 1000),
      batchOf(['t2', 't2b'], {}, 2000),
      batchOf(['t3'], {}, 3000),
    );
    const consumer = consumerOf(engine);
    consumer.assign([{ topic: 'events', partition: 0, offset: { timestamp: 2001 } }]);
    expect(consumer.position({ topic: 'events', partition: 0 })).toBe(2);
    expect(values(await take(consumer, 2))).toEqual(['t2b', 't3']);
    consumer.seek({ topic: 'events', partition: 0, offset: { timestamp: 9999 } });
    expect(consumer.position({ topic: 'events', partition: 0 })).toBe(4);
  });

  test('a number outside the log moves per autoOffsetReset: latest by default, earliest, or none (typed error)', async () => {
    const engine = await engineWith({ events: 1 });
    await append(engine, 'events', 0, batchOf(['a', 'b', 'c']));
    engine.partition('events', 0).deleteRecordsBefore(1);
    const at = { topic: 'events', partition: 0 };
    const byDefault = consumerOf(engine);
    byDefault.assign([{ ...at, offset: 99 }]);
    expect(byDefault.position(at)).toBe(3);
    const earliest = consumerOf(engine, { autoOffsetReset: 'earliest' });
    earliest.assign([{ ...at, offset: 0 }]);
    expect(earliest.position(at)).toBe(1);
    const none = consumerOf(engine, { autoOffsetReset: 'none' });
    expect(() => none.assign([{ ...at, offset: 0 }])).toThrow(
      expect.objectContaining({ code: 'ERR_OFFSET_OUT_OF_RANGE' }),
    );
    expect(none.assignment()).toEqual([]);
  });

  test('records deleted under the position while consuming: reset per policy', async () => {
    const engine = await engineWith({ events: 1 });
    await append(engine, 'events', 0, batchOf(['a']), batchOf(['b']), batchOf(['c']), batchOf(['d']));
    const at = { topic: 'events', partition: 0 };
    const byDefault = consumerOf(engine);
    const earliest = consumerOf(engine, { autoOffsetReset: 'earliest' });
    const none = consumerOf(engine, { autoOffsetReset: 'none' });
    for (const consumer of [byDefault, earliest, none]) consumer.assign([{ ...at, offset: 0 }]);
    expect(engine.partition('events', 0).deleteRecordsBefore(2)).toBe(2);
    expect(values(await take(earliest, 2))).toEqual(['c', 'd']);
    await expect(take(none, 1)).rejects.toMatchObject({ code: 'ERR_OFFSET_OUT_OF_RANGE' });
    const next = byDefault[Symbol.asyncIterator]().next();
    expect(await pendingAfter(next, 50)).toBe(true);
    expect(byDefault.position(at)).toBe(4);
    await append(engine, 'events', 0, batchOf(['e']));
    expect((await next).value).toMatchObject({ offset: 4 });
  });
});

describe('Consumer: what it reads', () => {
  test.each<CompressionCodec>(['gzip', 'snappy', 'lz4', 'zstd'])(
    '%s batches decompress (small, and large enough to leave the main thread)',
    async (compression) => {
      const engine = await engineWith({ events: 1 });
      const big = Array.from({ length: 400 }, (_, i) =>
        `record-${i}-`.padEnd(1000, String.fromCharCode(97 + (i % 26))),
      );
      await append(engine, 'events', 0, batchOf(['x', 'y'], { compression }), batchOf(big, { compression }));
      const consumer = consumerOf(engine);
      consumer.assign([{ topic: 'events', partition: 0, offset: 1 }]);
      const records = await take(consumer, 401);
      expect(values(records)).toEqual(['y', ...big]);
      expect(offsets(records)).toEqual(Array.from({ length: 401 }, (_, i) => i + 1));
    },
  );

  test('headers: a map of each key to its last value, and the full ordered list', async () => {
    const engine = await engineWith({ events: 1 });
    const headers = [
      { key: 'trace', value: Buffer.from('1') },
      { key: 'none', value: null },
      { key: 'trace', value: Buffer.from('2') },
      { key: '__proto__', value: Buffer.from('p') },
    ];
    await append(engine, 'events', 0, buildRecordBatch([{ value: Buffer.from('v'), headers }, { value: null }]));
    const consumer = consumerOf(engine);
    consumer.assign([{ topic: 'events', partition: 0, offset: 'earliest' }]);
    const [withHeaders, bare] = await take(consumer, 2);
    expect(withHeaders!.headers.trace).toEqual(Buffer.from('2'));
    expect(withHeaders!.headers.none).toBeNull();
    expect(Object.keys(withHeaders!.headers)).toEqual(['trace', 'none', '__proto__']);
    expect(Object.getPrototypeOf(withHeaders!.headers)).toBe(Object.prototype);
    expect(withHeaders!.headerList).toEqual(headers);
    expect(withHeaders!.key).toBeNull();
    expect(bare).toMatchObject({ key: null, value: null, headers: {}, headerList: [] });
    // Where the fields sit in the batch is private: a spread copies what the record shows.
    expect({ ...bare }).toEqual({ offset: 1, timestamp: bare!.timestamp, topic: 'events', partition: 0 });
  });

  test('control batches (transaction markers) are skipped entirely', async () => {
    const engine = await engineWith({ events: 1 });
    const producer = { producerId: 7, producerEpoch: 0, baseSequence: 0, transactional: true };
    const partition = engine.partition('events', 0);
    await partition.append(batchOf(['t1', 't2'], producer));
    await partition.append(
      buildEndTransactionMarkerBatch('commit', { producerId: 7, producerEpoch: 0, coordinatorEpoch: 0 }),
      { origin: 'coordinator' },
    );
    await partition.append(batchOf(['after']));
    const consumer = consumerOf(engine);
    consumer.assign([{ topic: 'events', partition: 0, offset: 2 }]);
    const [batch] = await take(consumer.batches(), 1);
    expect(offsets(batch!.records)).toEqual([3]);
    expect(values(batch!.records)).toEqual(['after']);
  });

  test('keys and values of an uncompressed batch are views of one mapping, not copies', async () => {
    const engine = await engineWith({ events: 1 });
    const appended = batchOf(['first', 'second']);
    await append(engine, 'events', 0, appended);
    const consumer = consumerOf(engine);
    consumer.assign([{ topic: 'events', partition: 0, offset: 'earliest' }]);
    const [a, b] = await take(consumer, 2);
    expect(a!.value!.buffer).toBe(b!.value!.buffer);
    expect(a!.key!.buffer).toBe(a!.value!.buffer);
    expect(a!.value!.buffer).not.toBe(appended.buffer);
    expect(b!.value!.byteOffset).toBeGreaterThan(a!.value!.byteOffset);
  });
});

describe('Consumer: iteration', () => {
  test('an iteration at the log end completes only after a later append, without polling', async () => {
    const engine = await engineWith({ events: 1 });
    const { next } = await waitingNext(engine);
    const appendedAt = performance.now();
    await append(engine, 'events', 0, batchOf(['late']));
    const result = await next;
    expect(performance.now() - appendedAt).toBeLessThan(2000);
    expect((result.value as ConsumerRecord).value!.toString()).toBe('late');
  });

  test('batches(): one fetch per partition with its records and high watermark', async () => {
    const engine = await engineWith({ events: 1 });
    await append(engine, 'events', 0, batchOf(['a', 'b']), batchOf(['c']));
    const consumer = consumerOf(engine);
    consumer.assign([{ topic: 'events', partition: 0, offset: 1 }]);
    const [batch] = await take(consumer.batches(), 1);
    expect(batch).toMatchObject({ topic: 'events', partition: 0, highWatermark: 3 });
    expect(values(batch!.records)).toEqual(['b', 'c']);
    expect(consumer.position({ topic: 'events', partition: 0 })).toBe(3);
    expect(engine.partition('events', 0).stats().recordsOut).toBe(2);
  });

  test('batches() hold at most maxPollRecords: a batch larger than that, compressed or not, goes over several, positions following', async () => {
    const engine = await engineWith({ events: 1 });
    const names = Array.from({ length: 12 }, (_, i) => `v${i}`);
    await append(engine, 'events', 0, batchOf(names.slice(0, 7)), batchOf(names.slice(7), { compression: 'gzip' }));
    const consumer = consumerOf(engine, { maxPollRecords: 5 });
    const at = { topic: 'events', partition: 0 };
    consumer.assign([{ ...at, offset: 1 }]);
    const polls = consumer.batches();
    const seen: { values: string[]; position: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const batch = (await polls.next()).value!;
      seen.push({ values: values(batch.records), position: consumer.position(at) });
    }
    expect(seen).toEqual([
      { values: names.slice(1, 6), position: 6 },
      { values: names.slice(6, 11), position: 11 },
      { values: names.slice(11), position: 12 },
    ]);
    expect(await pendingAfter(polls.next(), 50)).toBe(true);
    await consumer.close();
  });

  test('records left fetched but not handed out: a new iteration goes on after the last handed out, a seek back re-reads', async () => {
    const engine = await engineWith({ events: 1 });
    await append(engine, 'events', 0, batchOf(['a', 'b', 'c', 'd', 'e', 'f', 'g']));
    const consumer = consumerOf(engine, { maxPollRecords: 4 });
    const at = { topic: 'events', partition: 0 };
    consumer.assign([{ ...at, offset: 'earliest' }]);
    expect(values(await take(consumer, 2))).toEqual(['a', 'b']);
    expect(consumer.position(at)).toBe(2);
    expect(values(await take(consumer, 3))).toEqual(['c', 'd', 'e']);
    consumer.seek({ ...at, offset: 1 });
    expect(values(await take(consumer, 6))).toEqual(['b', 'c', 'd', 'e', 'f', 'g']);
  });

  test('round-robin between partitions: a busy partition does not starve the others', async () => {
    const engine = await engineWith({ busy: 1, quiet: 1 });
    for (let i = 0; i < 30; i++) await append(engine, 'busy', 0, batchOf([`busy-${i}`]));
    for (let i = 0; i < 3; i++) await append(engine, 'quiet', 0, batchOf([`quiet-${i}`]));
    const consumer = consumerOf(engine, { maxBytes: 1 });
    consumer.assign([
      { topic: 'busy', partition: 0, offset: 'earliest' },
      { topic: 'quiet', partition: 0, offset: 'earliest' },
    ]);
    const batches = await take(consumer.batches(), 6);
    expect(batches.map((b) => b.topic)).toEqual(['busy', 'quiet', 'busy', 'quiet', 'busy', 'quiet']);
    expect(batches.map((b) => b.records[0]!.value!.toString())).toEqual([
      'busy-0',
      'quiet-0',
      'busy-1',
      'quiet-1',
      'busy-2',
      'quiet-2',
    ]);
  });

  test('waits on every partition and wakes on whichever gets data', async () => {
    const engine = await engineWith({ events: 3 });
    const consumer = consumerOf(engine);
    consumer.assign([0, 1, 2].map((partition) => ({ topic: 'events', partition, offset: 'latest' as const })));
    const next = consumer[Symbol.asyncIterator]().next();
    expect(await pendingAfter(next, 50)).toBe(true);
    await append(engine, 'events', 2, batchOf(['on-2']));
    expect((await next).value).toMatchObject({ partition: 2, offset: 0 });
  });

  test('pause stops a partition (even mid-fetch) until resume; a paused partition does not wake the iteration', async () => {
    const engine = await engineWith({ events: 2 });
    await append(engine, 'events', 0, batchOf(['p0-a', 'p0-b', 'p0-c']));
    const consumer = consumerOf(engine);
    const p0 = { topic: 'events', partition: 0 };
    consumer.assign([
      { ...p0, offset: 'earliest' },
      { topic: 'events', partition: 1, offset: 'earliest' },
    ]);
    const iterator = consumer[Symbol.asyncIterator]();
    expect((await iterator.next()).value.offset).toBe(0);
    consumer.pause([p0]);
    expect(consumer.paused()).toEqual([p0]);
    const next = iterator.next();
    expect(await pendingAfter(next, 100)).toBe(true);
    await append(engine, 'events', 1, batchOf(['p1-a']));
    expect((await next).value).toMatchObject({ partition: 1, offset: 0 });
    consumer.resume([p0]);
    const rest = [(await iterator.next()).value, (await iterator.next()).value];
    expect(values(rest)).toEqual(['p0-b', 'p0-c']);
    await consumer.close();
  });

  test('seek moves the position and drops records already fetched', async () => {
    const engine = await engineWith({ events: 1 });
    await append(engine, 'events', 0, batchOf(['a', 'b', 'c', 'd', 'e']));
    const consumer = consumerOf(engine);
    const at = { topic: 'events', partition: 0 };
    consumer.assign([{ ...at, offset: 'earliest' }]);
    const iterator = consumer[Symbol.asyncIterator]();
    expect((await iterator.next()).value.offset).toBe(0);
    consumer.seek({ ...at, offset: 3 });
    expect(consumer.position(at)).toBe(3);
    expect((await iterator.next()).value.offset).toBe(3);
    consumer.seek({ ...at, offset: 'earliest' });
    expect((await iterator.next()).value.offset).toBe(0);
    consumer.seek({ ...at, offset: 'latest' });
    expect(await pendingAfter(iterator.next(), 50)).toBe(true);
    await consumer.close();
  });

  test('unassign drops the records already fetched from the partition and stops reading it; it can be assigned again', async () => {
    const engine = await engineWith({ events: 2 });
    await append(engine, 'events', 0, batchOf(['a0', 'b0', 'c0']));
    const consumer = consumerOf(engine);
    consumer.assign([
      { topic: 'events', partition: 0, offset: 'earliest' },
      { topic: 'events', partition: 1, offset: 'earliest' },
    ]);
    const iterator = consumer[Symbol.asyncIterator]();
    expect((await iterator.next()).value.value.toString()).toBe('a0');
    consumer.unassign([{ topic: 'events', partition: 0 }]);
    expect(consumer.assignment()).toEqual([{ topic: 'events', partition: 1 }]);
    const next = iterator.next();
    expect(await pendingAfter(next, 50)).toBe(true);
    await append(engine, 'events', 0, batchOf(['d0']));
    await append(engine, 'events', 1, batchOf(['a1']));
    expect((await next).value.value.toString()).toBe('a1');
    consumer.assign([{ topic: 'events', partition: 0, offset: 1 }]);
    expect(values(await take(consumer, 3))).toEqual(['b0', 'c0', 'd0']);
    expect(() =>
      consumer.unassign([
        { topic: 'events', partition: 0 },
        { topic: 'events', partition: 5 },
      ]),
    ).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    consumer.unassign([
      { topic: 'events', partition: 0 },
      { topic: 'events', partition: 0 },
    ]);
    expect(consumer.assignment()).toEqual([{ topic: 'events', partition: 1 }]);
    await consumer.close();
  });

  test('an iteration started before any assignment wakes on assign', async () => {
    const engine = await engineWith({ events: 1 });
    await append(engine, 'events', 0, batchOf(['a']));
    const consumer = consumerOf(engine);
    const next = consumer[Symbol.asyncIterator]().next();
    expect(await pendingAfter(next, 50)).toBe(true);
    consumer.assign([{ topic: 'events', partition: 0, offset: 'earliest' }]);
    expect((await next).value).toMatchObject({ offset: 0 });
  });

  test('close ends every waiting iteration, records and batches alike', async () => {
    const engine = await engineWith({ events: 1 });
    const consumer = consumerOf(engine);
    consumer.assign([{ topic: 'events', partition: 0, offset: 'earliest' }]);
    const waiting = [
      consumer[Symbol.asyncIterator]().next(),
      consumer.batches().next(),
      consumer[Symbol.asyncIterator]().next(),
    ];
    expect(await pendingAfter(Promise.race(waiting), 50)).toBe(true);
    await consumer.close();
    expect(await Promise.all(waiting)).toEqual([0, 1, 2].map(() => ({ done: true, value: undefined })));
  });

  test('close ends a waiting for-await loop and every later iteration; later calls are refused', async () => {
    const engine = await engineWith({ events: 1 });
    await append(engine, 'events', 0, batchOf(['a']));
    const consumer = consumerOf(engine);
    const at = { topic: 'events', partition: 0 };
    consumer.assign([{ ...at, offset: 'earliest' }]);
    const seen: string[] = [];
    const loop = (async () => {
      for await (const record of consumer) seen.push(record.value!.toString());
    })();
    expect(await pendingAfter(loop, 100)).toBe(true);
    await consumer.close();
    await loop;
    expect(seen).toEqual(['a']);
    expect(await take(consumer.batches(), 1)).toEqual([]);
    for (const call of [
      () => consumer.assign([]),
      () => consumer.seek({ ...at, offset: 0 }),
      () => consumer.position(at),
    ]) {
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_CONSUMER_CLOSED' }));
    }
  });

  test('the engine closing under a waiting iteration rejects it with a typed error', async () => {
    const engine = await engineWith({ events: 1 });
    const { next } = await waitingNext(engine);
    await engine.close();
    await expect(next).rejects.toMatchObject({ code: 'ERR_LOG_CLOSED' });
  });
});

describe('Consumer: bad arguments are typed errors', () => {
  test.each<[string, unknown]>(
    ['maxBytes', 'maxPollRecords'].flatMap((option) =>
      [0, -1, 1.5, '1', Number.NaN].map((value): [string, unknown] => [option, value]),
    ),
  )('%s %s', async (option, value) => {
    const engine = await engineWith({});
    expect(() => new Consumer(engine, { [option]: value })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        kafka: expect.objectContaining({ code: 42, name: 'INVALID_REQUEST' }),
      }),
    );
  });

  test('messages name the argument, the type expected and what was given', async () => {
    const engine = await engineWith({ events: 1 });
    const consumer = consumerOf(engine);
    const invalid = (message: string) => ({ code: 'ERR_INVALID_ARGUMENT', message });
    expect(await refusal(() => new Consumer(engine, { maxBytes: '1' as never }))).toEqual(
      invalid("maxBytes must be a positive integer, got string '1'"),
    );
    expect(await refusal(() => new Consumer(engine, { autoOffsetReset: 'smallest' as never }))).toEqual(
      invalid("autoOffsetReset must be one of earliest, latest, none, got string 'smallest'"),
    );
    expect(await refusal(() => consumer.assign([{ topic: 7, partition: 0, offset: 0 } as never]))).toEqual(
      invalid('assign: topic must be a non-empty string, got number 7'),
    );
    expect(await refusal(() => consumer.assign([{ topic: 'events', partition: '0', offset: 0 } as never]))).toEqual(
      invalid("assign: partition must be a non-negative integer, got string '0'"),
    );
    expect(await refusal(() => consumer.assign([{ topic: 'events', partition: 0, offset: 'first' as never }]))).toEqual(
      invalid("offset must be 'earliest', 'latest', an offset >= 0 or { timestamp } >= 0, got string 'first'"),
    );
    expect(await refusal(() => consumer.pause('events' as never))).toEqual(
      invalid("pause: partitions must be an array, got string 'events'"),
    );
    expect(await refusal(() => consumer.position(null as never))).toEqual(
      invalid('position: a partition must be a { topic, partition }, got null'),
    );
  });

  test('autoOffsetReset outside earliest/latest/none', async () => {
    const engine = await engineWith({});
    expect(() => new Consumer(engine, { autoOffsetReset: 'smallest' as 'earliest' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  test.each<unknown>([-1, 1.5, 'first', null, undefined, {}, { timestamp: -1 }, { timestamp: '5' }, 2 ** 53])(
    'offset %j',
    async (offset) => {
      const engine = await engineWith({ events: 1 });
      const consumer = consumerOf(engine);
      const assign = (): void => consumer.assign([{ topic: 'events', partition: 0, offset: offset as number }]);
      expect(assign).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
      consumer.assign([{ topic: 'events', partition: 0, offset: 0 }]);
      expect(() => consumer.seek({ topic: 'events', partition: 0, offset: offset as number })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    },
  );

  test('unknown topic or partition, malformed partitions, and non-arrays', async () => {
    const engine = await engineWith({ events: 2 });
    const consumer = consumerOf(engine);
    expect(() => consumer.assign([{ topic: 'nope', partition: 0, offset: 0 }])).toThrow(
      expect.objectContaining({ code: 'ERR_UNKNOWN_TOPIC_OR_PARTITION' }),
    );
    expect(() => consumer.assign([{ topic: 'events', partition: 2, offset: 0 }])).toThrow(
      expect.objectContaining({ code: 'ERR_UNKNOWN_TOPIC_OR_PARTITION' }),
    );
    for (const bad of [
      { topic: 'events', partition: -1 },
      { topic: 'events', partition: 0.5 },
      { topic: 7, partition: 0 },
      null,
    ]) {
      expect(() => consumer.assign([{ ...(bad as object), offset: 0 } as never])).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    }
    expect(() => consumer.assign({ topic: 'events', partition: 0, offset: 0 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => consumer.pause('events' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  test('assigning a partition twice, in one call or two, assigns nothing of the refused call', async () => {
    const engine = await engineWith({ events: 2 });
    const consumer = consumerOf(engine);
    const p0 = { topic: 'events', partition: 0, offset: 0 };
    const p1 = { topic: 'events', partition: 1, offset: 0 };
    expect(() => consumer.assign([p0, p1, p0])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(consumer.assignment()).toEqual([]);
    consumer.assign([p0]);
    expect(() => consumer.assign([p1, p0])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(consumer.assignment()).toEqual([{ topic: 'events', partition: 0 }]);
  });

  test('seek, position, pause and resume of a partition not assigned', async () => {
    const engine = await engineWith({ events: 2 });
    const consumer = consumerOf(engine);
    consumer.assign([{ topic: 'events', partition: 0, offset: 0 }]);
    const other = { topic: 'events', partition: 1 };
    const calls = [
      () => consumer.seek({ ...other, offset: 0 }),
      () => consumer.position(other),
      () => consumer.pause([other]),
      () => consumer.resume([other]),
    ];
    for (const call of calls) expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => consumer.pause([{ topic: 'events', partition: 0 }, other])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(consumer.paused()).toEqual([]);
  });
});
