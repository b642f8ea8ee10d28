import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Producer, type ProducerOptions, type ProducerRecord } from '../../src/client/Producer.js';
import { Engine } from '../../src/engine/Engine.js';
import type { TopicSpec } from '../../src/engine/TopicDescription.js';
import { BUILT_IN_PROCESS, Log } from '../../src/log/Log.js';
import { partitionForKey } from '../../src/record/Partitioner.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { refusal } from '../helpers/refusal.js';
import { tempDir } from '../helpers/tmp.js';
import { logOf } from '../helpers/partitionLog.js';

const open: Engine[] = [];

afterEach(async () => {
  for (const engine of open.splice(0)) await engine.close();
});

async function engineWith(topics: Record<string, TopicSpec>, dataDir = tempDir()): Promise<Engine> {
  const engine = await Engine.open({ dataDir });
  open.push(engine);
  for (const [name, spec] of Object.entries(topics)) engine.createTopic(name, spec);
  return engine;
}

function batchesOf(engine: Engine, topic: string, partition: number): RecordBatch[] {
  const p = engine.partition(topic, partition);
  return [...RecordBatch.all(p.read(p.logStartOffset, 1 << 30).records)];
}

function valuesOf(engine: Engine, topic: string, partition: number): string[] {
  return batchesOf(engine, topic, partition).flatMap((b) => [...b.records()].map((r) => r.value!.toString()));
}

function producerOn(engine: Engine, options: ProducerOptions = {}): Producer {
  return new Producer(engine, options);
}

