/**
 * AlterPartition on three `tributary serve --zookeeper` processes and a real ZooKeeper, as
 * Kafka 3.8's ZooKeeper brokers serve it (KafkaApis.handleAlterPartitionRequest,
 * KafkaController.processAlterPartition): a partition leader's ISR shrink, sent raw to the
 * controller, lands in /brokers/topics/<t>/partitions/<p>/state under the znode's version and
 * reaches every broker's Metadata; a stale partition epoch is INVALID_UPDATE_VERSION, an older
 * leader epoch FENCED_LEADER_EPOCH, a broker that is not the controller answers NOT_CONTROLLER.
 * Then the leader side's AlterPartitionManager (DefaultAlterPartitionManager), run here as the
 * leader with its own metadata cache, which the test updates as UpdateMetadata would: its ISR
 * change is sent while the controller it knows was killed (refused connections), then to a
 * broker that is not the controller (NOT_CONTROLLER), and is retried until the newly elected
 * controller commits it.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AlterPartitionManager } from '../../src/broker/AlterPartitionManager.js';
import { createLogger } from '../../src/broker/Logger.js';
import { MetadataCache } from '../../src/broker/MetadataCache.js';
import { KafkaErrors } from '../../src/errors.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { SECURITY_PROTOCOLS } from '../../src/zk/EndPoint.js';
import { eventually, request, serveCluster, settledController, type ServedCluster } from '../helpers/cluster.js';

const SESSION_TIMEOUT_MS = 6000;

let cluster: ServedCluster;

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS, ['auto.leader.rebalance.enable=false']);
}, 60000);

afterAll(async () => {
  await cluster?.close();
});

const port = (id: number): number => cluster.brokers.get(id)!.port;

/** A topic of one partition on `replicas` (the first leads), created through the controller. */
async function createTopic(controller: number, name: string, replicas: number[]): Promise<Buffer> {
  const created = await request(port(controller), ApiKey.CreateTopics, 5, {
    topics: [
      {
        name,
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [{ partitionIndex: 0, brokerIds: replicas }],
        configs: [],
      },
    ],
    timeoutMs: 15000,
    validateOnly: false,
  });
  expect((created.topics as Struct[])[0]).toMatchObject({ name, errorCode: 0 });
  const [znode] = await cluster.zk.getReplicaAssignmentAndTopicIdForTopics([name]);
  return Buffer.from(znode!.topicId!, 'base64url');
}

/** Partition 0's state znode: leader, leader epoch, ISR and its version (the partition epoch). */
async function stateOf(topic: string) {
  const [state] = await cluster.zk.getTopicPartitionStates([{ topic, partition: 0 }]);
  return state!.leaderAndIsr;
}

async function brokerEpoch(id: number): Promise<number> {
  return (await cluster.zk.getAllBrokerAndEpochsInCluster()).find((b) => b.info.id === id)!.epoch;
}

/** Partition 0's ISR as the broker `id` tells it in Metadata. */
async function isrAt(id: number, topic: string): Promise<number[]> {
  const m = await request(port(id), ApiKey.Metadata, 9, { topics: [{ name: topic }], allowAutoTopicCreation: false });
  return ((m.topics as Struct[])[0]!.partitions as Struct[])[0]!.isrNodes as number[];
}

test('a leader’s ISR shrink through the controller: ZooKeeper and every broker follow; stale epochs and a non-controller are refused', async () => {
  const controller = await settledController(cluster);
  const [leader, follower] = [1, 2, 3].filter((id) => id !== controller);
  const topicId = await createTopic(controller, 'shrinks', [leader!, follower!, controller]);
  const before = await stateOf('shrinks');
  expect(before).toMatchObject({ leader, isr: [leader, follower, controller] });
  const alter = (to: number, partition: Struct, version = 2) =>
    request(port(to), ApiKey.AlterPartition, version, {
      brokerId: leader,
      brokerEpoch: 0,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, leaderRecoveryState: 0, ...partition }] }],
    });
  const epoch = await brokerEpoch(leader!);
  const shrink = {
    leaderEpoch: before.leaderEpoch,
    newIsr: [leader, controller],
    partitionEpoch: before.partitionEpoch,
  };

  // KafkaApis: only the active controller takes it.
  expect(await alter(follower!, shrink)).toMatchObject({ errorCode: KafkaErrors.NOT_CONTROLLER.code, topics: [] });
  // The broker epoch is checked first (KIP-380).
  expect(await alter(controller, shrink)).toMatchObject({ errorCode: KafkaErrors.STALE_BROKER_EPOCH.code });

  const accepted = await request(port(controller), ApiKey.AlterPartition, 2, {
    brokerId: leader,
    brokerEpoch: epoch,
    topics: [{ topicId, partitions: [{ partitionIndex: 0, leaderRecoveryState: 0, ...shrink }] }],
  });
  expect(accepted).toEqual({
    throttleTimeMs: 0,
    errorCode: 0,
    topics: [
      {
        topicName: '', // not in v2: the decoder's default
        topicId,
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            leaderId: leader,
            leaderEpoch: before.leaderEpoch,
            isr: [leader, controller],
            leaderRecoveryState: 0,
            partitionEpoch: before.partitionEpoch + 1,
          },
        ],
      },
    ],
  });
  expect(await stateOf('shrinks')).toMatchObject({
    leader,
    leaderEpoch: before.leaderEpoch,
    isr: [leader, controller],
    partitionEpoch: before.partitionEpoch + 1,
  });
  for (const id of [1, 2, 3])
    await eventually(
      () => isrAt(id, 'shrinks'),
      (isr) => isr.join() === `${leader},${controller}`,
    );

  const withEpoch = (partition: Struct) =>
    request(port(controller), ApiKey.AlterPartition, 2, {
      brokerId: leader,
      brokerEpoch: epoch,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, leaderRecoveryState: 0, ...partition }] }],
    });
  const partitionError = (r: Struct) => ((r.topics as Struct[])[0]!.partitions as Struct[])[0]!.errorCode;
  // A stale leader that missed the change: its partition epoch is the old znode version.
  expect(partitionError(await withEpoch({ ...shrink, newIsr: [leader] }))).toBe(
    KafkaErrors.INVALID_UPDATE_VERSION.code,
  );
  expect(
    partitionError(
      await withEpoch({
        leaderEpoch: before.leaderEpoch - 1,
        newIsr: [leader],
        partitionEpoch: before.partitionEpoch + 1,
      }),
    ),
  ).toBe(KafkaErrors.FENCED_LEADER_EPOCH.code);
  expect((await stateOf('shrinks')).isr).toEqual([leader, controller]);
}, 60000);

