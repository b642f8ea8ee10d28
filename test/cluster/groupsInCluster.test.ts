/**
 * Consumer groups and transactions on three `tributary serve --zookeeper` processes, with a
 * real ZooKeeper and kafkajs. The first FindCoordinator creates `__consumer_offsets` in
 * ZooKeeper (KafkaApis.getCoordinator through AutoTopicCreationManager: offsets.topic.num.partitions,
 * offsets.topic.replication.factor) and answers COORDINATOR_NOT_AVAILABLE until the controller
 * elected its leaders; each broker then loads the groups of the partitions it leads
 * (RequestHandlerHelper.onLeadershipChange -> GroupCoordinator.onElection) and answers
 * NOT_COORDINATOR for the others. A group whose coordinator is not the bootstrap broker
 * consumes a topic whose leaders are spread, commits, and rebalances when a second member
 * joins; a transactional producer whose coordinator is not the bootstrap broker commits
 * across partitions led by all three (its markers sent as WriteTxnMarkers), and a
 * read_committed consumer sees the records. Then the coordinator's broker is killed: the
 * replicated (RF 3) `__consumer_offsets` partition gets a new leader, which loads the group
 * from its own log: a copy of the old leader's (its replica fetcher's), so the new coordinator
 * answers with every committed offset. The `__transaction_state`
 * partitions (RF 1 here) the dead broker led are offline: their ids' FindCoordinator answers
 * COORDINATOR_NOT_AVAILABLE.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import type { ServedBroker } from '../helpers/cli.js';
import {
  eventually,
  findCoordinator,
  keyNotCoordinatedBy,
  request,
  serveCluster,
  type ServedCluster,
} from '../helpers/cluster.js';

const SESSION_TIMEOUT_MS = 6000;
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;
let cluster: ServedCluster;
let brokers: Map<number, ServedBroker>;
const consumers: Consumer[] = [];

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS, [
    'offsets.topic.num.partitions=6',
    'offsets.topic.replication.factor=3',
    'transaction.state.log.num.partitions=6',
    // One copy: a partition led by a dead broker is offline, and so is its coordinator.
    'transaction.state.log.replication.factor=1',
  ]);
  ({ brokers } = cluster);
}, 60000);

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
  await cluster?.close();
});

/** kafkajs bootstrapped on one broker, retrying long enough for coordinators to be elected and loaded. */
function kafka(port: number): Kafka {
  return new Kafka({
    clientId: 'groups-in-cluster',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 200 },
  });
}

/** A key whose coordinator (once elected) is not `bootstrap`'s broker. */
const keyNotCoordinatedAt = (bootstrap: number, prefix: string, keyType: number): Promise<[string, number]> =>
  keyNotCoordinatedBy(brokers.get(bootstrap)!.port, bootstrap, prefix, keyType);

