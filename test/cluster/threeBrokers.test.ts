/**
 * End to end: a real ZooKeeper and three `tributary serve --zookeeper` processes. kafkajs
 * creates a 6-partition topic through a broker that is not the controller (which answers
 * NOT_CONTROLLER, as KafkaApis does in ZooKeeper mode; kafkajs sends CreateTopics to the
 * controller named in Metadata), the leaders spread over the three (AdminUtils' round
 * robin), records produced to every partition are fetched back from each leader, and
 * Metadata from every broker agrees. Then the controller is killed with SIGKILL: another
 * broker wins /controller after the dead session times out, the RF 1 partitions the dead
 * broker led are offline (LEADER_NOT_AVAILABLE, leader -1), the RF 3 ones moved to live
 * replicas (OfflinePartitionLeaderElection), and topic creation works again.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Admin } from 'kafkajs';
import { partitionForKey } from '../../src/engine/InternalTopic.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import type { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { tributary, type ServedBroker } from '../helpers/cli.js';
import { consumeFromStart, kafkaClient, kafkajsBroker } from '../helpers/kafkajs.js';
import { eventually, request, serveCluster, type ServedCluster } from '../helpers/cluster.js';

const SESSION_TIMEOUT_MS = 6000;
let cluster: ServedCluster;
let zk: KafkaZkClient;
let brokers: Map<number, ServedBroker>;
const admins: Admin[] = [];

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS);
  ({ zk, brokers } = cluster);
}, 60000);

afterAll(async () => {
  await Promise.all(admins.map((a) => a.disconnect()));
  await cluster?.close();
});

/** partition -> [leader, error code, replicas] as the broker at `port` tells it. */
async function partitions(port: number, topic: string): Promise<string> {
  const response = await request(port, ApiKey.Metadata, 9, {
    topics: [{ name: topic }],
    allowAutoTopicCreation: false,
  });
  const [t] = response.topics as Struct[];
  const rows = (t!.partitions as Struct[])
    .map((p) => [p.partitionIndex, p.leaderId, p.errorCode, p.replicaNodes] as [number, number, number, number[]])
    .sort((a, b) => a[0] - b[0]);
  return JSON.stringify(rows);
}

function admin(port: number): Admin {
  const a = kafkaClient(port).admin();
  admins.push(a);
  return a;
}