describe('Producer.send', () => {
  test('writes key, value, headers and timestamp, resolving with offsets in the order given', async () => {
    const engine = await engineWith({ events: { partitions: 1 } });
    const producer = producerOn(engine, { lingerMs: 0 });
    const before = Date.now();
    const meta = await producer.send('events', [
      { key: 'user-1', value: Buffer.from('hi'), headers: { source: 'web', trace: null } },
      {
        key: null,
        value: 'été',
        headers: [
          ['h', 'a'],
          ['h', Buffer.from('b')],
        ],
        timestamp: 1_600_000_000_000,
      },
      { value: null, partition: 0 },
    ]);
    expect(meta).toEqual([0, 1, 2].map((offset) => ({ topic: 'events', partition: 0, offset })));
    const [batch] = batchesOf(engine, 'events', 0);
    const records = [...batch!.records()];
    expect(records[0]!.key!.toString()).toBe('user-1');
    expect(records[0]!.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual([
      ['source', 'web'],
      ['trace', null],
    ]);
    expect(records[0]!.timestamp).toBeGreaterThanOrEqual(before);
    expect(records[0]!.timestamp).toBeLessThanOrEqual(Date.now());
    expect(records[1]!.key).toBeNull();
    expect(records[1]!.value!.toString('utf8')).toBe('été');
    expect(records[1]!.headers.map((h) => [h.key, h.value!.toString()])).toEqual([
      ['h', 'a'],
      ['h', 'b'],
    ]);
    expect(records[1]!.timestamp).toBe(1_600_000_000_000);
    expect(records[2]!.value).toBeNull();
    await producer.close();
  });

  test('keeps per-partition order under many concurrent sends', async () => {
    const engine = await engineWith({ t: { partitions: 3 } });
    const producer = producerOn(engine, { lingerMs: 1, batchSize: 512, compression: 'lz4' });
    const sends = Array.from({ length: 60 }, (_, s) =>
      producer.send(
        't',
        Array.from({ length: 1 + (s % 7) }, (_, i) => ({ key: `k${(s + i) % 5}`, value: `${s}.${i}` })),
      ),
    );
    const metas = (await Promise.all(sends)).flat();
    const sent = sends.flatMap((_, s) =>
      Array.from({ length: 1 + (s % 7) }, (_, i) => ({ key: `k${(s + i) % 5}`, value: `${s}.${i}` })),
    );
    for (const partition of [0, 1, 2]) {
      const expected = sent.filter((r) => partitionForKey(Buffer.from(r.key), 3) === partition).map((r) => r.value);
      expect(valuesOf(engine, 't', partition)).toEqual(expected);
      const offsets = metas.filter((m) => m.partition === partition).map((m) => m.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    await producer.close();
  });

  test('linger.ms holds a batch open for later sends; a full batch.size goes at once', async () => {
    const engine = await engineWith({ t: { partitions: 1 } });
    const lingering = producerOn(engine, { lingerMs: 100, batchSize: 1 << 20 });
    const started = performance.now();
    const first = lingering.send('t', [{ value: 'a', partition: 0 }]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = lingering.send('t', [{ value: 'b', partition: 0 }]);
    expect((await first)[0]!.offset).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect((await second)[0]!.offset).toBe(1);
    expect(batchesOf(engine, 't', 0).map((b) => b.recordCount)).toEqual([2]);

    // ~110 bytes a record: 8 fill a 1000-byte batch; the 9th seals it and waits in the next
    const sized = producerOn(engine, { lingerMs: 60_000, batchSize: 1000 });
    const values = Array.from({ length: 40 }, (_, i) => `${i}`.padEnd(100, '.'));
    const full = sized.send(
      't',
      values.slice(0, 8).map((value) => ({ value, partition: 0 })),
    );
    const rest = sized.send(
      't',
      values.slice(8).map((value) => ({ value, partition: 0 })),
    );
    expect((await full).map((m) => m.offset)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(engine.partition('t', 0).logEndOffset).toBe(2 + 32); // the last 8 records still linger
    await sized.flush();
    expect((await rest).at(-1)!.offset).toBe(41);
    const batches = batchesOf(engine, 't', 0).slice(1);
    expect(batches.map((b) => b.recordCount)).toEqual([8, 8, 8, 8, 8]);
    expect(batches.every((b) => b.sizeInBytes <= 1000)).toBe(true);
    await lingering.close();
    await sized.close();
  });

  test.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)(
    'compression %s, from the producer option or the topic config',
    async (codec) => {
      const engine = await engineWith({
        mine: { partitions: 1 },
        theirs: { partitions: 1, config: { 'compression.type': codec } },
      });
      const producer = producerOn(engine, { compression: codec, lingerMs: 0 });
      const plain = producerOn(engine, { lingerMs: 0 });
      const values = Array.from({ length: 200 }, (_, i) => JSON.stringify({ i, event: 'click', path: `/p/${i % 13}` }));
      await producer.send(
        'mine',
        values.map((value) => ({ value })),
      );
      await plain.send(
        'theirs',
        values.map((value) => ({ value })),
      );
      for (const topic of ['mine', 'theirs']) {
        const batches = batchesOf(engine, topic, 0);
        expect(batches.map((b) => b.compression)).toEqual(batches.map(() => codec));
        expect(valuesOf(engine, topic, 0)).toEqual(values);
      }
    },
  );

  test("topic compression 'producer' or 'uncompressed' writes uncompressed unless the producer says otherwise", async () => {
    const engine = await engineWith({
      p: { partitions: 1, config: { 'compression.type': 'producer' } },
      u: { partitions: 1, config: { 'compression.type': 'uncompressed' } },
    });
    const producer = producerOn(engine, { lingerMs: 0 });
    await producer.send('p', [{ value: 'x'.repeat(500) }]);
    await producer.send('u', [{ value: 'x'.repeat(500) }]);
    await producerOn(engine, { lingerMs: 0, compression: 'gzip' }).send('p', [{ value: 'x'.repeat(500) }]);
    expect(batchesOf(engine, 'p', 0).map((b) => b.compression)).toEqual(['none', 'gzip']);
    expect(batchesOf(engine, 'u', 0).map((b) => b.compression)).toEqual(['none']);
  });
});

describe('appends of its own batches', () => {
  /** kafkajs' CRC32C, an implementation independent of ours. */
  const kafkajsCrc32c = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/crc32C') as (
    bytes: Buffer,
  ) => number;

  test('are marked built in process (not verified again), and each batch written holds its CRC32C', async () => {
    const engine = await engineWith({
      plain: { partitions: 1 },
      packed: { partitions: 1, config: { 'compression.type': 'lz4' } },
    });
    const append = vi.spyOn(Log.prototype, 'append');
    const producer = producerOn(engine, { lingerMs: 0, batchSize: 512 * 1024 });
    const values = Array.from({ length: 2000 }, (_, i) => `${i}:${'v'.repeat(i % 300)}`);
    for (const topic of ['plain', 'packed'])
      await producer.send(
        topic,
        values.map((value, i) => ({ key: `k${i}`, value })),
      );
    expect(batchesOf(engine, 'plain', 0).some((b) => b.sizeInBytes >= 128 * 1024)).toBe(true); // the size the CRC worker takes
    expect(append.mock.calls.length).toBeGreaterThan(1);
    expect(append.mock.calls.every(([, options]) => options?.[BUILT_IN_PROCESS] === true)).toBe(true);
    append.mockRestore();
    for (const topic of ['plain', 'packed']) {
      const batches = batchesOf(engine, topic, 0);
      for (const b of batches) expect(kafkajsCrc32c(b.bytes.subarray(BatchHeader.attributes))).toBe(b.crc);
      expect(valuesOf(engine, topic, 0)).toEqual(values);
    }
  });
});

describe('partitioning', () => {
  test('a key always lands in partitionForKey(key) (murmur2, as the Java client)', async () => {
    const engine = await engineWith({ t: { partitions: 7 } });
    const producer = producerOn(engine, { lingerMs: 0 });
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    const first = await producer.send(
      't',
      keys.map((key) => ({ key, value: 'v' })),
    );
    const again = await producer.send(
      't',
      keys.map((key) => ({ key: Buffer.from(key), value: 'w' })),
    );
    expect(first.map((m) => m.partition)).toEqual(keys.map((k) => partitionForKey(Buffer.from(k), 7)));
    expect(again.map((m) => m.partition)).toEqual(first.map((m) => m.partition));
  });

  test('records without a key stick to a partition for about batch.size bytes, then spread', async () => {
    const engine = await engineWith({ t: { partitions: 4 } });
    const producer = producerOn(engine, { lingerMs: 0, batchSize: 1024 });
    const metas = [];
    for (let s = 0; s < 200; s++) metas.push(...(await producer.send('t', [{ value: 'v'.repeat(90) }])));
    const runs: number[] = [];
    for (const [i, m] of metas.entries()) {
      if (i === 0 || m.partition !== metas[i - 1]!.partition) runs.push(1);
      else runs[runs.length - 1]!++;
    }
    // ~130 bytes a record in a batch: a switch after 1024 bytes (7-8 records); a run may join the next when the random choice repeats
    expect(runs.length).toBeGreaterThan(5);
    expect(Math.min(...runs.slice(0, -1))).toBeGreaterThanOrEqual(7);
    expect(new Set(metas.map((m) => m.partition)).size).toBe(4);
  });

  test('an explicit partition is used as given, and checked against the partition count', async () => {
    const engine = await engineWith({ t: { partitions: 3 } });
    const producer = producerOn(engine, { lingerMs: 0 });
    const metas = await producer.send(
      't',
      [0, 1, 2, 2].map((partition) => ({ key: 'same', value: `${partition}`, partition })),
    );
    expect(metas.map((m) => [m.partition, m.offset])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [2, 1],
    ]);
    await expect(producer.send('t', [{ value: 'x', partition: 3 }])).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_TOPIC_OR_PARTITION',
    });
  });
});

