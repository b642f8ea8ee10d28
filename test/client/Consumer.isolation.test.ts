/**
 * The embedded consumers' isolationLevel (Kafka's isolation.level). read_committed reads up
 * to the last stable offset and drops aborted transactions' records with the aborted list
 * the partition gives (Kafka's Fetcher/CompletedFetch); its 'latest' and endOffsets are
 * the last stable offset (KafkaConsumer.endOffsets / seekToEnd at READ_COMMITTED use
 * ListOffsets with the isolation level). Control batches are never handed out.
 *
 * Each SCENARIO is steps written into the partition as producers and the coordinator write
 * them, and what each level reads from offset 0; with no transaction left open the last
 * stable offset is the log end offset.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Consumer, type ConsumerBatch, type ConsumerOptions, type IsolationLevel } from '../../src/client/Consumer.js';
import { Tributary } from '../../src/client/Tributary.js';
import { Engine } from '../../src/engine/Engine.js';
import {
  ABORT_ACROSS_SEGMENTS,
  ABORTED_TRANSACTION,
  COMMITTED_TRANSACTIONS,
  INTERLEAVED_ABORT_AND_COMMIT,
  OPEN_TRANSACTION,
  SEGMENT_PER_BATCH,
  writeTransactions,
  type TransactionStep,
} from '../helpers/transactions.js';
import { refusal } from '../helpers/refusal.js';
import { tempDir } from '../helpers/tmp.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
});

/**
 * An engine whose partition events-0 holds `steps` (with topic `config`), and a consumer
 * maker for it; with `reopen`, the engine that wrote them is closed and the consumers read
 * another opened on its data (the .txnindex files and producer snapshots reloaded).
 */
async function engineWith(
  steps: readonly TransactionStep[],
  { config, reopen = false }: { config?: Record<string, number>; reopen?: boolean } = {},
): Promise<{ consumer(options: ConsumerOptions): Consumer }> {
  const dataDir = tempDir();
  let engine = await Engine.open({ dataDir });
  engine.createTopic('events', { partitions: 1, config });
  await writeTransactions(engine.partition('events', 0), steps);
  if (reopen) {
    await engine.close();
    engine = await Engine.open({ dataDir });
  }
  opened.push(engine);
  return { consumer: (options) => new Consumer(engine, options) };
}

/** Every batch the consumer hands out until its position reaches `end`. */
async function readTo(consumer: Consumer, end: number): Promise<ConsumerBatch[]> {
  const batches: ConsumerBatch[] = [];
  if (consumer.position({ topic: 'events', partition: 0 }) >= end) return batches;
  for await (const batch of consumer.batches()) {
    batches.push(batch);
    if (consumer.position({ topic: 'events', partition: 0 }) >= end) break;
  }
  return batches;
}

interface Seen {
  values: string[];
  offsets: number[];
  /** endOffsets(), and where seek 'latest' puts the position. */
  end: number;
}

interface Scenario {
  name: string;
  steps: readonly TransactionStep[];
  config?: Record<string, number>;
  read_uncommitted: Seen;
  read_committed: Seen;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'committed transactions of two producers among plain records',
    steps: COMMITTED_TRANSACTIONS,
    read_uncommitted: { values: ['p0', 'a', 'b', 'c', 'p1'], offsets: [0, 1, 2, 3, 6], end: 7 },
    read_committed: { values: ['p0', 'a', 'b', 'c', 'p1'], offsets: [0, 1, 2, 3, 6], end: 7 },
  },
  {
    name: 'an open transaction: read_committed stops at the last stable offset, its end',
    steps: OPEN_TRANSACTION,
    read_uncommitted: { values: ['p0', 'a', 'b', 'p1'], offsets: [0, 1, 2, 3], end: 4 },
    read_committed: { values: ['p0'], offsets: [0], end: 1 },
  },
  {
    name: 'an aborted transaction: read_committed drops its records',
    steps: ABORTED_TRANSACTION,
    read_uncommitted: { values: ['p0', 'a', 'b', 'p1'], offsets: [0, 1, 2, 4], end: 5 },
    read_committed: { values: ['p0', 'p1'], offsets: [0, 4], end: 5 },
  },
  {
    name: 'interleaved producers, one aborted and one committed: read_committed drops the aborted one only',
    steps: INTERLEAVED_ABORT_AND_COMMIT,
    read_uncommitted: { values: ['a', 'x', 'b', 'y', 'p'], offsets: [0, 1, 2, 4, 6], end: 7 },
    read_committed: { values: ['x', 'y', 'p'], offsets: [1, 4, 6], end: 7 },
  },
  {
    name: 'an abort spanning segment rolls: read_committed drops its records in every segment, keeps the plain one inside it',
    steps: ABORT_ACROSS_SEGMENTS,
    config: { 'segment.bytes': SEGMENT_PER_BATCH },
    read_uncommitted: { values: ['a', 'p0', 'b', 'p1'], offsets: [0, 1, 2, 4], end: 5 },
    read_committed: { values: ['p0', 'p1'], offsets: [1, 4], end: 5 },
  },
];