describe('three broker processes on one ZooKeeper', () => {
  let controller: number;

  /** A topic created through a broker that is not the controller: leaders spread, data in and out, Metadata agreed. */
  async function createProduceFetch(): Promise<void> {
    controller = (await eventually(
      () => zk.getControllerId(),
      (id) => id !== null,
    ))!;
    const other = [1, 2, 3].find((id) => id !== controller)!;
    const otherPort = brokers.get(other)!.port;
    // Every broker knows the three, and the controller (from UpdateMetadata).
    for (const { port } of brokers.values())
      await eventually(
        () => request(port, ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false }),
        (m) => (m.brokers as Struct[])?.length === 3 && m.controllerId === controller,
      );

    const refused = await request(otherPort, ApiKey.CreateTopics, 5, {
      topics: [{ name: 'direct', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect((refused.topics as Struct[])[0]!.errorCode).toBe(41); // NOT_CONTROLLER
    // The CLI, too, sends it to the controller Metadata names (KafkaAdminClient's ControllerNodeProvider).
    const made = await tributary([
      'topics',
      'create',
      'by-cli',
      '--replication-factor',
      '3',
      '--bootstrap',
      `127.0.0.1:${otherPort}`,
    ]).exit;
    expect(made.code, made.stderr).toBe(0);

    const client = admin(otherPort);
    await client.connect();
    expect(await client.createTopics({ topics: [{ topic: 'spread', numPartitions: 6, replicationFactor: 1 }] })).toBe(
      true,
    );
    expect(await client.createTopics({ topics: [{ topic: 'triple', numPartitions: 3, replicationFactor: 3 }] })).toBe(
      true,
    );

    const views = await Promise.all(
      [...brokers.values()].map(({ port }) =>
        eventually(
          () => partitions(port, 'spread'),
          (v) => !v.includes('-1'),
        ),
      ),
    );
    expect(new Set(views).size).toBe(1);
    const rows = JSON.parse(views[0]!) as [number, number, number, number[]][];
    expect(rows.map((r) => r[2])).toEqual([0, 0, 0, 0, 0, 0]);
    // Round robin over three brokers: each leads two of the six.
    const perLeader = new Map<number, number>();
    for (const [, leader, , replicas] of rows) {
      expect(replicas).toEqual([leader]);
      perLeader.set(leader, (perLeader.get(leader) ?? 0) + 1);
    }
    expect([...perLeader.entries()].sort()).toEqual([
      [1, 2],
      [2, 2],
      [3, 2],
    ]);

    const producer = kafkaClient(otherPort).producer();
    await producer.connect();
    const messages = Array.from({ length: 60 }, (_, i) => ({ partition: i % 6, value: `v${i}` }));
    await producer.send({ topic: 'spread', messages });
    await producer.disconnect();

    for (const [partition, leader] of rows) {
      const fetcher = await kafkajsBroker(brokers.get(leader)!.port);
      try {
        const response = await fetcher.fetch({
          maxWaitTime: 100,
          topics: [{ topic: 'spread', partitions: [{ partition, fetchOffset: '0', maxBytes: 1 << 20 }] }],
        });
        const values = response.responses[0]!.partitions[0]!.messages.map((m) => String(m.value));
        expect(values).toEqual(messages.filter((m) => m.partition === partition).map((m) => m.value));
      } finally {
        await fetcher.disconnect();
      }
    }
    // A consumer group: FindCoordinator creates __consumer_offsets (COORDINATOR_NOT_AVAILABLE until
    // it is led), then names the leader of the group's partition, which runs the group. The group
    // is picked so that its coordinator is not the bootstrap broker.
    const find = { key: 'probe', keyType: 0 };
    expect((await request(otherPort, ApiKey.FindCoordinator, 2, find)).errorCode).toBe(15); // COORDINATOR_NOT_AVAILABLE
    const offsets = JSON.parse(
      await eventually(
        () => partitions(otherPort, '__consumer_offsets'),
        (v) => v.startsWith('[[0,') && !v.includes(',-1,'),
      ),
    ) as [number, number][];
    const groupId = ['g0', 'g1', 'g2', 'g3', 'g4', 'g5'].find(
      (g) => offsets[partitionForKey(g, offsets.length)]![1] !== other,
    )!;
    const coordinator = await request(otherPort, ApiKey.FindCoordinator, 2, { key: groupId, keyType: 0 });
    expect(coordinator.nodeId).not.toBe(other);
    const group = await consumeFromStart(kafkaClient(otherPort), 'spread', 60, { groupId, readUncommitted: true });
    expect(group.map((r) => r.value).sort()).toEqual(messages.map((m) => m.value).sort());
  }

  /** kill -9 the controller: another is elected, its RF 1 partitions go offline, RF 3 leaders move. */
  async function killController(): Promise<void> {
    const triple = JSON.parse(await partitions(brokers.get(controller)!.port, 'triple')) as [
      number,
      number,
      number,
      number[],
    ][];
    const victim = brokers.get(controller)!;
    victim.child.kill('SIGKILL');
    await victim.exit;
    brokers.delete(controller);
    const killedAt = Date.now();
    const next = (await eventually(
      () => zk.getControllerId(),
      (id) => id !== null && id !== controller,
      SESSION_TIMEOUT_MS + 15000,
    ))!;
    expect(Date.now() - killedAt).toBeLessThan(SESSION_TIMEOUT_MS + 10000);
    const survivor = brokers.get(next)!.port;

    const spread = JSON.parse(
      await eventually(
        () => partitions(survivor, 'spread'),
        (v) => v.includes(',-1,5,'),
      ),
    ) as [number, number, number, number[]][];
    for (const [, leader, error, replicas] of spread)
      if (replicas[0] === controller)
        expect([leader, error]).toEqual([-1, 5]); // LEADER_NOT_AVAILABLE
      else expect([leader, error]).toEqual([replicas[0], 0]);

    const moved = JSON.parse(
      await eventually(
        () => partitions(survivor, 'triple'),
        (v) => !(JSON.parse(v) as [number, number][]).some((r) => r[1] === controller || r[1] === -1),
      ),
    ) as [number, number, number, number[]][];
    for (const [p, leader, error, replicas] of moved) {
      expect(error).toBe(0);
      expect(replicas).toEqual(triple[p]![3]);
      // The first live replica of the ISR, as OfflinePartitionLeaderElection picks.
      expect(leader).toBe(replicas.find((r) => r !== controller));
    }

    // Raw CreateTopics to the new controller: kafkajs' admin refreshes metadata for every topic
    // first and gives up on the offline partitions (LEADER_NOT_AVAILABLE), as it would with Kafka.
    const created = await request(survivor, ApiKey.CreateTopics, 5, {
      topics: [{ name: 'after', numPartitions: 2, replicationFactor: 2, assignments: [], configs: [] }],
      timeoutMs: 10000,
      validateOnly: false,
    });
    expect((created.topics as Struct[])[0]).toMatchObject({ errorCode: 0, numPartitions: 2, replicationFactor: 2 });
    const after = await eventually(
      () => partitions(survivor, 'after'),
      (v) => v.startsWith('[[0,') && !v.includes(',-1,'),
    );
    expect(JSON.parse(after)).toHaveLength(2);
  }

  // One test: the CLI helper SIGKILLs its processes after each test.
  test('create through a non-controller, produce and fetch on every leader, then kill -9 the controller', async () => {
    await createProduceFetch();
    await killController();
  }, 60000);
});
