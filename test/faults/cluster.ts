/**
 * The fault harness's cluster: a real ZooKeeper and three real `tributary serve --zookeeper`
 * brokers (the built dist/), each broker in its own network namespace (netns.ts) on port
 * 9092 of its own address, ZooKeeper on the host's bridge. The harness kills, pauses, stops
 * and starts brokers by their process, and reads the cluster's state from ZooKeeper (the
 * controller's partition states) and from the brokers (raw requests from the test's clients'
 * address).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import type { LeaderAndIsr } from '../../src/zk/LeaderAndIsr.js';
import { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { ZooKeeperClient } from '../../src/zk/ZooKeeperClient.js';
import { eventually } from '../helpers/cluster.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { ZooKeeperServer } from '../helpers/zookeeper.js';
import { REPO_ROOT } from '../interop/support.js';
import { BridgedNamespaces } from './netns.js';

const MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');
export const BROKER_IDS = [1, 2, 3] as const;
const PORT = 9092;
export const SESSION_TIMEOUT_MS = 6000;
/** How long a follower may lag before its leader drops it from the ISR (replica.lag.time.max.ms). */
export const REPLICA_LAG_MS = 6000;

/**
 * Kafka's settings for a cluster that must lose nothing: replication factor 3 with
 * min.insync.replicas 2, no unclean election (Kafka's default, written out). Short
 * session and lag timeouts keep a round to seconds.
 */
const SETTINGS = [
  `zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS}`,
  `replica.lag.time.max.ms=${REPLICA_LAG_MS}`,
  'default.replication.factor=3',
  'min.insync.replicas=2',
  'unclean.leader.election.enable=false',
  'auto.create.topics.enable=false',
  // The reader's group id makes librdkafka look its coordinator up: one partition of
  // __consumer_offsets is plenty, fifty would be 150 replicas for two cores to serve.
  'offsets.topic.num.partitions=1',
];

interface RunningBroker {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exit: Promise<void>;
}

/** What the controller wrote for a partition: its leader (-1 for none) and ISR. */
export type PartitionState = Pick<LeaderAndIsr, 'leader' | 'isr'>;

export class FaultCluster {
  private readonly running = new Map<number, RunningBroker>();
  /** The partition count of each topic created. */
  private readonly topics = new Map<string, number>();

  private constructor(
    readonly net: BridgedNamespaces,
    readonly zooKeeper: ZooKeeperServer,
    readonly zk: KafkaZkClient,
    /** The brokers' zookeeper.connect: ZooKeeper's address and the cluster's chroot. */
    readonly connect: string,
    readonly dir: string,
  ) {}

