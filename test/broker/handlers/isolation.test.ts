/**
 * Fetch and ListOffsets by isolation level, over a socket. Kafka's contract: read_committed
 * (isolation_level=1) reads only below the last stable offset (UnifiedLog.read with
 * FetchIsolation.TXN_COMMITTED) and gets the aborted transactions its data overlaps
 * (LocalLog.addAbortedTransactions); every response carries lastStableOffset
 * (FetchResponse v4+); ListOffsets' LATEST is the isolation level's last fetchable offset
 * and a lookup by time finds only below it (Partition.fetchOffsetForTimestamp). Filtering
 * aborted records is the consumer's work: the broker hands read_committed readers the
 * aborted batches below the LSO together with the list.
 *
 * Each SCENARIO is steps written into the partition as producers and the coordinator write
 * them, and what each isolation level sees. With no transaction left open, the last
 * stable offset is the high watermark.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/Broker.js';
import { createLogger } from '../../../src/broker/Logger.js';
import { ApiKey, type Struct } from '../../../src/protocol/index.js';
import { RecordBatch } from '../../../src/record/RecordBatch.js';
import { RawKafkaClient } from '../../helpers/rawKafkaClient.js';
import { tempDir } from '../../helpers/tmp.js';
import {
  ABORT_ACROSS_SEGMENTS,
  ABORTED_TRANSACTION,
  COMMITTED_TRANSACTIONS,
  INTERLEAVED_ABORT_AND_COMMIT,
  OPEN_TRANSACTION,
  SEGMENT_PER_BATCH,
  T0,
  writeTransactions,
  type TransactionStep,
} from '../../helpers/transactions.js';

type Level = 'read_uncommitted' | 'read_committed';
const WIRE_LEVEL: Record<Level, number> = { read_uncommitted: 0, read_committed: 1 };
const LATEST = -1;
/** FetchRequest/ListOffsetsRequest CONSUMER_REPLICA_ID and DEBUGGING_REPLICA_ID. */
const CONSUMER_REPLICA_ID = -1;
const DEBUGGING_REPLICA_ID = -2;

let dataDir: string;
let broker: Broker;
let client: RawKafkaClient;

async function startBroker(): Promise<void> {
  broker = await Broker.start({ dataDir, port: 0, logger: createLogger('silent') });
  client = await RawKafkaClient.connect(broker.port);
}

/** Closes the broker and starts another on its data: the log reloads its .txnindex files and producer snapshots. */
async function restartBroker(): Promise<void> {
  client.close();
  await broker.close();
  await startBroker();
}

beforeEach(async () => {
  dataDir = tempDir();
  await startBroker();
});

afterEach(async () => {
  client.close();
  await broker.close();
});

/** What one Fetch at `level` from `fetchOffset` sees: the data records' values and the response's ends and aborted list. */
interface FetchView {
  errorCode: number;
  values: string[];
  /** Control batches among the batches returned (the consumer skips them). */
  markers: number;
  highWatermark: number;
  lastStableOffset: number;
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
}