describe('groups and transactions in a three-broker cluster', () => {
  const bootstrap = 1;
  let groupId: string;
  let coordinator: number;

  /** The first FindCoordinator creates __consumer_offsets; each broker coordinates the groups of the partitions it leads. */
  async function coordinatorsElected(): Promise<void> {
    const port = brokers.get(bootstrap)!.port;
    await eventually(
      () => request(port, ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false }),
      (m) => (m.brokers as Struct[])?.length === 3,
    );
    // Created in ZooKeeper, then not available until the controller elected the leaders.
    const [first] = await findCoordinator(port, 'probe', 0);
    expect(first).toBe(COORDINATOR_NOT_AVAILABLE);
    [groupId, coordinator] = await keyNotCoordinatedAt(bootstrap, 'group', 0);
    const metadata = await request(port, ApiKey.Metadata, 9, {
      topics: [{ name: '__consumer_offsets' }],
      allowAutoTopicCreation: false,
    });
    const [offsets] = metadata.topics as Struct[];
    expect(offsets!.isInternal).toBe(true);
    const parts = offsets!.partitions as Struct[];
    expect(parts).toHaveLength(6);
    expect(parts.every((p) => (p.replicaNodes as number[]).length === 3)).toBe(true);
    // A broker that does not lead the group's partition is not its coordinator.
    const heartbeat = { groupId, generationId: 1, memberId: 'nobody' };
    const answer = await request(brokers.get(bootstrap)!.port, ApiKey.Heartbeat, 1, heartbeat);
    expect(answer.errorCode).toBe(NOT_COORDINATOR);
    const atCoordinator = await request(brokers.get(coordinator)!.port, ApiKey.Heartbeat, 1, heartbeat);
    expect(atCoordinator.errorCode).toBe(25); // UNKNOWN_MEMBER_ID: the group is served there
  }

  /** A group coordinated elsewhere consumes spread leaders, commits and rebalances with a second member. */
  async function consumeInGroup(): Promise<void> {
    const client = kafka(brokers.get(bootstrap)!.port);
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 6, replicationFactor: 1 }] });
    const meta = await admin.fetchTopicMetadata({ topics: ['events'] });
    expect(new Set(meta.topics[0]!.partitions.map((p) => p.leader)).size).toBe(3);
    const producer = client.producer();
    await producer.connect();
    const send = (from: number) =>
      producer.send({
        topic: 'events',
        messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}` })),
      });
    await send(0);

    const seen = new Set<string>();
    const assigned = new Map<string, number[]>();
    const member = async (name: string) => {
      const consumer = client.consumer({
        groupId,
        sessionTimeout: 10000,
        rebalanceTimeout: 10000,
        heartbeatInterval: 500,
      });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        assigned.set(name, e.payload.memberAssignment['events'] ?? []);
      });
      await consumer.connect();
      await consumer.subscribe({ topic: 'events', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
      return consumer;
    };
    await member('a');
    await eventually(
      () => Promise.resolve(seen.size),
      (n) => n === 60,
      30000,
    );
    await member('b');
    await eventually(
      () => Promise.resolve([...assigned.values()]),
      (lists) => lists.length === 2 && lists.every((l) => l.length === 3),
      30000,
    );
    await send(60);
    await eventually(
      () => Promise.resolve(seen.size),
      (n) => n === 120,
      30000,
    );
    // Every partition's committed offset is its end: 120 records committed in all.
    const committed = await eventually(
      () => admin.fetchOffsets({ groupId, topics: ['events'] }),
      (t) => t[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0) === 120,
      30000,
    );
    expect(committed[0]!.partitions).toHaveLength(6);
    await producer.disconnect();
    await admin.disconnect();
  }

  /** A transactional producer coordinated elsewhere commits across the three leaders; read_committed sees it. */
  async function commitTransaction(): Promise<void> {
    const [transactionalId, txnCoordinator] = await keyNotCoordinatedAt(bootstrap, 'txn', 1);
    expect(txnCoordinator).not.toBe(bootstrap);
    const client = kafka(brokers.get(bootstrap)!.port);
    const producer = client.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({
      topic: 'events',
      messages: Array.from({ length: 12 }, (_, i) => ({ partition: i % 6, value: `t${i}` })),
    });
    await txn.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'events', messages: [{ partition: 0, value: 'aborted' }] });
    await aborted.abort();
    await producer.disconnect();

    const seen: string[] = [];
    const consumer = client.consumer({ groupId: 'reader', readUncommitted: false });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'events', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await eventually(
      () => Promise.resolve(seen.filter((v) => v.startsWith('t')).length),
      (n) => n === 12,
      30000,
    );
    expect(seen).not.toContain('aborted');
  }

  /** kill -9 of the group's coordinator: the offsets partition's new leader loads the group from its own log. */
  async function killCoordinator(): Promise<void> {
    await Promise.all(consumers.splice(0).map((c) => c.disconnect()));
    // A transactional id coordinated by the broker about to die (its __transaction_state partition has one replica).
    const port = brokers.get(bootstrap)!.port;
    let orphan = '';
    for (let i = 0; orphan === ''; i++) {
      const [error, node] = await findCoordinator(port, `orphan-${i}`, 1);
      if (error === 0 && node === coordinator) orphan = `orphan-${i}`;
    }
    const committed = await committedOffsets(coordinator);
    expect(committed.every(([offset]) => offset > 0)).toBe(true);
    const dead = brokers.get(coordinator)!;
    dead.child.kill('SIGKILL');
    await dead.exit;
    brokers.delete(coordinator);
    // RF 3: the controller moves the partition's leadership to a live replica, which loads it.
    const [, next] = await eventually(
      () => findCoordinator(port, groupId, 0),
      ([error, node]) => error === 0 && node !== coordinator,
      SESSION_TIMEOUT_MS + 20000,
    );
    // RF 1: the partition is offline (leader -1), so its transactional ids have no coordinator.
    expect(await findCoordinator(port, orphan, 1)).toEqual([COORDINATOR_NOT_AVAILABLE, -1]);
    // The new leader's log is a replica of the old one's: it answers with the group's commits.
    expect(await committedOffsets(next)).toEqual(committed);
  }

  /**
   * [committed offset, error code] of the group's six partitions at broker `id`: a raw OffsetFetch
   * (kafkajs' admin first asks Metadata of the topic, whose RF 1 partitions on a dead broker are offline).
   */
  async function committedOffsets(id: number): Promise<[number, number][]> {
    const fetched = await request(brokers.get(id)!.port, ApiKey.OffsetFetch, 1, {
      groupId,
      topics: [{ name: 'events', partitionIndexes: [0, 1, 2, 3, 4, 5] }],
    });
    const rows = (fetched.topics as Struct[]).flatMap((t) => t.partitions as Struct[]);
    return rows.map((p) => [p.committedOffset as number, p.errorCode as number]);
  }

  // One test: the helper's processes are killed after each test.
  test("groups and transactions follow the internal topics' leaders", async () => {
    await coordinatorsElected();
    await consumeInGroup();
    await commitTransaction();
    await killCoordinator();
  }, 240000);
});
