/**
 * A broker's controlled shutdown (KafkaServer.controlledShutdown), end to end: three
 * `tributary serve --zookeeper` processes, a topic of RF 3 whose preferred leaders spread over
 * them and one of RF 1. SIGTERM a broker that leads partitions: before it lets go of ZooKeeper
 * it has asked the controller (KafkaController.doControlledShutdown) to move its leaderships
 * to other ISR members, so every RF 3 partition's state znode was rewritten with another
 * leader *before* its registration went (each state's mzxid is below the zxid of
 * /brokers/ids's last child change, the deletion); its RF 1 partition cannot move and does
 * not hold the shutdown up. The exit is prompt (no retry's 5 s backoff). Then the controller
 * itself gets SIGTERM: it sends ControlledShutdown to itself, and the last broker leads all.
 * Without the controlled shutdown, leaders would move only after the registration's deletion
 * (onBrokerFailure), above that zxid. Last, the lone broker left gets SIGTERM: its leaderships
 * have nowhere to go, so each attempt answers partitions remaining; it tries
 * controlled.shutdown.max.retries (2 here) times, controlled.shutdown.retry.backoff.ms (Kafka's
 * 5000) apart, and then stops anyway.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import type { ServedBroker } from '../helpers/cli.js';
import { eventually, request, serveCluster, type ServedCluster } from '../helpers/cluster.js';

const PARTITIONS = [0, 1, 2, 3, 4, 5];
let cluster: ServedCluster;
let zk: KafkaZkClient;
let brokers: Map<number, ServedBroker>;

beforeAll(async () => {
  cluster = await serveCluster(3, 6000, ['controlled.shutdown.max.retries=2']);
  ({ zk, brokers } = cluster);
}, 60000);

afterAll(async () => {
  await cluster?.close();
});

interface LeaderState {
  readonly partition: number;
  readonly leader: number;
  readonly isr: number[];
  readonly mzxid: bigint;
}

/** Each partition's state znode: leader, ISR and the zxid that last wrote it. */
async function states(topic: string, partitions: readonly number[]): Promise<LeaderState[]> {
  const client = zk.zooKeeperClient;
  return Promise.all(
    partitions.map(async (partition) => {
      const node = await client.getData(`/brokers/topics/${topic}/partitions/${partition}/state`);
      if (node.code !== 'OK') throw new Error(`no state for ${topic}-${partition}: ${node.code}`);
      const { leader, isr } = JSON.parse(Buffer.from(node.data).toString()) as { leader: number; isr: number[] };
      return { partition, leader, isr, mzxid: node.stat.mzxid };
    }),
  );
}

/** The zxid of the last registration or deregistration under /brokers/ids. */
async function lastRegistrationChange(): Promise<bigint> {
  const node = await zk.zooKeeperClient.getData('/brokers/ids');
  if (node.code !== 'OK') throw new Error(`/brokers/ids: ${node.code}`);
  return node.stat.pzxid;
}

/** The leaders broker `port`'s metadata cache knows for `topic`, by partition. */
async function cachedLeaders(port: number, topic: string): Promise<number[]> {
  const response = await request(port, ApiKey.Metadata, 9, {
    topics: [{ name: topic }],
    allowAutoTopicCreation: false,
  });
  const partitions = ((response.topics as Struct[])[0]!.partitions as Struct[]).map((p) => [
    p.partitionIndex,
    p.leaderId,
  ]);
  return partitions.sort((a, b) => Number(a[0]) - Number(b[0])).map((p) => Number(p[1]));
}

/** SIGTERM: how long the process took to exit, and what it logged (warnings and errors). */
async function stop(id: number): Promise<{ ms: number; stderr: string }> {
  const broker = brokers.get(id)!;
  const started = Date.now();
  broker.child.kill('SIGTERM');
  const exit = await broker.exit;
  expect(exit.code).toBe(0);
  brokers.delete(id);
  return { ms: Date.now() - started, stderr: exit.stderr };
}

const UNCLEAN = 'Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed';

describe('a broker stopping with SIGTERM', () => {
  test('moves its leaderships away through the controller before it leaves, promptly; the controller too', async () => {
    const controller = await eventually(
      () => zk.getControllerId(),
      (id) => id !== null,
    );
    // Partition p prefers broker (p % 3) + 1, the other two following; 'single' has one replica on each.
    const replicated = new Map(
      PARTITIONS.map((p) => [
        p,
        { replicas: [0, 1, 2].map((i) => ((p + i) % 3) + 1), addingReplicas: [], removingReplicas: [] },
      ]),
    );
    await zk.createTopicAssignment('replicated', Buffer.alloc(16, 7).toString('base64url'), replicated);
    const single = new Map([0, 1, 2].map((p) => [p, { replicas: [p + 1], addingReplicas: [], removingReplicas: [] }]));
    await zk.createTopicAssignment('single', Buffer.alloc(16, 8).toString('base64url'), single);
    const preferred = PARTITIONS.map((p) => (p % 3) + 1);
    for (const broker of brokers.values()) {
      await eventually(
        () => cachedLeaders(broker.port, 'replicated'),
        (l) => JSON.stringify(l) === JSON.stringify(preferred),
      );
      await eventually(
        () => cachedLeaders(broker.port, 'single'),
        (l) => JSON.stringify(l) === JSON.stringify([1, 2, 3]),
      );
    }

    const leaving = [1, 2, 3].find((id) => id !== controller)!;
    const first = await stop(leaving);
    expect(first.ms).toBeLessThan(4000);
    expect(first.stderr).not.toContain(UNCLEAN);
    const deregistered = await lastRegistrationChange();
    const afterFirst = await states('replicated', PARTITIONS);
    expect(afterFirst.filter((s) => s.leader === leaving)).toEqual([]);
    expect(afterFirst.filter((s) => s.isr.includes(leaving))).toEqual([]);
    // The moves were written before the registration went: the controlled shutdown, not the broker's failure.
    const moved = afterFirst.filter((s) => preferred[s.partition] === leaving);
    expect(moved).toHaveLength(2);
    for (const state of moved) expect(state.mzxid).toBeLessThan(deregistered);
    // RF 1: nowhere to move; it stays with the stopped broker and goes offline.
    expect((await states('single', [leaving - 1]))[0]!.leader).toBe(-1);

    const last = [1, 2, 3].find((id) => id !== controller && id !== leaving)!;
    const second = await stop(controller!);
    expect(second.ms).toBeLessThan(4000);
    expect(second.stderr).not.toContain(UNCLEAN);
    const controllerGone = await lastRegistrationChange();
    const afterSecond = await states('replicated', PARTITIONS);
    expect(afterSecond.map((s) => s.leader)).toEqual(PARTITIONS.map(() => last));
    for (const state of afterSecond.filter((s) => preferred[s.partition] === controller))
      expect(state.mzxid).toBeLessThan(controllerGone);
    await eventually(
      () => cachedLeaders(brokers.get(last)!.port, 'replicated'),
      (l) => l.every((leader) => leader === last),
    );

    // Alone, its leaderships cannot move: two attempts 5 s apart, then it stops anyway, still leading them.
    const third = await stop(last);
    expect(third.ms).toBeGreaterThanOrEqual(5000);
    expect(third.ms).toBeLessThan(15000);
    expect(third.stderr).toContain(UNCLEAN);
    expect((await states('replicated', PARTITIONS)).map((s) => s.leader)).toEqual(PARTITIONS.map(() => last));
  }, 90000);
});
