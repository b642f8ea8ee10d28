/**
 * confluent-kafka-python 1.7.0 (librdkafka 2.0.2) transactions, `transactional.id` and
 * `isolation.level`, against tributary's broker. Each scenario writes single-record
 * transactions to one partition, then a plain `end` record; a read_committed consumer
 * (Kafka's Fetcher: FetchCollector/CompletedFetch drop the batches of aborted transactions,
 * Fetch stops at the last stable offset) must see the committed records only, a
 * read_uncommitted one every data record; markers take offsets. kafkajs 2.2.4 consumers read
 * the same partitions at both levels: an independent client's read_committed, so that an
 * expectation which only librdkafka's reading would meet fails.
 *
 * librdkafka's mock cluster is no cross-check here: it answers the transactional APIs for its
 * client's own tests but writes no markers, reports the high watermark as the last stable
 * offset and no aborted transactions (rd_kafka_mock_handle_Fetch), and lets a fenced epoch
 * commit. Run against it, these expectations fail on what it does not implement.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { consumeFromStart } from '../helpers/kafkajs.js';
import { startTributary, type BrokerUnderTest } from './brokers.js';
import { runPythonDriver } from './clients/process.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const TRANSACTIONS = join(HERE, 'clients', 'confluent_transactions.py');
const CONSUMER = join(HERE, 'clients', 'confluent_kafka.py');
/** transaction.abort.timed.out.transaction.cleanup.interval.ms: how often the coordinator looks for hung transactions. */
const ABORT_SCAN_MS = 200;
/** librdkafka's smallest transaction.timeout.ms. */
const TRANSACTION_TIMEOUT_MS = 1_000;

interface Visible {
  offset: number;
  value: string;
}

describe('confluent-kafka-python transactions', () => {
  let broker: BrokerUnderTest;
  let topics = 0;

  beforeAll(async () => {
    broker = await startTributary({
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': String(ABORT_SCAN_MS),
    });
  });

  afterAll(async () => {
    await broker?.stop();
  });

  async function freshTopic(): Promise<string> {
    const topic = `tx-${++topics}`;
    await broker.createTopic(topic, 1);
    return topic;
  }

  function run<T>(command: string, topic: string, request: object): Promise<T> {
    return runPythonDriver<T>(TRANSACTIONS, command, { bootstrap: broker.bootstrap, topic, ...request }, 60_000);
  }

  async function read(topic: string, isolationLevel: string, count: number): Promise<Visible[]> {
    const records = await runPythonDriver<{ offset: number; value: string }[]>(
      CONSUMER,
      'consume',
      { bootstrap: broker.bootstrap, topic, count, isolationLevel },
      60_000,
    );
    return records.map((r) => ({ offset: r.offset, value: Buffer.from(r.value, 'base64').toString() }));
  }

  async function kafkajsRead(topic: string, readUncommitted: boolean, count: number): Promise<Visible[]> {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const records = await consumeFromStart(kafka, topic, count, {
      groupId: `${topic}-${readUncommitted}`,
      readUncommitted,
    });
    return records.map(({ offset, value }) => ({ offset, value }));
  }

  /** What each isolation level shows, to both clients: read_committed `committed`, read_uncommitted `all`. */
  async function expectVisible(topic: string, committed: Visible[], all: Visible[]): Promise<void> {
    expect(await read(topic, 'read_committed', committed.length)).toEqual(committed);
    expect(await read(topic, 'read_uncommitted', all.length)).toEqual(all);
    expect(await kafkajsRead(topic, false, committed.length)).toEqual(committed);
    expect(await kafkajsRead(topic, true, all.length)).toEqual(all);
  }

  // TransactionCoordinator.handleEndTransaction: COMMIT and ABORT markers, each taking an offset.
  it('a committed transaction is visible to read_committed, an aborted one only to read_uncommitted', async () => {
    const topic = await freshTopic();
    const results = await run('commit_abort', topic, { committed: ['c1', 'c2'], aborted: ['a1', 'a2'] });
    expect(results).toEqual({ commit: null, abort: null });
    // c1 c2 <commit> a1 a2 <abort> end
    const c = [
      { offset: 0, value: 'c1' },
      { offset: 1, value: 'c2' },
    ];
    const a = [
      { offset: 3, value: 'a1' },
      { offset: 4, value: 'a2' },
    ];
    const end = { offset: 6, value: 'end' };
    await expectVisible(topic, [...c, end], [...c, ...a, end]);
  });

  // TransactionCoordinator.handleInitProducerId: a second InitProducerId for the transactional id
  // bumps the epoch and aborts the open transaction; the first producer's EndTxn is then refused
  // (handleEndTransaction: PRODUCER_FENCED), which librdkafka makes a fatal _FENCED error.
  it('a second producer with the same transactional.id fences the first and aborts its open transaction', async () => {
    const topic = await freshTopic();
    const results = await run('fenced', topic, { committed: ['fresh'], aborted: ['zombie'] });
    expect(results).toEqual({ zombieCommit: { error: '_FENCED', fatal: true }, successorCommit: null });
    // zombie <abort> fresh <commit> end
    const zombie = { offset: 0, value: 'zombie' };
    const fresh = { offset: 2, value: 'fresh' };
    const end = { offset: 4, value: 'end' };
    await expectVisible(topic, [fresh, end], [zombie, fresh, end]);
  });

  // The last stable offset (UnifiedLog.lastStableOffset: the first offset of the earliest open
  // transaction) bounds what read_committed gets: Fetch with isolation_level 1 returns nothing past
  // it, even a plain record, and ListOffsets(latest) at read_committed answers it
  // (ReplicaManager.fetchOffsetForTimestamp with IsolationLevel.READ_COMMITTED).
  it('an open transaction holds read_committed consumers back at its first offset until it ends', async () => {
    const topic = await freshTopic();
    const results = await run('open_then_commit', topic, { committed: ['open'] });
    expect(results).toEqual({
      whileOpen: { latestCommitted: 0, latestUncommitted: 2, readCommitted: [], readUncommitted: ['open', 'after'] },
      commit: null,
    });
    // open after <commit> end
    const all = [
      { offset: 0, value: 'open' },
      { offset: 1, value: 'after' },
      { offset: 3, value: 'end' },
    ];
    await expectVisible(topic, all, all);
  });

  // TransactionCoordinator.abortTimedOutTransactions: every
  // transaction.abort.timed.out.transaction.cleanup.interval.ms, a transaction open longer than its
  // transaction.timeout.ms is aborted with the epoch bumped (prepareFenceProducerEpoch), so the
  // hung producer's own commit is then fenced.
  it('a transaction left open past transaction.timeout.ms is aborted by the broker', async () => {
    const topic = await freshTopic();
    const results = await run<{ openMs: number; commit: unknown }>('timed_out', topic, {
      aborted: ['hung'],
      transactionTimeoutMs: TRANSACTION_TIMEOUT_MS,
    });
    expect(results).toEqual({ openMs: expect.any(Number), commit: { error: '_FENCED', fatal: true } });
    // Not before its timeout (TransactionStateManager.timedOutTransactions: txnStartTimestamp + txnTimeoutMs < now).
    expect(results.openMs).toBeGreaterThanOrEqual(TRANSACTION_TIMEOUT_MS);
    // hung <abort> end
    await expectVisible(
      topic,
      [{ offset: 2, value: 'end' }],
      [
        { offset: 0, value: 'hung' },
        { offset: 2, value: 'end' },
      ],
    );
  });
});