describe('refusals', () => {
  test('a record over max.message.bytes is refused with ERR_MESSAGE_TOO_LARGE; other sends still land', async () => {
    const engine = await engineWith({ t: { partitions: 1, config: { 'max.message.bytes': 1000 } } });
    const producer = producerOn(engine, { lingerMs: 20 });
    const ok = producer.send('t', [{ value: 'a'.repeat(800), partition: 0 }]);
    const big = producer.send('t', [{ value: 'fits' }, { value: 'b'.repeat(1000), partition: 0 }]);
    const ok2 = producer.send('t', [{ value: 'c'.repeat(800), partition: 0 }]);
    await expect(big).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE' });
    expect((await ok)[0]!.offset).toBe(0);
    expect((await ok2)[0]!.offset).toBe(1); // its own batch: two would pass max.message.bytes
    expect(valuesOf(engine, 't', 0).map((v) => v[0])).toEqual(['a', 'c']);
    // Alone in a batch (DefaultRecord): 61 header bytes, then length varint 2, attributes 1,
    // timestamp delta 1, offset delta 1, null key 1, value length varint 2, header count 1.
    const limit = 1000 - 61 - 9;
    await expect(producer.send('t', [{ value: 'd'.repeat(limit) }])).resolves.toHaveLength(1);
    expect(batchesOf(engine, 't', 0).at(-1)!.sizeInBytes).toBe(1000); // the log takes exactly max.message.bytes
    await expect(producer.send('t', [{ value: 'd'.repeat(limit + 1) }])).rejects.toMatchObject({
      code: 'ERR_MESSAGE_TOO_LARGE',
    });
  });

  test('an unknown topic is ERR_UNKNOWN_TOPIC (topics are not auto-created)', async () => {
    const engine = await engineWith({});
    await expect(producerOn(engine).send('nope', [{ value: 'x' }])).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_TOPIC',
    });
    expect(engine.listTopics()).toEqual([]);
  });

  const badRecords: [string, unknown][] = [
    ['a record that is not an object', 'x'],
    ['a missing value', { key: 'k' }],
    ['a numeric value', { value: 42 }],
    ['an object key', { key: { a: 1 }, value: 'v' }],
    ['a negative timestamp', { value: 'v', timestamp: -1 }],
    ['a fractional timestamp', { value: 'v', timestamp: 1.5 }],
    ['a string timestamp', { value: 'v', timestamp: '1' }],
    ['a negative partition', { value: 'v', partition: -1 }],
    ['a fractional partition', { value: 'v', partition: 0.5 }],
    ['headers as a string', { value: 'v', headers: 'h' }],
    ['a header value that is a number', { value: 'v', headers: { h: 1 } }],
    ['a header pair with a non-string key', { value: 'v', headers: [[1, 'x']] }],
    ['a header pair of three', { value: 'v', headers: [['a', 'b', 'c']] }],
  ];

  test.each(badRecords)('%s is ERR_INVALID_ARGUMENT, and nothing of the send is written', async (_, bad) => {
    const engine = await engineWith({ t: { partitions: 1 } });
    const producer = producerOn(engine, { lingerMs: 0 });
    await expect(producer.send('t', [{ value: 'good' }, bad as ProducerRecord])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await producer.flush();
    expect(engine.partition('t', 0).logEndOffset).toBe(0);
  });

  test.each([
    ['an empty topic', '', []],
    ['a numeric topic', 1, []],
    ['records not in an array', 't', { value: 'x' }],
  ])('%s is ERR_INVALID_ARGUMENT', async (_, topic, records) => {
    const engine = await engineWith({ t: { partitions: 1 } });
    await expect(producerOn(engine).send(topic as string, records as ProducerRecord[])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });

  test('messages name the argument, the type expected and what was given', async () => {
    const engine = await engineWith({ t: { partitions: 1 } });
    const producer = producerOn(engine);
    const invalid = (message: string) => ({ code: 'ERR_INVALID_ARGUMENT', message });
    expect(await refusal(() => producer.send(1 as never, []))).toEqual(
      invalid('send: topic must be a non-empty string, got number 1'),
    );
    expect(await refusal(() => producer.send('t', { value: 'x' } as never))).toEqual(
      invalid('send: records must be an array, got an object'),
    );
    expect(await refusal(() => producer.send('t', [{ value: 'v', timestamp: '1' as never }]))).toEqual(
      invalid("timestamp must be a non-negative integer, got string '1'"),
    );
    expect(await refusal(() => producer.send('t', [{ value: 'v', partition: '0' as never }]))).toEqual(
      invalid("partition must be a non-negative integer, got string '0'"),
    );
  });

  test.each([
    [{ lingerMs: -1 }],
    [{ lingerMs: 1.5 }],
    [{ batchSize: 0 }],
    [{ batchSize: '16384' }],
    [{ compression: 'brotli' }],
    [{ durability: 'sometimes' }],
    [{ acks: 'all' }],
    [null],
  ])('producer options %j are ERR_INVALID_CONFIG', async (options) => {
    const engine = await engineWith({});
    expect(() => new Producer(engine, options as ProducerOptions)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
    );
  });
});