describe('Consumer isolationLevel', () => {
  for (const scenario of SCENARIOS) {
    for (const [isolationLevel, reopen] of [
      ['read_uncommitted', false],
      ['read_committed', false],
      ['read_committed', true],
    ] as const) {
      test(`${scenario.name} (${isolationLevel}${reopen ? ', engine reopened' : ''})`, async () => {
        const t = await engineWith(scenario.steps, { config: scenario.config, reopen });
        const expected = scenario[isolationLevel];
        const consumer = t.consumer({ isolationLevel });
        const tp = { topic: 'events', partition: 0 };
        expect(consumer.endOffsets([tp])).toEqual([{ ...tp, offset: expected.end }]);
        consumer.assign([{ ...tp, offset: 'latest' }]);
        expect(consumer.position(tp)).toBe(expected.end);
        consumer.seek({ ...tp, offset: 'earliest' });
        const records = (await readTo(consumer, expected.end)).flatMap((b) => b.records);
        expect({
          values: records.map((r) => r.value!.toString()),
          offsets: records.map((r) => r.offset),
          end: consumer.position(tp),
        }).toEqual(expected);
        await consumer.close();
      });
    }
  }

  test('FetcherTest.testFetcherIgnoresControlRecords: a marker last in the log is never handed out, the position passes it (both levels)', async () => {
    const t = await engineWith([{ send: 1, values: ['a'] }, { commit: 1 }]);
    for (const isolationLevel of ['read_uncommitted', 'read_committed'] as const) {
      const consumer = t.consumer({ isolationLevel });
      const tp = { topic: 'events', partition: 0 };
      consumer.assign([{ ...tp, offset: 1 }]);
      const iteration = consumer.batches().next();
      // Nothing to hand out: the iteration waits at the log end, its position past the marker.
      while (consumer.position(tp) < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      await consumer.close();
      expect(await iteration).toEqual({ done: true, value: undefined });
    }
  });

  test('a batch reports the partition high watermark and last stable offset when it was read', async () => {
    const t = await engineWith([{ plain: ['x', 'y'] }]);
    const consumer = t.consumer({ isolationLevel: 'read_committed' });
    consumer.assign([{ topic: 'events', partition: 0, offset: 'earliest' }]);
    const [batch] = await readTo(consumer, 2);
    expect(batch).toMatchObject({ highWatermark: 2, lastStableOffset: 2 });
    await consumer.close();
  });

  test('isolationLevel is checked like the other options, for assigned and group consumers', async () => {
    const t = await Tributary.open({ dataDir: tempDir() });
    opened.push(t);
    const expected = {
      code: 'ERR_INVALID_ARGUMENT',
      message: "isolationLevel must be one of read_uncommitted, read_committed, got string 'serializable'",
    };
    const level = 'serializable' as IsolationLevel;
    expect(await refusal(() => t.consumer({ isolationLevel: level }))).toEqual(expected);
    expect(await refusal(() => t.consumer({ groupId: 'g', isolationLevel: level }))).toEqual(expected);
  });
});
