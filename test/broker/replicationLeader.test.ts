/**
 * The leader side of replication on one cluster-mode broker, over real sockets: the test is
 * the controller (UpdateMetadata, LeaderAndIsr) and broker 2, a follower fetching with its
 * replica id as Kafka's ReplicaFetcherThread does. acks=-1 waits for the follower's fetch to
 * move the high watermark (ReplicaManager.appendRecords, DelayedProduce), times out as
 * REQUEST_TIMED_OUT without it, and is NOT_ENOUGH_REPLICAS with an ISR under
 * min.insync.replicas (Partition.appendRecordsToLeader); consumers read only to the high
 * watermark, followers to the log end (FetchIsolation); leader epochs fence both
 * (Partition.fetchRecords) and OffsetForLeaderEpoch answers where an epoch ends.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { KafkaErrors } from '../../src/errors.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { sampleBatch } from '../helpers/batches.js';
import { leaderAndIsr, updateMetadata, type PartitionStateOf } from '../helpers/controllerRequests.js';
import { scrape } from '../helpers/prometheus.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

const LEADER = 1;
const FOLLOWER = 2;
const EPOCHS = { controllerId: LEADER, controllerEpoch: 1, brokerEpoch: 10 };
const TOPIC = { name: 'payments', id: Buffer.alloc(16, 7) };
const LEADER_EPOCH = 4;
/** Partition 0 is replicated to the follower, in sync; partition 1's ISR lost it. */
const PARTITIONS: PartitionStateOf[] = [
  {
    partitionIndex: 0,
    leader: LEADER,
    leaderEpoch: LEADER_EPOCH,
    replicas: [LEADER, FOLLOWER],
    isr: [LEADER, FOLLOWER],
  },
  { partitionIndex: 1, leader: LEADER, leaderEpoch: LEADER_EPOCH, replicas: [LEADER, FOLLOWER], isr: [LEADER] },
];

const { REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH } =
  KafkaErrors;

let broker: Broker;
let client: RawKafkaClient;

beforeEach(async () => {
  broker = await Broker.start({
    dataDir: tempDir(),
    port: 0,
    metricsPort: 0,
    nodeId: LEADER,
    logger: createLogger('silent'),
    settings: { 'min.insync.replicas': '2' },
    cluster: { brokerEpoch: () => EPOCHS.brokerEpoch },
  });
  client = await RawKafkaClient.connect(broker.port);
  // Broker 2 is alive in the controller's word only: the test fetches as it.
  const live = [
    { id: LEADER, port: broker.port },
    { id: FOLLOWER, port: 1 },
  ];
  expect(await updateMetadata(client, EPOCHS, { ...TOPIC, partitions: PARTITIONS }, live)).toEqual({ errorCode: 0 });
  expect(await leaderAndIsr(client, EPOCHS, { ...TOPIC, partitions: PARTITIONS }, live)).toMatchObject({
    errorCode: 0,
  });
});

afterEach(async () => {
  client.close();
  await broker.close();
});

function produce(partition: number, acks: number, timeoutMs = 10_000, on = client): Promise<Struct> {
  return on
    .call(ApiKey.Produce, 9, {
      transactionalId: null,
      acks,
      timeoutMs,
      topicData: [{ name: TOPIC.name, partitionData: [{ index: partition, records: sampleBatch(partition, 3) }] }],
    })
    .then((body) => ((body.responses as Struct[])[0]!.partitionResponses as Struct[])[0]!);
}

interface FetchOptions {
  replicaId?: number;
  currentLeaderEpoch?: number;
  maxWaitMs?: number;
  minBytes?: number;
}

