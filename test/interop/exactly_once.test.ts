/**
 * Exactly once through transactions, with confluent-kafka-python 1.7.0 (librdkafka 2.0.2)
 * as the client, against tributary's broker:
 * - a consume-transform-produce loop (exactly_once.py transform: Kafka's EOS pattern,
 *   KIP-447) is SIGKILLed at random points, before its first commit included, 20+ times and
 *   restarted each time; the output topic, read with read_committed, then holds every input
 *   record exactly once, in order per key, and the group's committed offsets are the input's
 *   end. Each restart's InitProducerId fences the killed instance and aborts its open
 *   transaction (TransactionCoordinator.handleInitProducerId), so its output and its offset
 *   commit (TxnOffsetCommit, GroupCoordinator.handleTxnCommitOffsets) go or stay together;
 *   read_uncommitted shows the aborted copies too (the client's read_committed filtering,
 *   CompletedFetch.nextFetchedRecord skipping aborted batches, is all that hides them).
 *   kafkajs reads the output with read_committed too: another client's filtering must agree.
 * The loop assigns its partitions rather than subscribing, so a restart never waits for the
 * killed member's session timeout in a rebalance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runChild } from '../helpers/childProcess.js';
import { consumeFromStart, type ConsumedRecord } from '../helpers/kafkajs.js';
import { startTributary, type BrokerUnderTest } from './brokers.js';
import { runProcess } from './clients/process.js';
import { pythonEnv, Rng, SYSTEM_PYTHON, testSeed } from './support.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'clients', 'exactly_once.py');
const INPUT = 'eos-input';
const OUTPUT = 'eos-output';
const GROUP = 'eos-group';
const PARTITIONS = 3;
const KEYS = 12;
const RECORDS = 6000;
/**
 * Small transactions, at least PAUSE_MS apart, so that the loop runs long enough for every kill to
 * land in it (3000 transactions; a killed run gets through at most KILL_WINDOW_MS / PAUSE_MS).
 */
const TRANSACTION_RECORDS = 2;
const PAUSE_MS = 5;
const KILLS = 22;
/** A kill lands this long after the loop's `start` line, at most: init_transactions and the first transactions fall in it. */
const KILL_WINDOW_MS = 1_000;

interface ReadRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
}

const decode = (base64: string | null): string | null =>
  base64 === null ? null : Buffer.from(base64, 'base64').toString();

/** Every record of `topic` read by confluent-kafka-python at `isolation`, keys and values decoded. */
async function readAll(bootstrap: string, topic: string, isolation: string): Promise<ConsumedRecord[]> {
  const args = JSON.stringify({ bootstrap, topic, partitions: PARTITIONS, isolation });
  const { stdout } = await runProcess(SYSTEM_PYTHON, ['-I', SCRIPT, 'read', args], {
    env: pythonEnv(),
    timeoutMs: 60_000,
  });
  return stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ReadRecord)
    .map((r) => ({ ...r, key: decode(r.key), value: decode(r.value)! }));
}

/** Per key, the values in the order read. */
function byKey(records: readonly ConsumedRecord[]): Map<string | null, string[]> {
  const keys = new Map<string | null, string[]>();
  const ordered = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of ordered) keys.set(r.key, [...(keys.get(r.key) ?? []), r.value]);
  return keys;
}

describe('exactly once with confluent-kafka-python transactions', () => {
  let dir: string;
  let broker: BrokerUnderTest;
  let kafka: Kafka;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tributary-eos-'));
    broker = await startTributary({}, dir);
    await broker.createTopic(INPUT, PARTITIONS);
    await broker.createTopic(OUTPUT, PARTITIONS);
    kafka = new Kafka({ clientId: 'eos-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  });

  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** RECORDS records over KEYS keys, values `key:i` in order per key; returns them per key and the input's end offsets. */
  async function produceInput(rng: Rng): Promise<{ expected: Map<string, string[]>; ends: Record<string, number> }> {
    const expected = new Map<string, string[]>();
    const messages = Array.from({ length: RECORDS }, () => {
      const key = `k${rng.int(0, KEYS - 1)}`;
      const values = expected.get(key) ?? [];
      values.push(`${key}:${values.length}`);
      expected.set(key, values);
      return { key, value: values.at(-1)! };
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // Several sends, so the input is several batches per partition.
    for (let i = 0; i < RECORDS; i += 500) await producer.send({ topic: INPUT, messages: messages.slice(i, i + 500) });
    await producer.disconnect();
    const ends: Record<string, number> = {};
    const admin = kafka.admin();
    await admin.connect();
    for (const { partition, high } of await admin.fetchTopicOffsets(INPUT)) ends[partition] = Number(high);
    await admin.disconnect();
    return { expected, ends };
  }

  async function committedOffsets(): Promise<Record<string, number>> {
    const admin = kafka.admin();
    await admin.connect();
    const [topic] = await admin.fetchOffsets({ groupId: GROUP, topics: [INPUT] });
    await admin.disconnect();
    return Object.fromEntries(topic!.partitions.map((p) => [p.partition, Number(p.offset)]));
  }

  test(`a consume-transform-produce loop killed ${KILLS} times writes every input once, in order per key`, async () => {
    const rng = new Rng(testSeed(19));
    const { expected, ends } = await produceInput(rng);
    const transformArgs = JSON.stringify({
      bootstrap: broker.bootstrap,
      transactionalId: 'eos-transform',
      group: GROUP,
      input: INPUT,
      output: OUTPUT,
      ends,
      maxRecords: TRANSACTION_RECORDS,
      pauseMs: PAUSE_MS,
    });
    // Kills that land before the run's first commit (some before init_transactions) and after it.
    let killedBeforeCommit = 0;
    let kills = 0;
    for (;;) {
      const killAfter = kills < KILLS ? rng.int(0, KILL_WINDOW_MS) : null;
      const run = await runChild(SCRIPT, ['transform', transformArgs], killAfter, [], [SYSTEM_PYTHON, '-I']);
      if (run.lines.includes('done')) break;
      expect(run.signal).toBe('SIGKILL');
      if (run.acked.length === 0) killedBeforeCommit++;
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    expect(killedBeforeCommit).toBeGreaterThan(0);
    expect(killedBeforeCommit).toBeLessThan(kills);

    const committed = await readAll(broker.bootstrap, OUTPUT, 'read_committed');
    expect(committed.length).toBe(RECORDS);
    expect(byKey(committed)).toEqual(expected);
    // kafkajs' read_committed, an independent implementation of the client's side, agrees.
    const kafkajsCommitted = await consumeFromStart(kafka, OUTPUT, RECORDS, {
      groupId: 'eos-kafkajs',
      readUncommitted: false,
    });
    expect(byKey(kafkajsCommitted)).toEqual(expected);
    expect(await committedOffsets()).toEqual(ends);
    const uncommitted = await readAll(broker.bootstrap, OUTPUT, 'read_uncommitted');
    expect(uncommitted.length).toBeGreaterThanOrEqual(RECORDS);
  });
});
