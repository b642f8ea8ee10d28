/**
 * A broker in cluster mode, driven over real sockets by a test acting as the controller:
 * UpdateMetadata fills its metadata cache (ZkMetadataCache.updateMetadata), LeaderAndIsr makes
 * it leader (ReplicaManager.becomeLeaderOrFollower), StopReplica stops and deletes
 * (ReplicaManager.stopReplicas), each fenced by controller and broker epochs as
 * KafkaApis.handle{LeaderAndIsr,StopReplica,UpdateMetadata}Request fence them; clients are
 * routed as Kafka routes them (NOT_LEADER_OR_FOLLOWER for a partition led elsewhere).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { sampleBatch } from '../helpers/batches.js';
import { liveBrokerStructs, updateMetadataPartitionState } from '../helpers/controllerRequests.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

const NODE_ID = 1;
const BROKER_EPOCH = 100;
const CONTROLLER_EPOCH = 5;
const TOPIC = 'orders';
const TOPIC_ID = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
/** Ports nothing listens on: brokers 2 and 3 exist only in the controller's word. */
const UNREACHABLE = [
  { id: 2, port: 1 },
  { id: 3, port: 2 },
];

/** Errors.java codes. */
const NOT_LEADER_OR_FOLLOWER = 6;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const STALE_CONTROLLER_EPOCH = 11;
const NOT_CONTROLLER = 41;
const FENCED_LEADER_EPOCH = 74;
const STALE_BROKER_EPOCH = 77;

let broker: Broker;
let client: RawKafkaClient;

beforeEach(async () => {
  broker = await Broker.start({
    dataDir: tempDir(),
    port: 0,
    nodeId: NODE_ID,
    logger: createLogger('silent'),
    cluster: { brokerEpoch: () => BROKER_EPOCH },
  });
  client = await RawKafkaClient.connect(broker.port);
});

afterEach(async () => {
  client.close();
  await broker.close();
});

function liveBrokers(): Struct[] {
  return liveBrokerStructs(
    [{ id: NODE_ID, port: broker.port }, ...UNREACHABLE].map((b) => ({ ...b, rack: b.id === 2 ? 'rack-b' : null })),
  );
}

/** Partition p of TOPIC is led by broker p + 1, with the replicas rotated from there. */
function partitionState(partitionIndex: number, leader = partitionIndex + 1): Struct {
  const replicas = [0, 1, 2].map((i) => ((partitionIndex + i) % 3) + 1);
  const offlineReplicas = partitionIndex === 2 ? [2] : [];
  return updateMetadataPartitionState(
    { partitionIndex, leader, isr: replicas, replicas, offlineReplicas },
    CONTROLLER_EPOCH,
  );
}

function updateMetadata(overrides: Struct = {}, partitionStates = [0, 1, 2].map((p) => partitionState(p))) {
  return client.call(ApiKey.UpdateMetadata, 8, {
    controllerId: NODE_ID,
    isKRaftController: false,
    type: 0,
    controllerEpoch: CONTROLLER_EPOCH,
    brokerEpoch: BROKER_EPOCH,
    topicStates: [{ topicName: TOPIC, topicId: TOPIC_ID, partitionStates }],
    liveBrokers: liveBrokers(),
    ...overrides,
  });
}

/**
 * LeaderAndIsr making this broker leader of partitionIndex with itself alone in the ISR: brokers
 * 2 and 3 never fetch, so acks=-1 and the high watermark would wait for them forever.
 */
function leaderAndIsr(partitionIndex: number, overrides: Struct = {}, leaderEpoch = 1) {
  const { offlineReplicas: _, zkVersion: __, ...state } = partitionState(partitionIndex, NODE_ID);
  return client.call(ApiKey.LeaderAndIsr, 7, {
    controllerId: NODE_ID,
    isKRaftController: false,
    controllerEpoch: CONTROLLER_EPOCH,
    brokerEpoch: BROKER_EPOCH,
    type: 0,
    topicStates: [
      {
        topicName: TOPIC,
        topicId: TOPIC_ID,
        partitionStates: [
          {
            ...state,
            isr: [NODE_ID],
            leaderEpoch,
            partitionEpoch: 1,
            addingReplicas: [],
            removingReplicas: [],
            isNew: true,
          },
        ],
      },
    ],
    liveLeaders: [{ brokerId: NODE_ID, hostName: '127.0.0.1', port: broker.port }],
    ...overrides,
  });
}

