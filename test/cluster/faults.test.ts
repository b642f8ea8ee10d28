/**
 * Issue 20's faults, for real: `tributary serve --zookeeper` processes on a real ZooKeeper,
 * hurt with signals. A stale controller (SIGSTOPped past its session timeout while another
 * is elected and changes the cluster) is fenced and changes nothing when it wakes; ZooKeeper
 * stopped or paused leaves the brokers serving what they lead and loses nothing acknowledged;
 * a broker killed and restarted on its data dir rejoins with a new epoch and leads again; a
 * data dir of another cluster is refused before it touches ZooKeeper. (Controller failover
 * after kill -9 is threeBrokers.test.ts'.) `TRIBUTARY_STRESS=1` (`npm run test:cluster`) runs the long
 * versions: a broker also killed while the controller is paused, ZooKeeper stopped past and
 * paused within the session timeout too, three restart rounds.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { KafkaErrors } from '../../src/errors.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { ZooKeeperClient } from '../../src/zk/ZooKeeperClient.js';
import { serve, tributary, type ServedBroker } from '../helpers/cli.js';
import { eventually, request } from '../helpers/cluster.js';
import { leaderAndIsr } from '../helpers/controllerRequests.js';
import { kafkaClient, kafkajsBroker } from '../helpers/kafkajs.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { ZooKeeperServer } from '../helpers/zookeeper.js';

const LONG = process.env.TRIBUTARY_STRESS === '1';
const SESSION_TIMEOUT_MS = 6000;

let server: ZooKeeperServer;
let dir: string;
let chroot = 0;
const zkClients: KafkaZkClient[] = [];

beforeAll(async () => {
  server = await ZooKeeperServer.standalone();
  // Not tempDir(): its cleanup after each test would take the data directories from the running brokers.
  dir = mkdtempSync(join(tmpdir(), 'tributary-faults-'));
  writeFileSync(join(dir, 'server.properties'), `zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS}\n`);
}, 60000);

afterEach(async () => {
  // The CLI helper SIGKILLs the brokers after each test.
  await Promise.all(zkClients.splice(0).map((zk) => zk.zooKeeperClient.close()));
});

afterAll(async () => {
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** One cluster: its chroot, its brokers by id, a client of its ZooKeeper. */
interface Cluster {
  connect: string;
  brokers: Map<number, ServedBroker>;
  zk: KafkaZkClient;
}

function serveArgs(connect: string, id: number): string[] {
  // Info logs on stderr: a test reads what a broker says it did (resigned, registered again).
  return [
    ...['--zookeeper', connect, '--node-id', String(id), '--host', '127.0.0.1'],
    ...['--config', join(dir, 'server.properties'), '--log-level', 'info'],
  ];
}

function dataDir(cluster: Cluster, id: number): string {
  return join(dir, `${cluster.connect.split('/').pop()}-data-${id}`);
}

function startBroker(cluster: Cluster, id: number): Promise<ServedBroker> {
  return serve(dataDir(cluster, id), serveArgs(cluster.connect, id));
}

/** Three brokers on a chroot of their own, every one knowing the three and the controller. */
async function startCluster(): Promise<Cluster> {
  const connect = `${server.connectString}/faults${++chroot}`;
  const zk = new KafkaZkClient(await ZooKeeperClient.connect({ connect }));
  zkClients.push(zk);
  const cluster: Cluster = { connect, brokers: new Map(), zk };
  const started = await Promise.all([1, 2, 3].map((id) => startBroker(cluster, id)));
  started.forEach((b, i) => cluster.brokers.set(i + 1, b));
  const controller = await controllerId(cluster);
  for (const { port } of cluster.brokers.values())
    await eventually(
      () => request(port, ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false }),
      (m) => (m.brokers as Struct[])?.length === 3 && m.controllerId === controller,
    );
  return cluster;
}

/** The controller named in /controller, once there is one other than `not`. */
async function controllerId(cluster: Cluster, not?: number, timeoutMs = 20000): Promise<number> {
  return (await eventually(
    () => cluster.zk.getControllerId(),
    (id) => id !== null && id !== not,
    timeoutMs,
  ))!;
}