async function fetchAt(
  level: Level,
  fetchOffset: number,
  wait: { maxWaitMs: number; minBytes: number } = { maxWaitMs: 0, minBytes: 0 },
  replicaId = CONSUMER_REPLICA_ID,
): Promise<FetchView> {
  const body = await client.call(ApiKey.Fetch, 11, {
    replicaId,
    ...wait,
    maxBytes: 1 << 20,
    isolationLevel: WIRE_LEVEL[level],
    topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = ((body.responses as Struct[])[0]!.partitions as Struct[])[0]!;
  const values: string[] = [];
  let markers = 0;
  for (const batch of RecordBatch.all(p.records as Buffer)) {
    if (batch.isControl) markers++;
    else for (const r of batch.records()) if (r.offset >= fetchOffset) values.push(r.value!.toString());
  }
  const aborted = p.abortedTransactions as Struct[] | null;
  return {
    errorCode: p.errorCode as number,
    values,
    markers,
    highWatermark: p.highWatermark as number,
    lastStableOffset: p.lastStableOffset as number,
    abortedTransactions:
      aborted === null
        ? null
        : aborted.map((a) => ({ producerId: a.producerId as number, firstOffset: a.firstOffset as number })),
  };
}

async function listOffset(
  level: Level,
  timestamp: number,
  replicaId = CONSUMER_REPLICA_ID,
): Promise<{ offset: number; timestamp: number }> {
  const body = await client.call(ApiKey.ListOffsets, 7, {
    replicaId,
    isolationLevel: WIRE_LEVEL[level],
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
  });
  const p = ((body.topics as Struct[])[0]!.partitions as Struct[])[0]!;
  expect(p.errorCode).toBe(0);
  return { offset: p.offset as number, timestamp: p.timestamp as number };
}

interface Seen {
  /** A Fetch from offset 0. */
  fetch: Omit<FetchView, 'errorCode'>;
  /** ListOffsets LATEST. */
  latest: number;
}

interface Scenario {
  name: string;
  steps: readonly TransactionStep[];
  /** Topic t's configs (a small segment.bytes rolls segments). */
  config?: Record<string, number>;
  /** Where the Fetch starts; 0 unless given. */
  fetchOffset?: number;
  read_uncommitted: Seen;
  read_committed: Seen;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'plain records and two committed transactions: both levels read to the high watermark, markers included as batches',
    steps: COMMITTED_TRANSACTIONS,
    read_uncommitted: {
      fetch: {
        values: ['p0', 'a', 'b', 'c', 'p1'],
        markers: 2,
        highWatermark: 7,
        lastStableOffset: 7,
        abortedTransactions: null,
      },
      latest: 7,
    },
    read_committed: {
      fetch: {
        values: ['p0', 'a', 'b', 'c', 'p1'],
        markers: 2,
        highWatermark: 7,
        lastStableOffset: 7,
        abortedTransactions: [],
      },
      latest: 7,
    },
  },
  {
    name: 'an empty partition: both ends 0, an empty read_committed fetch lists no aborted transaction',
    steps: [],
    read_uncommitted: {
      fetch: { values: [], markers: 0, highWatermark: 0, lastStableOffset: 0, abortedTransactions: null },
      latest: 0,
    },
    read_committed: {
      fetch: { values: [], markers: 0, highWatermark: 0, lastStableOffset: 0, abortedTransactions: [] },
      latest: 0,
    },
  },
  {
    name: 'an open transaction: read_committed stops at its first offset, the last stable offset, which is its LATEST',
    steps: OPEN_TRANSACTION,
    read_uncommitted: {
      fetch: {
        values: ['p0', 'a', 'b', 'p1'],
        markers: 0,
        highWatermark: 4,
        lastStableOffset: 1,
        abortedTransactions: null,
      },
      latest: 4,
    },
    read_committed: {
      fetch: { values: ['p0'], markers: 0, highWatermark: 4, lastStableOffset: 1, abortedTransactions: [] },
      latest: 1,
    },
  },
  {
    name: 'an aborted transaction: read_committed gets its records with the abort listed (the consumer drops them)',
    steps: ABORTED_TRANSACTION,
    read_uncommitted: {
      fetch: {
        values: ['p0', 'a', 'b', 'p1'],
        markers: 1,
        highWatermark: 5,
        lastStableOffset: 5,
        abortedTransactions: null,
      },
      latest: 5,
    },
    read_committed: {
      fetch: {
        values: ['p0', 'a', 'b', 'p1'],
        markers: 1,
        highWatermark: 5,
        lastStableOffset: 5,
        abortedTransactions: [{ producerId: 1, firstOffset: 1 }],
      },
      latest: 5,
    },
  },
  {
    name: 'interleaved producers, one aborted and one committed: only the abort is listed',
    steps: INTERLEAVED_ABORT_AND_COMMIT,
    read_uncommitted: {
      fetch: {
        values: ['a', 'x', 'b', 'y', 'p'],
        markers: 2,
        highWatermark: 7,
        lastStableOffset: 7,
        abortedTransactions: null,
      },
      latest: 7,
    },
    read_committed: {
      fetch: {
        values: ['a', 'x', 'b', 'y', 'p'],
        markers: 2,
        highWatermark: 7,
        lastStableOffset: 7,
        abortedTransactions: [{ producerId: 1, firstOffset: 0 }],
      },
      latest: 7,
    },
  },
  {
    // LocalLog.collectAbortedTransactions reads the .txnindex of the fetched segment and the
    // segments after it: the abort is indexed in its marker's segment, not in segment 0 or 2.
    name: 'an abort spanning segment rolls, fetched from its middle segment (a Fetch reads one segment, as LocalLog.read): listed from the marker segment .txnindex',
    steps: ABORT_ACROSS_SEGMENTS,
    config: { 'segment.bytes': SEGMENT_PER_BATCH },
    fetchOffset: 2,
    read_uncommitted: {
      fetch: { values: ['b'], markers: 0, highWatermark: 5, lastStableOffset: 5, abortedTransactions: null },
      latest: 5,
    },
    read_committed: {
      fetch: {
        values: ['b'],
        markers: 0,
        highWatermark: 5,
        lastStableOffset: 5,
        abortedTransactions: [{ producerId: 1, firstOffset: 0 }],
      },
      latest: 5,
    },
  },
];

describe('Fetch and ListOffsets by isolation level', () => {
  for (const scenario of SCENARIOS) {
    for (const level of ['read_uncommitted', 'read_committed'] as const) {
      for (const restart of [false, true]) {
        it(`${scenario.name} (${level}${restart ? ', after a restart' : ''})`, async () => {
          broker.engine.createTopic('t', { partitions: 1, config: scenario.config });
          await writeTransactions(broker.engine.partition('t', 0), scenario.steps);
          if (restart) await restartBroker();
          const expected = scenario[level];
          expect(await fetchAt(level, scenario.fetchOffset ?? 0)).toEqual({ errorCode: 0, ...expected.fetch });
          expect(await listOffset(level, LATEST)).toEqual({ offset: expected.latest, timestamp: -1 });
        });
      }
    }
  }

  it('a read_committed long poll at the last stable offset waits for the open transaction and wakes when its marker lands', async () => {
    broker.engine.createTopic('t', { partitions: 1 });
    const partition = broker.engine.partition('t', 0);
    await writeTransactions(partition, OPEN_TRANSACTION);
    const waiting = fetchAt('read_committed', 1, { maxWaitMs: 10_000, minBytes: 1 });
    let answered = false;
    void waiting.then(() => (answered = true));
    // The records past the LSO (a, b, p1) are there but not fetchable: the poll keeps waiting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    await writeTransactions(partition, [{ commit: 1 }]);
    expect(await waiting).toMatchObject({ errorCode: 0, values: ['a', 'b', 'p1'], markers: 1, lastStableOffset: 5 });
  });

  it('a read_committed fetch at the last stable offset is empty, no error; one waiting there (minBytes) is woken by the next append', async () => {
    broker.engine.createTopic('t', { partitions: 1 });
    const partition = broker.engine.partition('t', 0);
    await writeTransactions(partition, [{ send: 1, values: ['a'] }, { commit: 1 }]);
    expect(await fetchAt('read_committed', 2)).toMatchObject({ errorCode: 0, values: [], lastStableOffset: 2 });
    const waiting = fetchAt('read_committed', 2, { maxWaitMs: 10_000, minBytes: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await writeTransactions(partition, [{ plain: ['later'] }]);
    expect(await waiting).toMatchObject({ errorCode: 0, values: ['later'], lastStableOffset: 3 });
  });

  it('a debugging client (replica id -2) fetches as a consumer but lists offsets to the log end, as Kafka 3.8 tells them apart', async () => {
    // ListOffsets: KafkaApis.handleListOffsetRequestV1AndAbove passes an isolation level only for -1.
    // Fetch: FetchRequest.isConsumer(-2) (and a single node has no followers anyway; the rule
    // itself is ReadIsolation.test.ts').
    broker.engine.createTopic('t', { partitions: 1 });
    await writeTransactions(broker.engine.partition('t', 0), OPEN_TRANSACTION);
    const fetched = await fetchAt('read_committed', 0, undefined, DEBUGGING_REPLICA_ID);
    expect(fetched).toMatchObject({ errorCode: 0, values: ['p0'], lastStableOffset: 1 });
    expect(await listOffset('read_committed', LATEST, DEBUGGING_REPLICA_ID)).toEqual({ offset: 4, timestamp: -1 });
    expect(await listOffset('read_committed', LATEST)).toEqual({ offset: 1, timestamp: -1 });
  });

  it('a lookup by time finds a record below the last fetchable offset at either level, with its timestamp', async () => {
    broker.engine.createTopic('t', { partitions: 1 });
    await writeTransactions(broker.engine.partition('t', 0), [{ send: 1, values: ['a', 'b'] }, { commit: 1 }]);
    for (const level of ['read_uncommitted', 'read_committed'] as const)
      expect(await listOffset(level, T0)).toEqual({ offset: 0, timestamp: T0 });
  });
});
