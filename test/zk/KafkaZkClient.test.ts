/**
 * KafkaZkClient and the controller's ZkControllerClient against a real ZooKeeper 3.8
 * (test/helpers/zookeeper.ts), after Kafka's KafkaZkClientTest: testCreateTopLevelPaths,
 * testClusterIdMethods, testRegisterBrokerInfo (the epoch is the znode's czxid; another
 * session's registration of the id is refused), testControllerEpochMethods and
 * registerControllerAndIncrementControllerEpoch's race, topic assignment and deletion znodes,
 * and the partition state writes under the controller epoch's version.
 */
import { describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import { partitionMap } from '../../src/controller/TopicPartition.js';
import { ZkControllerClient } from '../../src/controller/ZkControllerClient.js';
import type { LeaderIsrAndControllerEpoch } from '../../src/controller/LeaderIsrAndControllerEpoch.js';
import type { LeaderAndIsr } from '../../src/zk/LeaderAndIsr.js';
import { BROKER_INFO_VERSION, type BrokerInfo } from '../../src/zk/BrokerIdZNode.js';
import { PERSISTENT_ZK_PATHS } from '../../src/zk/ZkPaths.js';
import { zkChroots } from '../helpers/zkChroots.js';

const { clients } = zkChroots();

function brokerInfo(id: number, port = 9092): BrokerInfo {
  return {
    id,
    endpoints: [{ host: '127.0.0.1', port, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' }],
    rack: null,
    features: {},
    jmxPort: -1,
    version: BROKER_INFO_VERSION,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (isTributaryError(error) ? error.code : String(error)),
  );
}

describe('KafkaZkClient', () => {
  test('createTopLevelPaths creates ZkData.PersistentZkPaths; a second run is harmless', async () => {
    const [zk] = await clients();
    await zk!.createTopLevelPaths();
    for (const path of PERSISTENT_ZK_PATHS) expect((await zk!.zooKeeperClient.exists(path)).code, path).toBe('OK');
  });

  test('createOrGetClusterId: the first proposal is the id, later ones get it', async () => {
    const [a, b] = await clients(2);
    expect(await a!.getClusterId()).toBeNull();
    expect(await a!.createOrGetClusterId('first-id')).toBe('first-id');
    expect(await b!.createOrGetClusterId('second-id')).toBe('first-id');
    expect(await b!.getClusterId()).toBe('first-id');
  });

  test('registerBroker: the epoch is the czxid; the same session again keeps it; another session is refused', async () => {
    const [a, b] = await clients(2);
    const epoch = await a!.registerBroker(brokerInfo(1));
    const stat = await a!.zooKeeperClient.exists('/brokers/ids/1');
    expect(stat.code === 'OK' && Number(stat.stat.czxid)).toBe(epoch);
    expect(stat.code === 'OK' && stat.stat.ephemeralOwner).toBe(a!.zooKeeperClient.sessionId);
    expect(await a!.registerBroker(brokerInfo(1))).toBe(epoch);
    expect(await codeOf(b!.registerBroker(brokerInfo(1, 9093)))).toBe('ERR_ZK_NODE_EXISTS');
    const epoch2 = await b!.registerBroker(brokerInfo(2, 9093));
    expect(epoch2).toBeGreaterThan(epoch);
    const all = await b!.getAllBrokerAndEpochsInCluster();
    expect(all.map((b) => [b.info.id, b.epoch, b.info.endpoints[0]!.port])).toEqual([
      [1, epoch, 9092],
      [2, epoch2, 9093],
    ]);
    // The ephemeral goes with its session.
    await a!.zooKeeperClient.close();
    expect((await b!.getAllBrokerAndEpochsInCluster()).map((b) => b.info.id)).toEqual([2]);
  });

  test('registerControllerAndIncrementControllerEpoch: one winner per epoch; the loser is told the controller moved', async () => {
    const [a, b] = await clients(2);
    expect(await a!.getControllerId()).toBeNull();
    const first = await a!.registerControllerAndIncrementControllerEpoch(1);
    expect(first).toEqual({ epoch: 1, epochZkVersion: 1 });
    expect(await b!.getControllerId()).toBe(1);
    expect(await codeOf(b!.registerControllerAndIncrementControllerEpoch(2))).toBe('ERR_STALE_CONTROLLER_EPOCH');
    // The same broker asking again (its create retried) is told its own epoch.
    await a!.zooKeeperClient.close();
    const second = await b!.registerControllerAndIncrementControllerEpoch(2);
    expect(second).toEqual({ epoch: 2, epochZkVersion: 2 });
    expect(await b!.getControllerEpoch()).toEqual(second);
    // A write under the old version changes nothing.
    const write = b!.setTopicAssignment('t', null, new Map(), first.epochZkVersion);
    expect(await codeOf(write)).toBe('ERR_STALE_CONTROLLER_EPOCH');
  });

  test('topics: created with an id, read back, marked for deletion, deleted with their partitions and config', async () => {
    const [zk] = await clients();
    const id = Buffer.alloc(16, 7).toString('base64url');
    const assignment = new Map([
      [0, { replicas: [1, 2], addingReplicas: [], removingReplicas: [] }],
      [1, { replicas: [2, 1], addingReplicas: [], removingReplicas: [] }],
    ]);
    await zk!.setOrCreateEntityConfigs('topics', 't', { 'retention.ms': '1000' });
    expect(await zk!.createTopicAssignment('t', id, assignment)).toBe('OK');
    expect(await zk!.createTopicAssignment('t', id, assignment)).toBe('NODEEXISTS');
    expect([...(await zk!.getAllTopicsInCluster())]).toEqual(['t']);
    const [read, missing] = await zk!.getReplicaAssignmentAndTopicIdForTopics(['t', 'gone']);
    expect(read).toEqual({ topic: 't', topicId: id, assignment });
    expect(missing!.assignment.size).toBe(0);
    expect(await zk!.getEntityConfigs('topics', 't')).toEqual({ 'retention.ms': '1000' });

    expect(await zk!.createDeleteTopicPath('t')).toBe('OK');
    expect(await zk!.createDeleteTopicPath('t')).toBe('NODEEXISTS');
    expect(await zk!.isTopicMarkedForDeletion('t')).toBe(true);
    expect(await zk!.getTopicDeletions()).toEqual(['t']);

    const { epochZkVersion } = await zk!.registerControllerAndIncrementControllerEpoch(1);
    const states = new ZkControllerClient(zk!, false);
    const state = {
      leaderAndIsr: { leader: 1, leaderEpoch: 0, isr: [1, 2], leaderRecoveryState: 0 as const, partitionEpoch: 0 },
      controllerEpoch: 1,
    };
    await states.createTopicPartitionStates(
      partitionMap<LeaderIsrAndControllerEpoch>().set({ topic: 't', partition: 0 }, state),
      epochZkVersion,
    );
    await zk!.deleteTopicZNode('t', epochZkVersion);
    await zk!.deleteTopicConfigs(['t'], epochZkVersion);
    await zk!.deleteTopicDeletions(['t'], epochZkVersion);
    expect(await zk!.topicExists('t')).toBe(false);
    expect(await zk!.getTopicDeletions()).toEqual([]);
    expect(await zk!.getEntityConfigs('topics', 't')).toEqual({});
  });
});

describe('ZkControllerClient (the controller port over ZooKeeper)', () => {
  const tp = { topic: 't', partition: 0 };
  const leaderAndIsr = { leader: 1, leaderEpoch: 0, isr: [1, 2], leaderRecoveryState: 0 as const, partitionEpoch: 0 };

  test('partition states: created (NODEEXISTS again), read with the znode version as epoch, conditional writes', async () => {
    const [zk] = await clients();
    const { epochZkVersion } = await zk!.registerControllerAndIncrementControllerEpoch(1);
    const port = new ZkControllerClient(zk!, false);
    // The topic's znode is the admin's (AdminZkClient); the controller adds its partitions under it.
    await zk!.createTopicAssignment('t', null, new Map());
    const created = await port.createTopicPartitionStates(
      partitionMap<LeaderIsrAndControllerEpoch>().set(tp, { leaderAndIsr, controllerEpoch: 1 }),
      epochZkVersion,
    );
    expect(created.get(tp)).toEqual({ code: 'OK', value: null });
    const again = await port.createTopicPartitionStates(
      partitionMap<LeaderIsrAndControllerEpoch>().set(tp, { leaderAndIsr, controllerEpoch: 1 }),
      epochZkVersion,
    );
    expect(again.get(tp)?.code).toBe('NODEEXISTS');
    const read = await port.getTopicPartitionStates([tp, { topic: 't', partition: 1 }]);
    expect(read.get(tp)).toEqual({ code: 'OK', value: { leaderAndIsr, controllerEpoch: 1 } });
    expect(read.get({ topic: 't', partition: 1 })?.code).toBe('NONODE');

    const next = { ...leaderAndIsr, leader: 2, leaderEpoch: 1, isr: [2] };
    const written = await port.updateLeaderAndIsr(partitionMap<LeaderAndIsr>().set(tp, next), 1, epochZkVersion);
    expect(written.get(tp)).toEqual({ code: 'OK', value: { ...next, partitionEpoch: 1 } });
    // The same write at the old partition epoch lost to the first: BADVERSION.
    const stale = await port.updateLeaderAndIsr(partitionMap<LeaderAndIsr>().set(tp, next), 1, epochZkVersion);
    expect(stale.get(tp)?.code).toBe('BADVERSION');
  });

  test('a controller whose epoch moved writes nothing: ERR_STALE_CONTROLLER_EPOCH', async () => {
    const [a, b] = await clients(2);
    const old = await a!.registerControllerAndIncrementControllerEpoch(1);
    const port = new ZkControllerClient(a!, false);
    await a!.createTopicAssignment('t', null, new Map());
    await port.createTopicPartitionStates(
      partitionMap<LeaderIsrAndControllerEpoch>().set(tp, { leaderAndIsr, controllerEpoch: 1 }),
      old.epochZkVersion,
    );
    await a!.deleteController(old.epochZkVersion);
    await b!.registerControllerAndIncrementControllerEpoch(2);
    const write = port.updateLeaderAndIsr(
      partitionMap<LeaderAndIsr>().set(tp, { ...leaderAndIsr, leader: 2 }),
      1,
      old.epochZkVersion,
    );
    expect(await codeOf(write)).toBe('ERR_STALE_CONTROLLER_EPOCH');
    const read = await port.getTopicPartitionStates([tp]);
    expect(read.get(tp)).toEqual({ code: 'OK', value: { leaderAndIsr, controllerEpoch: 1 } });
  });

  test('unclean.leader.election.enable: the topic override over the broker default', async () => {
    const [zk] = await clients();
    await zk!.setOrCreateEntityConfigs('topics', 'on', { 'unclean.leader.election.enable': 'true' });
    await zk!.setOrCreateEntityConfigs('topics', 'off', { 'unclean.leader.election.enable': 'false' });
    const answers = await new ZkControllerClient(zk!, true).uncleanLeaderElectionEnabled(
      new Set(['on', 'off', 'plain']),
    );
    expect(Object.fromEntries(answers)).toEqual({ on: true, off: false, plain: true });
  });
});