/** CreateTopics sent to the controller; resolves once it answered (every partition led). */
async function createTopic(
  cluster: Cluster,
  name: string,
  partitions: number,
  replicationFactor: number,
): Promise<void> {
  const controller = await controllerId(cluster);
  const created = await request(cluster.brokers.get(controller)!.port, ApiKey.CreateTopics, 5, {
    topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs: [] }],
    timeoutMs: 15000,
    validateOnly: false,
  });
  expect((created.topics as Struct[])[0]).toMatchObject({ name, errorCode: 0 });
}

type Row = [partition: number, leader: number, error: number, replicas: number[], isr: number[]];

/** partition -> leader, error, replicas, ISR as the broker at `port` tells it. */
async function partitions(port: number, topic: string): Promise<Row[]> {
  const response = await request(port, ApiKey.Metadata, 9, {
    topics: [{ name: topic }],
    allowAutoTopicCreation: false,
  });
  const [t] = response.topics as Struct[];
  return (t!.partitions as Struct[])
    .map((p) => [p.partitionIndex, p.leaderId, p.errorCode, p.replicaNodes, p.isrNodes] as Row)
    .sort((a, b) => a[0] - b[0]);
}

/** Partitions 0..count-1's state znodes (leader, epochs, ISR, the controller epoch, the znode's version). */
function readStates(cluster: Cluster, topic: string, count: number) {
  return cluster.zk.getTopicPartitionStates(Array.from({ length: count }, (_, partition) => ({ topic, partition })));
}

/**
 * Who leads each partition, in which leader epoch, by which controller's decision. Not the ISR
 * or the partition epoch: a replica that catches up rejoins the ISR through its leader's
 * AlterPartition to the controller of the moment (Partition.maybeExpandIsr).
 */
async function zkLeadership(cluster: Cluster, topic: string, count: number): Promise<string> {
  const states = await readStates(cluster, topic, count);
  return JSON.stringify(
    states.map((s) => s && { leader: s.leaderAndIsr.leader, epoch: s.leaderAndIsr.leaderEpoch, by: s.controllerEpoch }),
  );
}

/**
 * Every live broker's Metadata of `topics` comes to agree with ZooKeeper's partition states
 * (leader, ISR), both read again each time: the controller may still be writing them.
 */
async function expectAgreement(cluster: Cluster, topics: Record<string, number>): Promise<void> {
  for (const [topic, count] of Object.entries(topics)) {
    const views = async (): Promise<string[]> => {
      const states = await readStates(cluster, topic, count);
      const brokers = await Promise.all(
        [...cluster.brokers].map(([id, { port }]) =>
          partitions(port, topic).then((rows) => `${id}: ${JSON.stringify(rows.map((r) => [r[1], r[4]]))}`),
        ),
      );
      const zookeeper = JSON.stringify(states.map((s) => [s!.leaderAndIsr.leader, s!.leaderAndIsr.isr]));
      return [`zookeeper: ${zookeeper}`, ...brokers];
    };
    await eventually(views, (all) => new Set(all.map((view) => view.split(': ')[1])).size === 1);
  }
}

/** The values of every record of `topic`'s partition, fetched from `port` (its leader). */
async function fetchValues(port: number, topic: string, partition: number): Promise<string[]> {
  const fetcher = await kafkajsBroker(port);
  try {
    const values: string[] = [];
    for (;;) {
      const response = await fetcher.fetch({
        maxWaitTime: 100,
        topics: [{ topic, partitions: [{ partition, fetchOffset: String(values.length), maxBytes: 1 << 20 }] }],
      });
      const messages = response.responses[0]!.partitions[0]!.messages;
      if (messages.length === 0) return values;
      values.push(...messages.map((m) => String(m.value)));
    }
  } finally {
    await fetcher.disconnect();
  }
}