async function fetchFrom(partition: number, fetchOffset: number, options: FetchOptions = {}, on = client) {
  const body = await on.call(ApiKey.Fetch, 12, {
    replicaId: options.replicaId ?? -1,
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: TOPIC.name,
        partitions: [
          {
            partition,
            currentLeaderEpoch: options.currentLeaderEpoch ?? LEADER_EPOCH,
            fetchOffset,
            lastFetchedEpoch: -1,
            logStartOffset: 0,
            partitionMaxBytes: 1 << 20,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  return ((body.responses as Struct[])[0]!.partitions as Struct[])[0]!;
}

/** Settles to 'pending' if `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}

describe('the leader of a replicated partition', () => {
  it('answers acks=-1 once the follower has fetched past the records; consumers see them only then', async () => {
    const other = await RawKafkaClient.connect(broker.port);
    try {
      const acked = produce(0, -1, 10_000, other);
      expect(await within(acked, 300)).toBe('pending');
      // The records are in the leader's log, above the high watermark: consumers do not see them.
      const consumer = await fetchFrom(0, 0);
      expect(consumer).toMatchObject({ errorCode: 0, highWatermark: 0 });
      expect((consumer.records as Buffer).length).toBe(0);
      // The follower reads to the log end; its fetch from 0 says it has nothing yet.
      const first = await fetchFrom(0, 0, { replicaId: FOLLOWER });
      expect(first).toMatchObject({ errorCode: 0, highWatermark: 0 });
      // The batch as the leader stored it: stamped with its leader epoch (RecordBatch partitionLeaderEpoch, byte 12).
      expect((first.records as Buffer).readInt32BE(12)).toBe(LEADER_EPOCH);
      expect(await within(acked, 100)).toBe('pending');
      // Its next fetch, from offset 3, says it has them: the high watermark moves, acks=-1 is answered.
      // The answer carries the high watermark from before that fetch (Partition.readRecords reads
      // the bounds first): the follower learns the new one on its next fetch.
      const second = await fetchFrom(0, 3, { replicaId: FOLLOWER });
      expect(second).toMatchObject({ errorCode: 0, highWatermark: 0 });
      expect(await acked).toMatchObject({ errorCode: 0, baseOffset: 0 });
      expect(await fetchFrom(0, 3, { replicaId: FOLLOWER })).toMatchObject({ errorCode: 0, highWatermark: 3 });
      const after = await fetchFrom(0, 0);
      expect(after).toMatchObject({ errorCode: 0, highWatermark: 3 });
      expect((after.records as Buffer).length).toBeGreaterThan(0);
    } finally {
      other.close();
    }
  });

  it('answers acks=-1 REQUEST_TIMED_OUT when the follower does not fetch within the timeout; acks=1 at once', async () => {
    const started = Date.now();
    expect(await produce(0, -1, 300)).toMatchObject({ errorCode: REQUEST_TIMED_OUT.code, baseOffset: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await produce(0, 1)).toMatchObject({ errorCode: 0, baseOffset: 3 });
    expect(await fetchFrom(0, 0)).toMatchObject({ highWatermark: 0 });
  });

  it('refuses acks=-1 with NOT_ENOUGH_REPLICAS when the ISR is under min.insync.replicas, before appending', async () => {
    expect(await produce(1, -1)).toMatchObject({ errorCode: NOT_ENOUGH_REPLICAS.code });
    expect(await produce(1, 1)).toMatchObject({ errorCode: 0, baseOffset: 0 });
    // The acks=-1 batch was not written: the acks=1 one starts at 0. Under min ISR the high watermark stays.
    expect(await fetchFrom(1, 0, { replicaId: FOLLOWER })).toMatchObject({ errorCode: 0, highWatermark: 0 });
    const metrics = await scrape(broker.metricsPort!);
    expect(metrics.value('tributary_under_replicated_partitions')).toBe(1);
  });

  it('wakes a follower’s long poll on an append, and a consumer’s only when the high watermark moves', async () => {
    const follower = await RawKafkaClient.connect(broker.port);
    const consumer = await RawKafkaClient.connect(broker.port);
    const producer = await RawKafkaClient.connect(broker.port);
    try {
      const followerFetch = fetchFrom(0, 0, { replicaId: FOLLOWER, maxWaitMs: 5000, minBytes: 1 }, follower);
      const consumerFetch = fetchFrom(0, 0, { maxWaitMs: 5000, minBytes: 1 }, consumer);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const acked = produce(0, -1, 10_000, producer);
      const read = await within(followerFetch, 1000);
      expect(read).toMatchObject({ errorCode: 0 });
      expect(((read as Struct).records as Buffer).length).toBeGreaterThan(0);
      expect(await within(consumerFetch, 200)).toBe('pending');
      await fetchFrom(0, 3, { replicaId: FOLLOWER });
      expect(await acked).toMatchObject({ errorCode: 0 });
      expect(await within(consumerFetch, 1000)).toMatchObject({ errorCode: 0, highWatermark: 3 });
    } finally {
      follower.close();
      consumer.close();
      producer.close();
    }
  });

  it('fences fetches from other leader epochs and from brokers that are no replica', async () => {
    expect(await fetchFrom(0, 0, { currentLeaderEpoch: LEADER_EPOCH - 1 })).toMatchObject({
      errorCode: FENCED_LEADER_EPOCH.code,
    });
    expect(await fetchFrom(0, 0, { currentLeaderEpoch: LEADER_EPOCH + 1 })).toMatchObject({
      errorCode: UNKNOWN_LEADER_EPOCH.code,
    });
    expect(await fetchFrom(0, 0, { replicaId: 3 })).toMatchObject({ errorCode: UNKNOWN_LEADER_EPOCH.code });
    expect(await fetchFrom(0, 0, { replicaId: 3, currentLeaderEpoch: -1 })).toMatchObject({
      errorCode: NOT_LEADER_OR_FOLLOWER.code,
    });
  });

  it('answers WriteTxnMarkers once the ISR has each marker, NOT_ENOUGH_REPLICAS under min.insync.replicas', async () => {
    const coordinator = await RawKafkaClient.connect(broker.port);
    try {
      const written = coordinator.call(ApiKey.WriteTxnMarkers, 1, {
        markers: [
          {
            producerId: 77,
            producerEpoch: 2,
            transactionResult: true,
            topics: [{ name: TOPIC.name, partitionIndexes: [0, 1] }],
            coordinatorEpoch: 0,
          },
        ],
      });
      expect(await within(written, 300)).toBe('pending');
      await fetchFrom(0, 1, { replicaId: FOLLOWER });
      const body = (await written) as { markers: { topics: { partitions: Struct[] }[] }[] };
      expect(body.markers[0]!.topics[0]!.partitions).toEqual([
        { partitionIndex: 1, errorCode: NOT_ENOUGH_REPLICAS.code },
        { partitionIndex: 0, errorCode: 0 },
      ]);
    } finally {
      coordinator.close();
    }
  });

  it('answers ListOffsets latest with the high watermark and the leader epoch; OFFSET_NOT_AVAILABLE while it lags a new epoch', async () => {
    const latest = async (currentLeaderEpoch: number) => {
      const body = await client.call(ApiKey.ListOffsets, 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: TOPIC.name, partitions: [{ partitionIndex: 0, currentLeaderEpoch, timestamp: -1 }] }],
      });
      return ((body.topics as Struct[])[0]!.partitions as Struct[])[0]!;
    };
    expect(await produce(0, 1)).toMatchObject({ errorCode: 0 });
    expect(await latest(LEADER_EPOCH)).toMatchObject({ errorCode: 0, offset: 0, leaderEpoch: LEADER_EPOCH });
    expect(await latest(LEADER_EPOCH - 1)).toMatchObject({ errorCode: FENCED_LEADER_EPOCH.code });
    // Leader again in a new epoch, which starts at the log end (3) above the high watermark (0).
    const next = PARTITIONS.map((p) => ({ ...p, leaderEpoch: LEADER_EPOCH + 1 }));
    const live = [
      { id: LEADER, port: broker.port },
      { id: FOLLOWER, port: 1 },
    ];
    expect(await leaderAndIsr(client, EPOCHS, { ...TOPIC, partitions: next }, live)).toMatchObject({ errorCode: 0 });
    expect(await latest(LEADER_EPOCH + 1)).toMatchObject({ errorCode: KafkaErrors.OFFSET_NOT_AVAILABLE.code });
    await fetchFrom(0, 3, { replicaId: FOLLOWER, currentLeaderEpoch: LEADER_EPOCH + 1 });
    expect(await latest(LEADER_EPOCH + 1)).toMatchObject({ errorCode: 0, offset: 3, leaderEpoch: LEADER_EPOCH + 1 });
  });

  it('answers OffsetForLeaderEpoch with the end of the requested epoch, fenced by the current one', async () => {
    await produce(1, 1);
    const body = await client.call(ApiKey.OffsetForLeaderEpoch, 4, {
      replicaId: FOLLOWER,
      topics: [
        {
          topic: TOPIC.name,
          partitions: [
            { partition: 1, currentLeaderEpoch: LEADER_EPOCH, leaderEpoch: LEADER_EPOCH },
            { partition: 0, currentLeaderEpoch: LEADER_EPOCH - 1, leaderEpoch: LEADER_EPOCH },
            { partition: 5, currentLeaderEpoch: -1, leaderEpoch: LEADER_EPOCH },
          ],
        },
      ],
    });
    expect(body).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          topic: TOPIC.name,
          partitions: [
            { errorCode: 0, partition: 1, leaderEpoch: LEADER_EPOCH, endOffset: 3 },
            { errorCode: FENCED_LEADER_EPOCH.code, partition: 0, leaderEpoch: -1, endOffset: -1 },
            { errorCode: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, partition: 5, leaderEpoch: -1, endOffset: -1 },
          ],
        },
      ],
    });
  });
});
