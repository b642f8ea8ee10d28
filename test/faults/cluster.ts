/**
 * The fault harness's cluster: a real ZooKeeper and three real `tributary serve --zookeeper`
 * brokers (the built dist/) on a network whose links the harness cuts (network.ts: each
 * broker in its own network namespace, or behind TCP proxies). The harness kills, pauses,
 * stops and starts brokers by their process, and reads the cluster's state from ZooKeeper
 * (the controller's partition states) and from the brokers (raw requests, as a client).
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
import { launcherArgs } from '../helpers/nodeLauncher.js';
import { faultNetwork, type FaultNetwork } from './network.js';
import { killedOnExit } from './processes.js';

const MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');
export const BROKER_IDS = [1, 2, 3] as const;
export const SESSION_TIMEOUT_MS = 6000;
/** How long a follower may lag before its leader drops it from the ISR (replica.lag.time.max.ms). */
export const REPLICA_LAG_MS = 6000;
/** How long a broker may take to stop after SIGTERM (Kafka's controlled shutdown retries take seconds). */
const STOP_TIMEOUT_MS = 60000;

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
    readonly net: FaultNetwork,
    readonly zooKeeper: ZooKeeperServer,
    readonly zk: KafkaZkClient,
    /** Each broker's zookeeper.connect: its way to ZooKeeper and the cluster's chroot. */
    private readonly connects: Map<number, string>,
    readonly dir: string,
  ) {}

  /** ZooKeeper, then the three brokers, once each knows the others. */
  static async start(): Promise<FaultCluster> {
    const net = await faultNetwork(BROKER_IDS);
    const dir = mkdtempSync(join(tmpdir(), 'tributary-faultharness-'));
    let zooKeeper: ZooKeeperServer | undefined;
    try {
      zooKeeper = await ZooKeeperServer.standalone(net.zooKeeperHost);
      const zk = new KafkaZkClient(await ZooKeeperClient.connect({ connect: `${zooKeeper.connectString}/tributary` }));
      const connects = new Map<number, string>();
      for (const id of BROKER_IDS) {
        connects.set(id, `${await net.zooKeeperConnect(id, zooKeeper.port)}/tributary`);
        // advertised.listeners when the broker is reached elsewhere than where it listens (a proxy).
        const { host, port } = net.advertised(id);
        const advertised = port === net.listener(id).port ? [] : [`advertised.listeners=PLAINTEXT://${host}:${port}`];
        writeFileSync(join(dir, `server-${id}.properties`), `${[...SETTINGS, ...advertised].join('\n')}\n`);
      }
      const cluster = new FaultCluster(net, zooKeeper, zk, connects, dir);
      await Promise.all(BROKER_IDS.map((id) => cluster.startBroker(id)));
      // Every broker knows the three (the controller's UpdateMetadata came): CreateTopics can place replicas.
      for (const id of BROKER_IDS)
        await eventually(
          () => cluster.request(id, ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false }),
          (m) => (m.brokers as Struct[]).length === BROKER_IDS.length,
        );
      return cluster;
    } catch (error) {
      await zooKeeper?.destroy();
      net.destroy();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Every broker's advertised address, as a client's bootstrap list. */
  get bootstrap(): string {
    return BROKER_IDS.map((id) => `${this.net.advertised(id).host}:${this.net.advertised(id).port}`).join(',');
  }

  dataDir(id: number): string {
    return join(this.dir, `data-${id}`);
  }

  /** Broker `id`'s log (its stderr, every start appended): the first place to look when a round fails. */
  logFile(id: number): string {
    return join(this.dir, `broker-${id}.log`);
  }

  /** Serves broker `id` on its data dir in its place on the network; resolves once it listens. */
  async startBroker(id: number): Promise<void> {
    const { host, port } = this.net.listener(id);
    const args = [
      ...['serve', '--data-dir', this.dataDir(id), '--host', host, '--port', String(port)],
      ...['--node-id', String(id), '--zookeeper', this.connects.get(id)!],
      ...['--config', join(this.dir, `server-${id}.properties`), '--log-level', 'info'],
    ];
    const [command, ...argv] = [...this.net.exec(id), process.execPath, ...launcherArgs(MAIN, args)];
    const child = killedOnExit(spawn(command!, argv, { stdio: ['ignore', 'pipe', 'pipe'] }));
    child.stderr.pipe(createWriteStream(this.logFile(id), { flags: 'a' }));
    const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void exit.then(() => this.running.get(id)?.child === child && this.running.delete(id));
    this.running.set(id, { child, exit });
    const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
    if (!String(first.value).includes(`listening on ${host}:${port}`))
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
    // A controlled shutdown that never ends is a bug to see, not a run to hang: said, then SIGKILL.
    const hung = setTimeout(() => {
      console.log(`broker ${id} still running ${STOP_TIMEOUT_MS} ms after ${signal}: SIGKILL`);
      broker.child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    await broker.exit;
    clearTimeout(hung);
  }

  /** SIGSTOP (`true`) or SIGCONT (`false`) to broker `id`. */
  pause(id: number, paused: boolean): void {
    this.running.get(id)?.child.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  /** One request to broker `id` on a fresh connection from the clients' address. */
  async request(id: number, apiKey: number, version: number, body: Struct): Promise<Struct> {
    const { host, port } = this.net.advertised(id);
    const client = await RawKafkaClient.connect(port, this.net.clientAddress, host);
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