test('AlterPartitionManager sends again until the controller elected after the old one’s kill -9 commits the change', async () => {
  const controller = await settledController(cluster);
  const [leader, follower] = [1, 2, 3].filter((id) => id !== controller);
  // The old controller holds no replica: its death changes nothing of this partition's state.
  const topicId = await createTopic(controller, 'retries', [leader!, follower!]);
  const before = await stateOf('retries');
  const brokers = await cluster.zk.getAllBrokerAndEpochsInCluster();
  const liveBrokers = brokers.map(({ info }) => ({
    id: info.id,
    rack: null,
    endpoints: info.endpoints.map((e) => ({
      listener: e.listenerName,
      host: e.host ?? '127.0.0.1',
      port: e.port,
      securityProtocol: SECURITY_PROTOCOLS.indexOf(e.securityProtocol),
    })),
  }));
  const logged: Struct[] = [];
  // The leader's metadata cache, as UpdateMetadata would set it.
  const cache = new MetadataCache();
  const knowController = (controllerId: number) =>
    cache.updateMetadata({
      controllerId,
      liveBrokers,
      topicIds: new Map([['retries', topicId.toString('base64url')]]),
      partitionStates: [],
    });
  knowController(controller);
  const manager = new AlterPartitionManager({
    brokerId: leader!,
    brokerEpoch: () => brokers.find((b) => b.info.id === leader)!.epoch,
    metadataCache: cache,
    listenerName: 'PLAINTEXT',
    requestTimeoutMs: 2000,
    retryBackoffMs: 100,
    logger: createLogger('info', (line) => logged.push(JSON.parse(line) as Struct)),
  });
  try {
    const killed = cluster.brokers.get(controller)!;
    killed.child.kill('SIGKILL');
    await killed.exit;
    cluster.brokers.delete(controller);
    const proposed = { leaderEpoch: before.leaderEpoch, isr: [leader!], partitionEpoch: before.partitionEpoch };
    const committed = manager.submit('retries', 0, proposed);
    // A second change of the same partition while one is pending is refused (DefaultAlterPartitionManager.submit).
    await expect(manager.submit('retries', 0, proposed)).rejects.toMatchObject({ code: 'ERR_OPERATION_NOT_ATTEMPTED' });
    let settled = false;
    void committed.finally(() => (settled = true)).catch(() => {});
    // Refused connections meanwhile; then a broker that is not the controller (none is elected
    // before the old one's session expires), answering NOT_CONTROLLER: still pending.
    await new Promise((resolve) => setTimeout(resolve, 500));
    knowController(follower!);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(settled).toBe(false);
    expect(logged.some((l) => /ECONNREFUSED/.test(String(l.error)))).toBe(true);
    expect(logged.some((l) => l.errorCode === KafkaErrors.NOT_CONTROLLER.code)).toBe(true);
    expect(await cluster.zk.getControllerId()).toBe(controller);
    const elected = (await eventually(
      () => cluster.zk.getControllerId(),
      (id) => id !== null && id !== controller,
      SESSION_TIMEOUT_MS * 3,
    ))!;
    knowController(elected);
    expect(await committed).toEqual({
      leader,
      leaderEpoch: before.leaderEpoch,
      isr: [leader],
      leaderRecoveryState: 0,
      partitionEpoch: before.partitionEpoch + 1,
    });
    expect(await stateOf('retries')).toMatchObject({ isr: [leader], partitionEpoch: before.partitionEpoch + 1 });
    // close() rejects what is pending.
    const pending = manager.submit('retries', 0, {
      ...proposed,
      partitionEpoch: before.partitionEpoch + 1,
      isr: [leader!, follower!],
    });
    manager.close();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  } finally {
    manager.close();
  }
}, 60000);