describe('durability, flush and close', () => {
  test("durability 'always' resolves a send only once the log is flushed past it; the data survives a reopen", async () => {
    const dataDir = tempDir();
    const engine = await engineWith({ t: { partitions: 2 } }, dataDir);
    const log = logOf(engine.partition('t', 0));
    expect(log.config.durability).toBe('never');
    await producerOn(engine, { lingerMs: 0 }).send('t', [{ value: 'loose', partition: 0 }]);
    expect(log.recoveryPoint).toBe(0);
    const durable = producerOn(engine, { lingerMs: 0, durability: 'always' });
    const meta = await durable.send('t', [
      { value: 'kept', partition: 0 },
      { value: 'kept too', partition: 1 },
    ]);
    expect(log.recoveryPoint).toBe(2);
    expect(logOf(engine.partition('t', 1)).recoveryPoint).toBe(1);
    await durable.close();
    await engine.close();
    const reopened = await engineWith({}, dataDir);
    expect(valuesOf(reopened, 't', 0)).toEqual(['loose', 'kept']);
    expect(valuesOf(reopened, 't', 1)).toEqual(['kept too']);
    expect(meta.map((m) => m.offset)).toEqual([1, 0]);
  });

  test('flush sends what lingers and resolves once it is appended', async () => {
    const engine = await engineWith({ t: { partitions: 2 } });
    const producer = producerOn(engine, { lingerMs: 60_000 });
    const sent = producer.send('t', [
      { value: 'a', partition: 0 },
      { value: 'b', partition: 1 },
    ]);
    await new Promise(setImmediate);
    expect(engine.partition('t', 0).logEndOffset).toBe(0);
    await producer.flush();
    expect(engine.partition('t', 0).logEndOffset).toBe(1);
    expect(engine.partition('t', 1).logEndOffset).toBe(1);
    expect((await sent).map((m) => m.offset)).toEqual([0, 0]);
  });

  test('close flushes pending records, then sends reject with ERR_PRODUCER_CLOSED; close is idempotent', async () => {
    const engine = await engineWith({ t: { partitions: 1 } });
    const producer = producerOn(engine, { lingerMs: 60_000 });
    const sent = producer.send('t', [{ value: 'pending' }]);
    await producer.close();
    expect(await sent).toEqual([{ topic: 't', partition: 0, offset: 0 }]);
    await expect(producer.send('t', [{ value: 'late' }])).rejects.toMatchObject({ code: 'ERR_PRODUCER_CLOSED' });
    await producer.close();
    await producer.flush();
    expect(valuesOf(engine, 't', 0)).toEqual(['pending']);
  });

  test('a batch the log refuses rejects the sends whose records were in it', async () => {
    const engine = await engineWith({ t: { partitions: 1 } });
    const producer = producerOn(engine, { lingerMs: 60_000 });
    const doomed = producer.send('t', [{ value: 'x' }]);
    await engine.deleteTopic('t');
    await producer.flush();
    await expect(doomed).rejects.toMatchObject({ code: 'ERR_UNKNOWN_TOPIC_OR_PARTITION' });
  });
});