function stopReplica(partitionIndex: number, leaderEpoch: number, overrides: Struct = {}) {
  return client.call(ApiKey.StopReplica, 4, {
    controllerId: NODE_ID,
    isKRaftController: false,
    controllerEpoch: CONTROLLER_EPOCH,
    brokerEpoch: BROKER_EPOCH,
    topicStates: [{ topicName: TOPIC, partitionStates: [{ partitionIndex, leaderEpoch, deletePartition: true }] }],
    ...overrides,
  });
}

async function produce(partition: number, topic = TOPIC): Promise<Struct> {
  const body = await client.call(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: sampleBatch(partition) }] }],
  });
  return ((body.responses as Struct[])[0]!.partitionResponses as Struct[])[0]!;
}

async function fetchPartition(partition: number): Promise<Struct> {
  const body = await client.call(ApiKey.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  return ((body.responses as Struct[])[0]!.partitions as Struct[])[0]!;
}

function metadata(topics: Struct[] | null = null, version = 12) {
  return client.call(ApiKey.Metadata, version, {
    topics,
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
}

describe('a broker in cluster mode', () => {
  it('answers Metadata with the brokers, leaders, epochs, replicas, ISR and controller UpdateMetadata gave', async () => {
    expect(await updateMetadata()).toEqual({ errorCode: 0 });
    const body = await metadata();
    expect(body.controllerId).toBe(NODE_ID);
    expect(body.brokers).toEqual([
      { nodeId: 1, host: '127.0.0.1', port: broker.port, rack: null },
      { nodeId: 2, host: '127.0.0.1', port: 1, rack: 'rack-b' },
      { nodeId: 3, host: '127.0.0.1', port: 2, rack: null },
    ]);
    const [topic] = body.topics as Struct[];
    expect(topic).toMatchObject({ errorCode: 0, name: TOPIC, topicId: TOPIC_ID, isInternal: false });
    // [partition, leader, replicas (= ISR), offline replicas], as UpdateMetadata gave them.
    const expected: [number, number, number[], number[]][] = [
      [0, 1, [1, 2, 3], []],
      [1, 2, [2, 3, 1], []],
      [2, 3, [3, 1, 2], [2]],
    ];
    expect(topic!.partitions).toEqual(
      expected.map(([partitionIndex, leaderId, replicas, offlineReplicas]) => ({
        errorCode: 0,
        partitionIndex,
        leaderId,
        leaderEpoch: 1,
        replicaNodes: replicas,
        isrNodes: replicas,
        offlineReplicas,
      })),
    );
    const unknown = await metadata([{ topicId: Buffer.alloc(16), name: 'nope' }]);
    expect((unknown.topics as Struct[])[0]).toMatchObject({ name: 'nope', errorCode: UNKNOWN_TOPIC_OR_PARTITION });
  });

  it('lists the cache’s brokers and controller in DescribeCluster', async () => {
    await updateMetadata({ controllerId: 3 });
    const body = await client.call(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
    expect(body).toMatchObject({ errorCode: 0, controllerId: 3 });
    expect((body.brokers as Struct[]).map((b) => b.brokerId)).toEqual([1, 2, 3]);
  });

  it('routes Produce and Fetch: a partition led elsewhere or not yet led here is NOT_LEADER_OR_FOLLOWER', async () => {
    expect((await produce(0)).errorCode).toBe(UNKNOWN_TOPIC_OR_PARTITION);
    await updateMetadata();
    expect((await produce(1)).errorCode).toBe(NOT_LEADER_OR_FOLLOWER);
    expect((await produce(0)).errorCode).toBe(NOT_LEADER_OR_FOLLOWER);
    expect((await fetchPartition(1)).errorCode).toBe(NOT_LEADER_OR_FOLLOWER);
    expect((await produce(7)).errorCode).toBe(UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('names the current leader of a partition led elsewhere in Produce v10+ (KIP-951)', async () => {
    await updateMetadata();
    const body = await client.call(ApiKey.Produce, 10, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: TOPIC, partitionData: [1, 2].map((index) => ({ index, records: sampleBatch(index) })) }],
    });
    const partitions = (body.responses as Struct[])[0]!.partitionResponses as Struct[];
    expect(partitions.map((p) => [p.errorCode, p.currentLeader])).toEqual([
      [NOT_LEADER_OR_FOLLOWER, { leaderId: 2, leaderEpoch: 1 }],
      [NOT_LEADER_OR_FOLLOWER, { leaderId: 3, leaderEpoch: 1 }],
    ]);
    expect(body.nodeEndpoints).toEqual([
      { nodeId: 2, host: '127.0.0.1', port: 1, rack: 'rack-b' },
      { nodeId: 3, host: '127.0.0.1', port: 2, rack: null },
    ]);
  });

  it('becomes leader through LeaderAndIsr: its log is created, Produce and Fetch work', async () => {
    await updateMetadata();
    const body = await leaderAndIsr(0);
    expect(body).toMatchObject({
      errorCode: 0,
      topics: [{ topicId: TOPIC_ID, partitionErrors: [{ partitionIndex: 0, errorCode: 0 }] }],
    });
    expect(existsSync(join(broker.engine.dataDir, `${TOPIC}-0`))).toBe(true);
    expect(await produce(0)).toMatchObject({ errorCode: 0, baseOffset: 0 });
    const fetched = await fetchPartition(0);
    expect(fetched).toMatchObject({ errorCode: 0, highWatermark: 3 });
    expect((fetched.records as Buffer).length).toBeGreaterThan(0);
    expect((await produce(1)).errorCode).toBe(NOT_LEADER_OR_FOLLOWER);
  });

  it('fences an older leader epoch per partition, and an older controller epoch or broker epoch whole', async () => {
    await leaderAndIsr(0, {}, 3);
    const sameEpoch = await leaderAndIsr(0, {}, 3);
    expect(sameEpoch).toMatchObject({
      errorCode: 0,
      topics: [{ partitionErrors: [{ errorCode: STALE_CONTROLLER_EPOCH }] }],
    });
    const oldController = await leaderAndIsr(0, { controllerEpoch: CONTROLLER_EPOCH - 1 }, 4);
    expect(oldController).toMatchObject({
      errorCode: STALE_CONTROLLER_EPOCH,
      topics: [{ partitionErrors: [{ errorCode: STALE_CONTROLLER_EPOCH }] }],
    });
    const oldBroker = await leaderAndIsr(0, { brokerEpoch: BROKER_EPOCH - 1 }, 4);
    expect(oldBroker).toMatchObject({ errorCode: STALE_BROKER_EPOCH });
    // A controller from before KIP-380 sends no broker epoch (-1): not stale.
    expect(await leaderAndIsr(0, { brokerEpoch: -1 }, 4)).toMatchObject({ errorCode: 0 });
    // Not in the replicas: UNKNOWN_TOPIC_OR_PARTITION (becomeLeaderOrFollower).
    const elsewhere = await client.call(ApiKey.LeaderAndIsr, 1, {
      controllerId: NODE_ID,
      controllerEpoch: CONTROLLER_EPOCH,
      ungroupedPartitionStates: [
        { ...partitionState(5), topicName: TOPIC, replicas: [2, 3], partitionEpoch: 0, isNew: true },
      ],
      liveLeaders: [],
    });
    expect(elsewhere).toMatchObject({
      errorCode: 0,
      partitionErrors: [{ topicName: TOPIC, partitionIndex: 5, errorCode: UNKNOWN_TOPIC_OR_PARTITION }],
    });
  });

  it('ignores UpdateMetadata from an older controller or for an older broker epoch', async () => {
    await updateMetadata();
    const stale = await updateMetadata({ controllerEpoch: CONTROLLER_EPOCH - 1, controllerId: 2, liveBrokers: [] });
    expect(stale).toEqual({ errorCode: STALE_CONTROLLER_EPOCH });
    const oldBroker = await updateMetadata({ brokerEpoch: BROKER_EPOCH - 1, liveBrokers: [] });
    expect(oldBroker).toEqual({ errorCode: STALE_BROKER_EPOCH });
    const body = await metadata();
    expect(body.controllerId).toBe(NODE_ID);
    expect(body.brokers).toHaveLength(3);
  });

  it('removes partitions whose leader is LeaderDuringDelete (-2), and the topic with its last', async () => {
    await updateMetadata();
    await updateMetadata({}, [partitionState(1, -2)]);
    expect(((await metadata()).topics as Struct[])[0]!.partitions).toHaveLength(2);
    await updateMetadata({}, [partitionState(0, -2), partitionState(2, -2)]);
    expect((await metadata()).topics).toEqual([]);
  });

  it('stops a replica with StopReplica and deletes its log; an older leader epoch is FENCED_LEADER_EPOCH', async () => {
    await updateMetadata();
    await leaderAndIsr(0, {}, 2);
    await produce(0);
    const fenced = await stopReplica(0, 1);
    expect(fenced).toEqual({
      errorCode: 0,
      partitionErrors: [{ topicName: TOPIC, partitionIndex: 0, errorCode: FENCED_LEADER_EPOCH }],
    });
    expect(await stopReplica(0, 2, { controllerEpoch: CONTROLLER_EPOCH - 1 })).toEqual({
      errorCode: STALE_CONTROLLER_EPOCH,
      partitionErrors: [],
    });
    expect(await stopReplica(0, 2, { brokerEpoch: 1 })).toMatchObject({ errorCode: STALE_BROKER_EPOCH });
    expect(existsSync(join(broker.engine.dataDir, `${TOPIC}-0`))).toBe(true);
    const stopped = await stopReplica(0, 2);
    expect(stopped).toEqual({ errorCode: 0, partitionErrors: [{ topicName: TOPIC, partitionIndex: 0, errorCode: 0 }] });
    expect(broker.engine.hasTopic(TOPIC)).toBe(false);
    expect(existsSync(join(broker.engine.dataDir, `${TOPIC}-0`))).toBe(false);
    expect((await produce(0)).errorCode).toBe(NOT_LEADER_OR_FOLLOWER);
  });

  it('finds a group’s coordinator: the leader of its __consumer_offsets partition (abs(hashCode) % count)', async () => {
    const offsets = { topicName: '__consumer_offsets', topicId: Buffer.alloc(16, 1) };
    await updateMetadata({
      topicStates: [{ ...offsets, partitionStates: [0, 1, 2].map((p) => partitionState(p)) }],
    });
    // Java's "a".hashCode() is 97: partition 1, led by broker 2; "b" 98: 2, broker 3; "c" 99: 0, broker 1.
    const groups = await client.call(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['a', 'b', 'c'] });
    expect((groups.coordinators as Struct[]).map((c) => [c.key, c.nodeId, c.port, c.errorCode])).toEqual([
      ['a', 2, 1, 0],
      ['b', 3, 2, 0],
      ['c', 1, broker.port, 0],
    ]);
    const old = await client.call(ApiKey.FindCoordinator, 1, { key: 'c', keyType: 0 });
    expect(old).toMatchObject({ errorCode: 0, nodeId: 1, port: broker.port });
    // No __transaction_state in the cache: COORDINATOR_NOT_AVAILABLE, Node.noNode.
    const txn = await client.call(ApiKey.FindCoordinator, 3, { key: 'tx', keyType: 1 });
    expect(txn).toMatchObject({ errorCode: 15, nodeId: -1, host: '', port: -1 });
  });

  it('answers ControlledShutdown with NOT_CONTROLLER: the controller is not wired in yet', async () => {
    expect(await client.call(ApiKey.ControlledShutdown, 3, { brokerId: 2, brokerEpoch: 1 })).toEqual({
      errorCode: NOT_CONTROLLER,
      remainingPartitions: [],
    });
  });

  it('answers ElectLeaders and the partition reassignments with NOT_CONTROLLER: no controller runs here', async () => {
    // KafkaController.processReplicaLeaderElection: NOT_CONTROLLER for each partition, none at the top.
    const elect = await client.call(ApiKey.ElectLeaders, 2, {
      electionType: 0,
      topicPartitions: [{ topic: TOPIC, partitions: [0] }],
      timeoutMs: 1000,
    });
    expect(elect).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      replicaElectionResults: [
        { topic: TOPIC, partitionResult: [{ partitionId: 0, errorCode: NOT_CONTROLLER, errorMessage: null }] },
      ],
    });
    // processApiPartitionReassignment, processListPartitionReassignments: the top-level error.
    const alter = await client.call(ApiKey.AlterPartitionReassignments, 0, {
      timeoutMs: 1000,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, replicas: [1] }] }],
    });
    expect(alter).toEqual({ throttleTimeMs: 0, errorCode: NOT_CONTROLLER, errorMessage: null, responses: [] });
    const list = await client.call(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 1000, topics: null });
    expect(list).toEqual({ throttleTimeMs: 0, errorCode: NOT_CONTROLLER, errorMessage: null, topics: [] });
  });

  it('reads UpdateMetadata v0 (one plaintext host and port) and v2 (endpoints named by their protocol)', async () => {
    await client.call(ApiKey.UpdateMetadata, 0, {
      controllerId: 2,
      controllerEpoch: CONTROLLER_EPOCH,
      ungroupedPartitionStates: [{ ...partitionState(0), topicName: TOPIC }],
      liveBrokers: [{ id: 1, v0Host: 'h1', v0Port: 9 }],
    });
    expect(await metadata()).toMatchObject({ controllerId: 2, brokers: [{ nodeId: 1, host: 'h1', port: 9 }] });
    await client.call(ApiKey.UpdateMetadata, 2, {
      controllerId: 1,
      controllerEpoch: CONTROLLER_EPOCH,
      ungroupedPartitionStates: [],
      liveBrokers: [{ id: 3, endpoints: [{ host: 'h3', port: 7, securityProtocol: 0 }], rack: 'r' }],
    });
    // Partition 0's leader (1) is not alive any more: LEADER_NOT_AVAILABLE, no leader (getPartitionMetadata).
    const body = await metadata();
    expect(body.brokers).toEqual([{ nodeId: 3, host: 'h3', port: 7, rack: 'r' }]);
    expect(((body.topics as Struct[])[0]!.partitions as Struct[])[0]).toMatchObject({ errorCode: 5, leaderId: -1 });
  });

  it('lets kafkajs produce to the partition it leads while the cache names brokers it cannot reach', async () => {
    await updateMetadata();
    await leaderAndIsr(0);
    const producer = kafkaClient(broker.port).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const [sent] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value: 'v' }] });
      expect(sent).toMatchObject({ topicName: TOPIC, partition: 0, errorCode: 0, baseOffset: '0' });
    } finally {
      await producer.disconnect();
    }
  });
});

describe('the single node', () => {
  it('closes the connection on a controller request, as Kafka does for an API its listener does not enable', async () => {
    const single = await Broker.start({ dataDir: tempDir(), port: 0, logger: createLogger('silent') });
    const raw = await RawKafkaClient.connect(single.port);
    try {
      await expect(
        raw.call(ApiKey.UpdateMetadata, 8, { controllerId: 1, controllerEpoch: 1, topicStates: [], liveBrokers: [] }),
      ).rejects.toThrow(/closed/);
    } finally {
      raw.close();
      await single.close();
    }
  });
});