  /** ZooKeeper, then the three brokers, once each is registered. */
  static async start(): Promise<FaultCluster> {
    const net = BridgedNamespaces.create(BROKER_IDS);
    const dir = mkdtempSync(join(tmpdir(), 'tributary-faultharness-'));
    writeFileSync(join(dir, 'server.properties'), `${SETTINGS.join('\n')}\n`);
    let zooKeeper: ZooKeeperServer | undefined;
    try {
      zooKeeper = await ZooKeeperServer.standalone(net.zooKeeperAddress);
      const connect = `${zooKeeper.connectString}/tributary`;
      const zk = new KafkaZkClient(await ZooKeeperClient.connect({ connect }));
      const cluster = new FaultCluster(net, zooKeeper, zk, connect, dir);
      await Promise.all(BROKER_IDS.map((id) => cluster.startBroker(id)));
      return cluster;
    } catch (error) {
      await zooKeeper?.destroy();
      net.destroy();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Every broker's address, as a client's bootstrap list. */
  get bootstrap(): string {
    return BROKER_IDS.map((id) => `${this.net.address(id)}:${PORT}`).join(',');
  }

  dataDir(id: number): string {
    return join(this.dir, `data-${id}`);
  }

  /** Broker `id`'s log (its stderr, every start appended): the first place to look when a round fails. */
  logFile(id: number): string {
    return join(this.dir, `broker-${id}.log`);
  }

  isRunning(id: number): boolean {
    return this.running.has(id);
  }

  /** Serves broker `id` on its data dir inside its namespace; resolves once it listens. */
  async startBroker(id: number): Promise<void> {
    const args = [
      ...['serve', '--data-dir', this.dataDir(id), '--host', this.net.address(id), '--port', String(PORT)],
      ...['--node-id', String(id), '--zookeeper', this.connect],
      ...['--config', join(this.dir, 'server.properties'), '--log-level', 'info'],
    ];
    const [command, ...argv] = [...this.net.exec(id), process.execPath, MAIN, ...args];
    const child = spawn(command!, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.pipe(createWriteStream(this.logFile(id), { flags: 'a' }));
    const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void exit.then(() => this.running.get(id)?.child === child && this.running.delete(id));
    this.running.set(id, { child, exit });
    const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
    if (!String(first.value).includes(`listening on ${this.net.address(id)}:${PORT}`))
      throw new Error(`broker ${id} did not start: ${String(first.value)}\n${this.logTail(id)}`);
    child.stdout.resume();
  }

  private logTail(id: number): string {
    return readFileSync(this.logFile(id), 'utf8').split('\n').slice(-20).join('\n');
  }

  /** Sends `signal` to broker `id` and waits until it exited. */
  async stopBroker(id: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const broker = this.running.get(id);
    if (broker === undefined) return;
    broker.child.kill('SIGCONT');
    broker.child.kill(signal);
    await broker.exit;
  }

  /** SIGSTOP (`true`) or SIGCONT (`false`) to broker `id`. */
  pause(id: number, paused: boolean): void {
    this.running.get(id)?.child.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  /** One request to broker `id` on a fresh connection from the clients' address. */
  async request(id: number, apiKey: number, version: number, body: Struct): Promise<Struct> {
    const client = await RawKafkaClient.connect(PORT, this.net.clientAddress, this.net.address(id));
    try {
      return await client.call(apiKey, version, body);
    } finally {
      client.close();
    }
  }

  /** CreateTopics sent to the controller, each partition on the three brokers. */
  async createTopic(topic: string, partitions: number): Promise<void> {
    const controller = await eventually(
      () => this.zk.getControllerId(),
      (id) => id !== null,
    );
    const created = await this.request(controller!, ApiKey.CreateTopics, 5, {
      topics: [{ name: topic, numPartitions: partitions, replicationFactor: 3, assignments: [], configs: [] }],
      timeoutMs: 15000,
      validateOnly: false,
    });
    const [result] = created.topics as Struct[];
    if (result?.errorCode !== 0) throw new Error(`CreateTopics ${topic}: ${JSON.stringify(result)}`);
    this.topics.set(topic, partitions);
  }

  /** Partitions 0..count-1's leader and ISR as ZooKeeper holds them (the controller's decisions). */
  async partitionStates(topic: string, count: number): Promise<PartitionState[]> {
    const tps = Array.from({ length: count }, (_, partition) => ({ topic, partition }));
    const states = await this.zk.getTopicPartitionStates(tps);
    return states.map((s) => ({ leader: s?.leaderAndIsr.leader ?? -1, isr: s?.leaderAndIsr.isr ?? [] }));
  }

  /** Resolves once broker `id`'s registration is there (`present`) or gone (its session closed or expired). */
  async registered(id: number, present: boolean, timeoutMs = SESSION_TIMEOUT_MS + 20000): Promise<void> {
    await eventually(
      () => this.zk.getSortedBrokerList(),
      (ids) => ids.includes(id) === present,
      timeoutMs,
    );
  }

  /**
   * Waits until the cluster is whole again: every broker registered, each partition of
   * `topic` led and its ISR all three replicas (the controller's view; the brokers' metadata
   * follows it). False if that is not so within `timeoutMs`.
   */
  async whole(topic: string, timeoutMs: number): Promise<boolean> {
    const count = this.topics.get(topic)!;
    const wholeNow = async () => {
      const ids = await this.zk.getSortedBrokerList();
      const states = await this.partitionStates(topic, count);
      return ids.length === BROKER_IDS.length && states.every((s) => s.leader !== -1 && s.isr.length === ids.length);
    };
    return eventually(wholeNow, (ok) => ok, timeoutMs).catch(() => false);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stopBroker(id, 'SIGKILL')));
    await this.zk.zooKeeperClient.close();
    await this.zooKeeper.destroy();
    this.net.destroy();
    if (process.env.FAULTS_KEEP_DIR !== '1') rmSync(this.dir, { recursive: true, force: true });
  }
}