/** Each batch's producer id, epoch, base sequence and record count, in log order. */
function producerStatesOf(engine: Engine, topic: string, partition: number): number[][] {
  return batchesOf(engine, topic, partition).map((b) => {
    expect(b.isValid()).toBe(true);
    return [b.producerId, b.producerEpoch, b.baseSequence, b.recordCount];
  });
}

describe('an idempotent producer (the default, as Kafka 3.x enable.idempotence=true)', () => {
  test('batches carry its producer id, epoch 0 and consecutive sequences per partition', async () => {
    const engine = await engineWith({ t: { partitions: 2 } });
    const producer = producerOn(engine, { batchSize: 1 }); // one record a batch: many batches
    await producer.send('t', [
      { value: 'a', partition: 0 },
      { value: 'b', partition: 1 },
    ]);
    const many = Array.from({ length: 3 }, (_, i) => ({ value: `c${i}`, partition: 0 }));
    await producer.send('t', many);
    await producerOn(engine, { batchSize: 100_000, lingerMs: 50 }).send('t', many); // one batch of 3
    await producer.send('t', [{ value: 'd', partition: 0 }]);
    const [first, second] = [producerStatesOf(engine, 't', 0)[0]![0]!, producerStatesOf(engine, 't', 0)[4]![0]!];
    expect(first).toBeGreaterThanOrEqual(0);
    expect(second).not.toBe(first); // each producer its own id (ProducerIdManager)
    expect(producerStatesOf(engine, 't', 0)).toEqual([
      [first, 0, 0, 1],
      [first, 0, 1, 1],
      [first, 0, 2, 1],
      [first, 0, 3, 1],
      [second, 0, 0, 3],
      [first, 0, 4, 1],
    ]);
    expect(producerStatesOf(engine, 't', 1)).toEqual([[first, 0, 0, 1]]);
  });

  test('idempotence: false writes no producer id, epoch or sequence (-1)', async () => {
    const engine = await engineWith({ t: { partitions: 1 } });
    await producerOn(engine, { idempotence: false }).send('t', [{ value: 'x' }]);
    expect(producerStatesOf(engine, 't', 0)).toEqual([[-1, -1, -1, 1]]);
  });

  test('idempotence must be a boolean', () => {
    const options = { idempotence: 'yes' as unknown as boolean };
    expect(() => producerOn(undefined as unknown as Engine, options)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_CONFIG',
        message: "idempotence must be a boolean, got string 'yes'",
      }),
    );
  });

  test('after a batch the log refuses, later batches carry the bumped epoch from sequence 0 (KIP-360)', async () => {
    const engine = await engineWith({ t: { partitions: 2, config: { 'message.timestamp.before.max.ms': 3_600_000 } } });
    const producer = producerOn(engine, { batchSize: 1 });
    // Sealed together, in order: the third is built with sequence 2 before the second fails.
    const good = producer.send('t', [{ value: 'a', partition: 0 }]);
    const refused = producer.send('t', [{ value: 'old', partition: 0, timestamp: 1_000 }]);
    const after = producer.send('t', [{ value: 'b', partition: 0 }]);
    const other = producer.send('t', [{ value: 'p1', partition: 1 }]);
    await expect(refused).rejects.toMatchObject({ code: 'ERR_INVALID_TIMESTAMP' });
    await Promise.all([good, after, other]);
    await producer.send('t', [
      { value: 'c', partition: 0 },
      { value: 'p1-again', partition: 1 },
    ]);
    const id = producerStatesOf(engine, 't', 0)[0]![0]!;
    expect(valuesOf(engine, 't', 0)).toEqual(['a', 'b', 'c']);
    expect(producerStatesOf(engine, 't', 0)).toEqual([
      [id, 0, 0, 1],
      [id, 1, 0, 1], // renumbered after it was built: header and CRC rewritten
      [id, 1, 1, 1],
    ]);
    // Partition 1's batch in flight kept epoch 0; its next batch moves to epoch 1 at sequence 0.
    expect(producerStatesOf(engine, 't', 1)).toEqual([
      [id, 0, 0, 1],
      [id, 1, 0, 1],
    ]);
  });

  test.skipIf(process.getuid?.() !== 0)(
    'after a full disk (ENOSPC on a small tmpfs) fails a batch, sends once there is room carry the bumped epoch from 0',
    async () => {
      const mount = tempDir();
      mkdirSync(mount, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
      try {
        const engine = await engineWith({ t: { partitions: 2 } }, mount);
        const producer = producerOn(engine, { lingerMs: 0 });
        const value = Buffer.alloc(64 * 1024, 1);
        let acked = 0;
        const failure = await (async () => {
          for (;;) {
            try {
              await producer.send('t', [{ value, partition: 0 }]);
              acked++;
            } catch (error) {
              return error;
            }
          }
        })();
        expect(failure).toMatchObject({ code: 'ENOSPC' });
        expect(acked).toBeGreaterThan(3);
        execFileSync('mount', ['-o', 'remount,size=4m', mount]); // room again, as after an operator frees space
        await producer.send('t', [{ value: 'after', partition: 1 }]);
        const id = producerStatesOf(engine, 't', 1)[0]![0]!;
        expect(producerStatesOf(engine, 't', 1)).toEqual([[id, 1, 0, 1]]);
        // Every acknowledged batch is there, with consecutive sequences under epoch 0.
        expect(producerStatesOf(engine, 't', 0)).toEqual(Array.from({ length: acked }, (_, i) => [id, 0, i, 1]));
      } finally {
        await Promise.all(open.splice(0).map((engine) => engine.close().catch(() => undefined)));
        execFileSync('umount', ['-l', mount]);
      }
    },
  );
});
