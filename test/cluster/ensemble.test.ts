/**
 * Three `tributary serve --zookeeper` processes on a 3-node ZooKeeper ensemble, given the
 * three hosts and a chroot (`h1:p1,h2:p2,h3:p3/tributary`, Kafka's zookeeper.connect). One
 * ZooKeeper server is killed with SIGKILL, a follower first, then (the follower back) the
 * leader: the two left keep a quorum (and elect a leader among them), the brokers connected
 * to the dead one move to another (ZooKeeperClient's reconnection, within the session
 * timeout, so no broker's session expires), and meanwhile the brokers keep serving: records
 * are produced and acknowledged, a topic is created through the controller. After each
 * round every acknowledged record is there, and the three brokers are still registered.
 * The records go through the CLI's produce and consume (each partition to its leader).
 * TRIBUTARY_STRESS=1 (`npm run test:cluster`) runs three rounds instead of one.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tributary } from '../helpers/cli.js';
import { eventually, ledPartitions, serveBrokers, settledController, type ServedBrokers } from '../helpers/cluster.js';
import { fourLetterWord, ZooKeeperEnsemble, type ZooKeeperServer } from '../helpers/zookeeper.js';

const LONG = process.env.TRIBUTARY_STRESS === '1';
const SESSION_TIMEOUT_MS = 10_000;
const PARTITIONS = 6;
const TOPIC = 'kept';

let ensemble: ZooKeeperEnsemble;
let cluster: ServedBrokers;
let bootstrap: string[];

beforeAll(async () => {
  ensemble = await ZooKeeperEnsemble.start();
  cluster = await serveBrokers(3, `${ensemble.connectString}/tributary`, SESSION_TIMEOUT_MS);
  await settledController(cluster);
  bootstrap = ['--bootstrap', `127.0.0.1:${cluster.brokers.get(1)!.port}`];
}, 90_000);

afterAll(async () => {
  await cluster?.close();
  await ensemble?.destroy();
});

/** The ensemble's server in `mode` (`srvr`: leader or follower), once there is one. */
async function serverIn(mode: 'leader' | 'follower'): Promise<ZooKeeperServer> {
  const modes = await eventually(
    () => Promise.all(ensemble.servers.map((server) => fourLetterWord(server.port, 'srvr'))),
    (answers) => answers.some((answer) => answer.includes(`Mode: ${mode}`)),
  );
  return ensemble.servers[modes.findIndex((answer) => answer.includes(`Mode: ${mode}`))]!;
}

/** `tributary ...args` exits 0; its stdout. */
async function ok(args: string[], stdin?: string): Promise<string> {
  const exit = await tributary(args, stdin === undefined ? {} : { stdin }).exit;
  expect(exit.code, `${args.join(' ')}: ${exit.stderr}`).toBe(0);
  return exit.stdout;
}

/** Creates `topic` through the controller (topics create), retried while the ensemble has no quorum yet; once every partition is led. */
async function createTopic(topic: string): Promise<void> {
  await eventually(
    () => tributary(['topics', 'create', topic, '--partitions', String(PARTITIONS), ...bootstrap]).exit,
    (exit) => exit.code === 0 || exit.stderr.includes('TOPIC_ALREADY_EXISTS'),
    SESSION_TIMEOUT_MS,
  );
  await ledPartitions(cluster.brokers.get(1)!.port, topic, PARTITIONS);
}

/** Produces `prefix-0`..`prefix-29`; resolves with the values acknowledged (every one, or the run fails). */
async function produce(prefix: string): Promise<string[]> {
  const values = Array.from({ length: 30 }, (_, i) => `${prefix}-${i}`);
  const acknowledged = (await ok(['produce', TOPIC, ...bootstrap, '--json'], values.map((v) => `${v}\n`).join('')))
    .split('\n')
    .filter((line) => line !== '');
  expect(acknowledged).toHaveLength(values.length);
  return values;
}

async function storedValues(): Promise<string[]> {
  const lines = (await ok(['consume', TOPIC, ...bootstrap, '--format', 'json'])).split('\n').filter((l) => l !== '');
  return lines.map((line) => (JSON.parse(line) as { value: string }).value).sort();
}

/** kill -9 of the ensemble's server in `mode`; while it is down, produce and create a topic; then start it again. */
async function killAndServe(mode: 'leader' | 'follower', round: number, acknowledged: string[]): Promise<void> {
  const victim = await serverIn(mode);
  await victim.kill();
  acknowledged.push(...(await produce(`${mode}-down-${round}`)));
  await createTopic(`${mode}-down-${round}`);
  expect(await storedValues()).toEqual([...acknowledged].sort());
  await victim.start();
}

/** Each registered broker's epoch (the czxid of /brokers/ids/<id>: a new session registers anew). */
async function brokerEpochs(): Promise<[number, number][]> {
  const registered = await cluster.zk.getAllBrokerAndEpochsInCluster();
  return registered.map(({ info, epoch }) => [info.id, epoch] as [number, number]).sort((a, b) => a[0] - b[0]);
}

describe('brokers on a 3-node ZooKeeper ensemble', () => {
  test('kill -9 a ZooKeeper follower, then the leader: brokers keep serving, topics are created, nothing acknowledged is lost', async () => {
    const epochs = await brokerEpochs();
    expect(epochs.map(([id]) => id)).toEqual([1, 2, 3]);
    await createTopic(TOPIC);
    const acknowledged = await produce('before');
    for (let round = 0; round < (LONG ? 3 : 1); round++) {
      await killAndServe('follower', round, acknowledged);
      await killAndServe('leader', round, acknowledged);
    }
    acknowledged.push(...(await produce('after')));
    expect(await storedValues()).toEqual([...acknowledged].sort());
    // No broker lost its session: the three are registered as they were, at the same epochs.
    expect(await brokerEpochs()).toEqual(epochs);
  }, 120_000);
});