/** Every value of `topic` (partitions 0..count-1) read from each partition's leader. */
async function allValues(cluster: Cluster, topic: string, count: number): Promise<string[]> {
  const port = [...cluster.brokers.values()][0]!.port;
  const rows = await eventually(
    () => partitions(port, topic),
    (r) => r.length === count && r.every((row) => row[2] === 0),
  );
  const values = await Promise.all(rows.map(([p, leader]) => fetchValues(cluster.brokers.get(leader)!.port, topic, p)));
  return values.flat().sort();
}

/** Sends `count` records to `topic` with kafkajs (acks -1); resolves with the values acknowledged. */
async function produce(cluster: Cluster, topic: string, prefix: string, count: number): Promise<string[]> {
  const producer = kafkaClient([...cluster.brokers.values()][0]!.port).producer();
  await producer.connect();
  try {
    const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
    return values;
  } finally {
    await producer.disconnect();
  }
}

/** kill -9 of broker `id`, once it exited. */
async function kill(cluster: Cluster, id: number): Promise<void> {
  const killed = cluster.brokers.get(id)!;
  killed.child.kill('SIGKILL');
  await killed.exit;
  cluster.brokers.delete(id);
}

/** Resolves once broker `id`'s session expired (its /brokers/ids/<id> gone). */
async function sessionGone(cluster: Cluster, id: number): Promise<void> {
  await eventually(
    () => cluster.zk.getSortedBrokerList(),
    (ids) => !ids.includes(id),
    SESSION_TIMEOUT_MS + 15000,
  );
}

