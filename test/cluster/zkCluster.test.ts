/**
 * Three brokers started with ZooKeeper in this process (Broker.start({ zookeeper }), Kafka's
 * KafkaServer.startup order) against a real ZooKeeper: one wins the controller election
 * (KafkaController.elect), every broker registers /brokers/ids/<id> with its bound port, a
 * topic written to ZooKeeper as an admin would (AdminZkClient) is seen by the controller's
 * TopicChangeHandler, which elects leaders and sends LeaderAndIsr/UpdateMetadata over the
 * wire (ControllerChannelManager), so every broker's Metadata agrees. When the controller
 * broker leaves, another is elected (Reelect on /controller's deletion) and the partitions
 * it led go offline (RF 1: OfflinePartitionLeaderElection has no live replica).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { ZooKeeperClient } from '../../src/zk/ZooKeeperClient.js';
import { eventually, request } from '../helpers/cluster.js';
import { kafkaClient, kafkajsBroker } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';
import { ZooKeeperServer, expireSession } from '../helpers/zookeeper.js';

let server: ZooKeeperServer;
let zk: KafkaZkClient;
let chroot = 0;
const brokers = new Map<number, Broker>();

beforeAll(async () => {
  server = await ZooKeeperServer.standalone();
});
afterAll(async () => {
  await server.destroy();
});
afterEach(async () => {
  await Promise.all([...brokers.values()].map((b) => b.close()));
  brokers.clear();
  await zk.zooKeeperClient.close();
});

const dataDirs = new Map<number, string>();

function startBroker(id: number, connect: string, dataDir = dataDirs.get(id) ?? tempDir()): Promise<Broker> {
  dataDirs.set(id, dataDir);
  return Broker.start({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    nodeId: id,
    zookeeper: connect,
    settings: { 'zookeeper.session.timeout.ms': '6000' },
    logger: createLogger('silent'),
  });
}

let currentConnect = '';

async function startCluster(ids: readonly number[]): Promise<string> {
  const connect = `${server.connectString}/cluster${++chroot}`;
  currentConnect = connect;
  dataDirs.clear();
  for (const id of ids) brokers.set(id, await startBroker(id, connect));
  zk = new KafkaZkClient(await ZooKeeperClient.connect({ connect }));
  return connect;
}

function metadata(port: number, topic: string): Promise<Struct> {
  return request(port, ApiKey.Metadata, 9, { topics: [{ name: topic }], allowAutoTopicCreation: false });
}

interface PartitionView {
  partitionIndex: number;
  leaderId: number;
  errorCode: number;
}

function leaders(response: Struct): [number, number, number][] {
  const topic = (response.topics as Struct[])[0]!;
  return (topic.partitions as unknown as PartitionView[])
    .map((p): [number, number, number] => [p.partitionIndex, p.leaderId, p.errorCode])
    .sort((a, b) => a[0] - b[0]);
}

describe('a ZooKeeper cluster of three brokers in one process', () => {
  test('election, registration, a topic from ZooKeeper led across brokers, failover', async () => {
    await startCluster([1, 2, 3]);
    const controller = await eventually(
      () => zk.getControllerId(),
      (id) => id !== null,
    );
    const registered = await zk.getAllBrokerAndEpochsInCluster();
    expect(registered.map((b) => [b.info.id, b.info.endpoints[0]!.port])).toEqual(
      [1, 2, 3].map((id) => [id, brokers.get(id)!.port]),
    );
    expect(registered.every((b) => b.epoch > 0)).toBe(true);

    // AdminZkClient.createTopicWithAssignment's znode: partition p on broker (p % 3) + 1.
    const assignment = new Map(
      [0, 1, 2, 3, 4, 5].map((p) => [p, { replicas: [(p % 3) + 1], addingReplicas: [], removingReplicas: [] }]),
    );
    await zk.createTopicAssignment('spread', Buffer.alloc(16, 1).toString('base64url'), assignment);
    const expected: [number, number, number][] = [0, 1, 2, 3, 4, 5].map((p) => [p, (p % 3) + 1, 0]);
    for (const broker of brokers.values())
      await eventually(
        () => metadata(broker.port, 'spread').then(leaders),
        (l) => JSON.stringify(l) === JSON.stringify(expected),
      );
    const view = await metadata(brokers.get(1)!.port, 'spread');
    expect(view.controllerId).toBe(controller);
    expect((view.brokers as Struct[]).map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);

    // Metadata's auto-creation (AutoTopicCreationManager.createTopicsInZk) from a broker that is not
    // the controller: LEADER_NOT_AVAILABLE at first, then num.partitions (1) led.
    const asker = brokers.get([1, 2, 3].find((id) => id !== controller)!)!.port;
    const auto = { topics: [{ name: 'auto' }], allowAutoTopicCreation: true };
    expect((await request(asker, ApiKey.Metadata, 9, auto)).topics).toMatchObject([{ name: 'auto', errorCode: 5 }]);
    const led = await eventually(
      () => metadata(asker, 'auto').then(leaders),
      (l) => l.length === 1 && l[0]![1] >= 0,
    );
    expect(led[0]![2]).toBe(0);
    const refused = { topics: [{ name: 'not-auto' }], allowAutoTopicCreation: false };
    expect((await request(asker, ApiKey.Metadata, 9, refused)).topics).toMatchObject([{ errorCode: 3 }]);

    // ControlledShutdown (KafkaController.doControlledShutdown): only the controller answers; RF 1
    // partitions cannot move, and ControllerContext.partitionLeadersOnBroker counts only replicated
    // ones, so none remain and the broker may stop. Another broker is NOT_CONTROLLER.
    const leaving = [1, 2, 3].find((id) => id !== controller)!;
    const epoch = registered.find((b) => b.info.id === leaving)!.epoch;
    const shutdown = { brokerId: leaving, brokerEpoch: epoch };
    const answer = await request(brokers.get(controller!)!.port, ApiKey.ControlledShutdown, 3, shutdown);
    expect(answer.errorCode).toBe(0);
    expect(answer.remainingPartitions).toEqual([]);
    const stale = await request(brokers.get(controller!)!.port, ApiKey.ControlledShutdown, 3, {
      ...shutdown,
      brokerEpoch: epoch - 1,
    });
    expect(stale.errorCode).toBe(77); // STALE_BROKER_EPOCH
    expect((await request(brokers.get(leaving)!.port, ApiKey.ControlledShutdown, 3, shutdown)).errorCode).toBe(41);

    // The controller broker leaves: another is elected, its partitions have no live replica.
    await brokers.get(controller!)!.close();
    brokers.delete(controller!);
    const next = await eventually(
      () => zk.getControllerId(),
      (id) => id !== null && id !== controller,
    );
    const survivor = [...brokers.values()][0]!;
    const offline = expected.map(([p, leader]): [number, number, number] =>
      leader === controller ? [p, -1, 5] : [p, leader, 0],
    );
    await eventually(
      () => metadata(survivor.port, 'spread').then(leaders),
      (l) => JSON.stringify(l) === JSON.stringify(offline),
    );
    expect((await metadata(survivor.port, 'spread')).controllerId).toBe(next);
  }, 60000);

  test('a broker restarted with the same id rejoins and leads its partitions again; a data dir of another cluster is refused', async () => {
    const connect = await startCluster([1, 2]);
    await eventually(
      () => zk.getControllerId(),
      (id) => id !== null,
    );
    const assignment = new Map([0, 1].map((p) => [p, { replicas: [p + 1], addingReplicas: [], removingReplicas: [] }]));
    await zk.createTopicAssignment('pair', Buffer.alloc(16, 2).toString('base64url'), assignment);
    const both: [number, number, number][] = [
      [0, 1, 0],
      [1, 2, 0],
    ];
    const port = () => brokers.get(1)!.port;
    await eventually(
      () => metadata(port(), 'pair').then(leaders),
      (l) => JSON.stringify(l) === JSON.stringify(both),
    );
    await brokers.get(2)!.close();
    await eventually(
      () => metadata(port(), 'pair').then(leaders),
      (l) => l[1]![1] === -1,
    );
    // KafkaController.onBrokerStartup: the returning broker's replicas go online, its partition elects it.
    brokers.set(2, await startBroker(2, connect));
    await eventually(
      () => metadata(port(), 'pair').then(leaders),
      (l) => JSON.stringify(l) === JSON.stringify(both),
    );
    // The returning broker learns the same (its own UpdateMetadata may come a moment later).
    await eventually(
      () => metadata(brokers.get(2)!.port, 'pair').then(leaders),
      (l) => JSON.stringify(l) === JSON.stringify(both),
    );

    // MetaPropertiesEnsemble.verify: a data dir of this cluster pointed at another cluster.
    const elsewhere = `${server.connectString}/cluster${++chroot}`;
    const refused = await startBroker(3, elsewhere, dataDirs.get(1)).then(
      () => expect.fail('a data dir from another cluster was accepted'),
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: 'ERR_INCONSISTENT_CLUSTER_ID' });
  }, 60000);

  test('CreatePartitions and DeleteTopics through the controller: new partitions led, a deleted topic gone everywhere', async () => {
    await startCluster([1, 2, 3]);
    await eventually(
      () => zk.getControllerId(),
      (id) => id !== null,
    );
    const admin = kafkaClient(brokers.get(1)!.port).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 2, replicationFactor: 2 }] })).toBe(
        true,
      );
      // AdminZkClient.createPartitionsWithAssignment, then processPartitionModifications elects the new ones.
      await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 5 }] });
      const grown = await eventually(
        () => metadata(brokers.get(2)!.port, 'grow').then(leaders),
        (l) => l.length === 5 && l.every(([, leader, error]) => leader > 0 && error === 0),
      );
      expect(grown.map(([p]) => p)).toEqual([0, 1, 2, 3, 4]);
      const [read] = await zk.getReplicaAssignmentAndTopicIdForTopics(['grow']);
      expect([...read!.assignment.values()].every((a) => a.replicas.length === 2)).toBe(true);

      // TopicDeletionManager over the wire: StopReplica (delete) answered by every replica, then the znodes go.
      await admin.deleteTopics({ topics: ['grow'] });
      await eventually(
        () => zk.topicExists('grow'),
        (exists) => !exists,
      );
      expect(await zk.getTopicDeletions()).toEqual([]);
      for (const broker of brokers.values()) {
        const gone = await eventually(
          () => metadata(broker.port, 'grow'),
          (m) => (m.topics as Struct[])[0]!.errorCode === 3,
        );
        expect((gone.topics as Struct[])[0]!.partitions).toEqual([]);
        await eventually(
          async () => broker.engine.hasTopic('grow'),
          (has) => !has,
        );
      }
    } finally {
      await admin.disconnect();
    }
  }, 60000);

  test('session expiry: the controller resigns, the broker registers again with a new epoch, a controller is elected', async () => {
    await startCluster([1, 2]);
    const controller = (await eventually(
      () => zk.getControllerId(),
      (id) => id !== null,
    ))!;
    const kafkaServer = brokers.get(controller)!.kafkaServer!;
    const before = kafkaServer.brokerEpoch();
    const client = kafkaServer.zkClient.zooKeeperClient;
    const oldSession = client.sessionId;
    await expireSession(server.connectString, client, () => client.sessionId !== oldSession);
    // KafkaController.processRegisterBrokerAndReelect: /brokers/ids/<id> again, its czxid the new epoch.
    await eventually(
      async () => kafkaServer.brokerEpoch(),
      (epoch) => epoch > before,
    );
    const registered = await eventually(
      () => zk.getAllBrokerAndEpochsInCluster(),
      (all) => all.find((b) => b.info.id === controller)?.epoch === kafkaServer.brokerEpoch(),
    );
    expect(registered.map((b) => b.info.id)).toEqual([1, 2]);
    // Whoever won the new election, each broker agrees on it and the old term is gone from the resigned one.
    const elected = (await eventually(
      () => zk.getControllerId(),
      (id) => id !== null,
    ))!;
    await eventually(
      async () => [...brokers.values()].map((b) => b.kafkaServer!.kafkaController!.activeControllerId),
      (ids) => ids.every((id) => id === elected),
    );
    const actives = [...brokers.values()].filter((b) => b.kafkaServer!.kafkaController!.isActive);
    expect(actives.map((b) => b.kafkaServer!.brokerId)).toEqual([elected]);
  }, 60000);

  test('ZooKeeper away and back: brokers keep serving what they lead, stay registered, and nothing is lost', async () => {
    await startCluster([1, 2]);
    await eventually(
      () => zk.getControllerId(),
      (id) => id !== null,
    );
    const assignment = new Map([0, 1].map((p) => [p, { replicas: [p + 1], addingReplicas: [], removingReplicas: [] }]));
    await zk.createTopicAssignment('away', Buffer.alloc(16, 3).toString('base64url'), assignment);
    const led = (l: [number, number, number][]) => l.length === 2 && l.every(([p, leader]) => leader === p + 1);
    for (const b of brokers.values()) await eventually(() => metadata(b.port, 'away').then(leaders), led);
    const producer = kafkaClient(brokers.get(1)!.port).producer();
    await producer.connect();
    const send = (from: number) =>
      producer.send({
        topic: 'away',
        messages: [0, 1].map((partition) => ({ partition, value: `v${from + partition}` })),
      });
    try {
      await send(0);
      await zk.zooKeeperClient.close();
      await server.stop();
      try {
        // The leaders answer from what they hold; ZooKeeper is only the controller's.
        await send(2);
      } finally {
        await server.start();
      }
      zk = new KafkaZkClient(await ZooKeeperClient.connect({ connect: currentConnect }));
      await send(4);
    } finally {
      await producer.disconnect();
    }
    await eventually(
      () => zk.getAllBrokerAndEpochsInCluster(),
      (all) => all.length === 2,
    );
    await eventually(
      () => zk.getControllerId(),
      (id) => id !== null,
    );
    for (const partition of [0, 1]) {
      const fetcher = await kafkajsBroker(brokers.get(partition + 1)!.port);
      try {
        const response = await fetcher.fetch({
          maxWaitTime: 100,
          topics: [{ topic: 'away', partitions: [{ partition, fetchOffset: '0', maxBytes: 1 << 20 }] }],
        });
        const values = response.responses[0]!.partitions[0]!.messages.map((m) => String(m.value));
        expect(values).toEqual([0, 2, 4].map((n) => `v${n + partition}`));
      } finally {
        await fetcher.disconnect();
      }
    }
  }, 60000);
});