describe('faults of a ZooKeeper cluster', () => {
  test('a controller paused past its session is fenced, changes nothing, and rejoins as a broker', async () => {
    const cluster = await startCluster();
    await createTopic(cluster, 'before', 3, 3);
    const old = await controllerId(cluster);
    const { epoch: oldEpoch, epochZkVersion: oldEpochZkVersion } = (await cluster.zk.getControllerEpoch())!;
    const paused = cluster.brokers.get(old)!;
    paused.child.kill('SIGSTOP');

    // Another broker wins /controller once the paused one's session expires (KafkaController.elect on Reelect).
    const next = await controllerId(cluster, old, SESSION_TIMEOUT_MS + 15000);
    const nextEpoch = (await cluster.zk.getControllerEpoch())!.epoch;
    expect(nextEpoch).toBe(oldEpoch + 1);
    // The new controller moves leadership off the paused broker and creates a topic; in the
    // long version it also loses the third broker (kill -9) and moves its leaders too.
    const third = [1, 2, 3].find((id) => id !== old && id !== next)!;
    if (LONG) {
      await kill(cluster, third);
      await sessionGone(cluster, third);
    }
    const live = new Map([...cluster.brokers].filter(([id]) => id !== old));
    await eventually(
      () => partitions(live.get(next)!.port, 'before'),
      (rows) => rows.every((r) => r[1] === next || (!LONG && r[1] === third)),
    );
    await createTopic(cluster, 'during', 2, 1);
    await expectAgreement({ ...cluster, brokers: live }, { before: 3, during: 2 });

    // Its writes fail the /controller_epoch check (KafkaZkClient.checkedWrite's check op,
    // ControllerMovedException), e.g. giving up /controller as KafkaController.triggerControllerMove does.
    await expect(cluster.zk.deleteController(oldEpochZkVersion)).rejects.toMatchObject({
      code: 'ERR_STALE_CONTROLLER_EPOCH',
    });

    // What the old controller would send: every live broker answers STALE_CONTROLLER_EPOCH
    // (ReplicaManager.becomeLeaderOrFollower: controllerEpoch < the broker's).
    for (const [id, { port }] of live) {
      const client = await RawKafkaClient.connect(port);
      try {
        const registered = await cluster.zk.getAllBrokerAndEpochsInCluster();
        const response = await leaderAndIsr(
          client,
          {
            controllerId: old,
            controllerEpoch: oldEpoch,
            brokerEpoch: registered.find((b) => b.info.id === id)!.epoch,
          },
          {
            name: 'before',
            id: Buffer.alloc(16),
            partitions: [{ partitionIndex: 0, leader: old, isr: [old], replicas: [old] }],
          },
          [{ id: old, port: paused.port }],
        );
        expect(response.errorCode).toBe(KafkaErrors.STALE_CONTROLLER_EPOCH.code);
      } finally {
        client.close();
      }
    }

    const settled = {
      before: await zkLeadership(cluster, 'before', 3),
      during: await zkLeadership(cluster, 'during', 2),
    };
    paused.child.kill('SIGCONT');
    // It learns its session expired, resigns, and registers again as a broker with a new epoch.
    const rejoined = await eventually(
      () => cluster.zk.getAllBrokerAndEpochsInCluster(),
      (brokers) => brokers.some((b) => b.info.id === old),
      20000,
    );
    expect(rejoined.map((b) => b.info.id).sort()).toEqual([1, 2, 3].filter((id) => !LONG || id !== third));
    await eventually(
      () => request(paused.port, ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false }),
      (m) => m.controllerId === next && (m.brokers as Struct[])?.length === rejoined.length,
    );
    // Nothing it did counted: the controller and its epoch, and every partition's leadership (leader,
    // leader epoch, the controller epoch that wrote it), as before it woke; caught up, it may rejoin ISRs.
    expect(await cluster.zk.getControllerId()).toBe(next);
    expect((await cluster.zk.getControllerEpoch())!.epoch).toBe(nextEpoch);
    expect({
      before: await zkLeadership(cluster, 'before', 3),
      during: await zkLeadership(cluster, 'during', 2),
    }).toEqual(settled);
    await expectAgreement(cluster, { before: 3, during: 2 });

    // Its own account: it resigned the epoch it held once its session was gone, registered
    // again, and never served as controller since.
    paused.child.kill('SIGKILL');
    const { stderr } = await paused.exit;
    expect(stderr).toContain(`Resigned as the controller (epoch ${oldEpoch})`);
    expect(stderr).toContain(`Registered broker ${old} again`);
    expect(stderr.match(/Ready to serve as the new controller/g)).toHaveLength(1);
  }, 90000);

  /** ZooKeeper away for `awayMs` (stopped, or paused when `pause`): brokers serve meanwhile, nothing acknowledged lost. */
  async function zooKeeperAway(pause: boolean, awayMs: number): Promise<void> {
    const cluster = await startCluster();
    await createTopic(cluster, 'served', 3, 1);
    const acknowledged = await produce(cluster, 'served', 'up', 30);
    const registered = await cluster.zk.getAllBrokerAndEpochsInCluster();
    if (pause) await server.pause();
    else await server.stop();
    const awayUntil = Date.now() + awayMs;
    try {
      // Each leader still takes and serves records of its partitions (its metadata cache is its own).
      acknowledged.push(...(await produce(cluster, 'served', 'away', 30)));
      expect(await allValues(cluster, 'served', 3)).toEqual([...acknowledged].sort());
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, awayUntil - Date.now())));
    } finally {
      if (pause) server.resume();
      else await server.start();
    }

    // Back: the three registered, one controller, leaders as before. Whether the sessions
    // expired is ZooKeeper's call: a restarted or resumed server gives each session it
    // restores a full timeout again (SessionTrackerImpl), so a broker that reconnects in
    // time keeps its registration and epoch; one whose session did expire registers again
    // with a new epoch (RegisterBrokerAndReelect).
    const back = await eventually(
      () => cluster.zk.getAllBrokerAndEpochsInCluster(),
      (brokers) => brokers.length === 3,
      SESSION_TIMEOUT_MS + 20000,
    );
    for (const b of back)
      expect(b.epoch).toBeGreaterThanOrEqual(registered.find((r) => r.info.id === b.info.id)!.epoch);
    await controllerId(cluster);
    await expectAgreement(cluster, { served: 3 });
    acknowledged.push(...(await produce(cluster, 'served', 'back', 30)));
    expect(await allValues(cluster, 'served', 3)).toEqual([...acknowledged].sort());
  }

  test('ZooKeeper stopped within its session timeout', () => zooKeeperAway(false, SESSION_TIMEOUT_MS / 3), 60000);
  test('ZooKeeper paused past its session timeout', () => zooKeeperAway(true, SESSION_TIMEOUT_MS + 2000), 60000);
  test.runIf(LONG)(
    'ZooKeeper stopped past its session timeout',
    () => zooKeeperAway(false, SESSION_TIMEOUT_MS + 2000),
    90000,
  );
  test.runIf(LONG)(
    'ZooKeeper paused within its session timeout',
    () => zooKeeperAway(true, SESSION_TIMEOUT_MS / 3),
    90000,
  );

  test(
    'a broker killed and started again with its id rejoins with a new epoch and leads again',
    async () => {
      const cluster = await startCluster();
      await createTopic(cluster, 'kept', 3, 1);
      const acknowledged = await produce(cluster, 'kept', 'first', 30);
      const rounds = LONG ? 3 : 1;
      for (let round = 0; round < rounds; round++) {
        // The long version kills the controller every other round (failover, then the old controller back).
        const controller = await controllerId(cluster);
        const victim = round % 2 === 1 ? controller : [1, 2, 3].find((id) => id !== controller)!;
        const before = (await cluster.zk.getAllBrokerAndEpochsInCluster()).find((b) => b.info.id === victim)!.epoch;
        await kill(cluster, victim);
        // Its registration lives until its session expires: a start before that is refused
        // (KafkaZkClient.CheckedEphemeral: the znode's owner is another session).
        const early = await tributary([
          'serve',
          '--data-dir',
          dataDir(cluster, victim),
          '--port',
          '0',
          ...serveArgs(cluster.connect, victim),
        ]).exit;
        expect(early.code).toBe(1);
        expect(early.stderr).toContain(`Error while creating ephemeral at /brokers/ids/${victim}, node already exists`);
        await sessionGone(cluster, victim);
        cluster.brokers.set(victim, await startBroker(cluster, victim));
        const after = await eventually(
          () => cluster.zk.getAllBrokerAndEpochsInCluster(),
          (brokers) => brokers.some((b) => b.info.id === victim),
        );
        expect(after.find((b) => b.info.id === victim)!.epoch).toBeGreaterThan(before);
        // onBrokerStartup: its offline partitions elected with it as leader again; every broker knows.
        await expectAgreement(cluster, { kept: 3 });
        expect((await partitions(cluster.brokers.get(victim)!.port, 'kept')).some((r) => r[1] === victim)).toBe(true);
        acknowledged.push(...(await produce(cluster, 'kept', `round${round}`, 30)));
        expect(await allValues(cluster, 'kept', 3)).toEqual([...acknowledged].sort());
      }
    },
    LONG ? 120000 : 60000,
  );

  test('a data dir of another cluster is refused before anything is written to ZooKeeper', async () => {
    const cluster = await startCluster();
    const stranger = join(dir, 'stranger');
    const foreign = 'AAAAAAAAAAAAAAAAAAAAAA';
    mkdirSync(stranger);
    writeFileSync(join(stranger, 'meta.properties'), `version=0\nbroker.id=4\ncluster.id=${foreign}\n`);
    const clusterId = await cluster.zk.getClusterId();
    const before = await tree(cluster.zk, '/');
    const run = tributary(['serve', '--data-dir', stranger, '--port', '0', ...serveArgs(cluster.connect, 4)]);
    const exit = await run.exit;
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toContain(
      `Expected ${clusterId}, but read ${foreign}. The broker is trying to join the wrong cluster.`,
    );
    expect(await tree(cluster.zk, '/')).toEqual(before);
  }, 60000);
});

/** Every znode under `path` with its data and modification zxid: a change anywhere changes it. */
async function tree(zk: KafkaZkClient, path: string): Promise<Record<string, string>> {
  const client = zk.zooKeeperClient;
  const node = await client.getData(path);
  const nodes: Record<string, string> = {};
  if (node.code !== 'OK') return nodes;
  nodes[path] = `${node.stat.mzxid}:${Buffer.from(node.data).toString('base64')}`;
  const children = await client.getChildren(path, false);
  if (children.code !== 'OK') return nodes;
  for (const child of children.children)
    Object.assign(nodes, await tree(zk, path === '/' ? `/${child}` : `${path}/${child}`));
  return nodes;
}
