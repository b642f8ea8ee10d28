/** Helpers of the cluster tests: polling until a condition holds, one raw request to a broker, a served cluster. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { ZooKeeperClient } from '../../src/zk/ZooKeeperClient.js';
import { serve, type ServedBroker } from './cli.js';
import { RawKafkaClient } from './rawKafkaClient.js';
import { ZooKeeperServer } from './zookeeper.js';

/**
 * `read()` again every 100 ms until `ok` holds of its value; fails past `timeoutMs`. A failed
 * read counts as not yet and is not handed to `ok` (which would take an error for a value).
 */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await read().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if ('value' in last && ok(last.value)) return last.value;
    if (Date.now() > deadline)
      throw new Error(`not reached in time: ${'value' in last ? JSON.stringify(last.value) : String(last.error)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One request on a fresh connection to 127.0.0.1:port, and its response body. */
export async function request(port: number, apiKey: number, version: number, body: Struct): Promise<Struct> {
  const client = await RawKafkaClient.connect(port);
  try {
    return await client.call(apiKey, version, body);
  } finally {
    client.close();
  }
}

/** Each partition's leader (-1 for none) as Metadata v9 from the broker on `port` tells it, by partition index. */
export async function partitionLeaders(port: number, topic: string): Promise<number[]> {
  const response = await request(port, ApiKey.Metadata, 9, {
    topics: [{ name: topic }],
    allowAutoTopicCreation: false,
  });
  const [found] = response.topics as Struct[];
  const leaders: number[] = [];
  for (const p of found!.partitions as Struct[]) leaders[p.partitionIndex as number] = p.leaderId as number;
  return leaders;
}

/** The leaders of `topic`'s `count` partitions once every one is led (Metadata from the broker on `port`). */
export function ledPartitions(port: number, topic: string, count: number): Promise<number[]> {
  return eventually(
    () => partitionLeaders(port, topic),
    (leaders) => leaders.length === count && !leaders.includes(-1),
  );
}

/** The controller once every broker names the same one and lists all of them (their UpdateMetadata arrived). */
export async function settledController(served: ServedBrokers): Promise<number> {
  const controller = (await eventually(
    () => served.zk.getControllerId(),
    (id) => id !== null,
  ))!;
  for (const { port } of served.brokers.values())
    await eventually(
      () => request(port, ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false }),
      (m) => (m.brokers as Struct[])?.length === served.brokers.size && m.controllerId === controller,
    );
  return controller;
}

/**
 * A broker that is not the settled controller, as a bootstrap that makes a client find the
 * controller, the leaders and the coordinators through Metadata: [its id, the controller's].
 */
export async function nonControllerBroker(served: ServedBrokers): Promise<[number, number]> {
  const controller = await settledController(served);
  return [[...served.brokers.keys()].find((id) => id !== controller)!, controller];
}

/**
 * OffsetFetch v1 of one partition from the broker on `port`: [committed offset, error code]
 * (COORDINATOR_LOAD_IN_PROGRESS, 14, while it loads the group).
 */
export async function committedOffset(
  port: number,
  groupId: string,
  topic: string,
  partition: number,
): Promise<[number, number]> {
  const response = await request(port, ApiKey.OffsetFetch, 1, {
    groupId,
    topics: [{ name: topic, partitionIndexes: [partition] }],
  });
  const [found] = (response.topics as Struct[])[0]!.partitions as Struct[];
  return [found!.committedOffset as number, found!.errorCode as number];
}

/** FindCoordinator v3 for one key (key type 0 a group, 1 a transactional id): [error code, node id]. */
export async function findCoordinator(port: number, key: string, keyType: number): Promise<[number, number]> {
  const r = await request(port, ApiKey.FindCoordinator, 3, { key, keyType });
  return [r.errorCode as number, r.nodeId as number];
}

/**
 * `prefix-0`, `prefix-1`... the first key whose coordinator (once elected, as the broker on
 * `port` answers) is not broker `notNode`: [key, its coordinator].
 */
export async function keyNotCoordinatedBy(
  port: number,
  notNode: number,
  prefix: string,
  keyType: number,
): Promise<[string, number]> {
  for (let i = 0; ; i++) {
    const key = `${prefix}-${i}`;
    const [, node] = await eventually(
      () => findCoordinator(port, key, keyType),
      ([error]) => error === 0,
    );
    if (node !== notNode) return [key, node];
  }
}

/** `tributary serve --zookeeper` processes, ids 1..n, on one ZooKeeper (a server or an ensemble). */
export interface ServedBrokers {
  /** The connect string the brokers were given (hosts and chroot). */
  readonly connect: string;
  readonly brokers: Map<number, ServedBroker>;
  /** A client of the cluster's chroot, as an operator's tool would be. */
  readonly zk: KafkaZkClient;
  /**
   * Stops broker `id` with SIGTERM (it closes its session, so its registration goes at once),
   * runs `meanwhile`, then serves it again on its data dir (on a new port).
   */
  restart(id: number, meanwhile?: () => Promise<void>): Promise<ServedBroker>;
  /** Starts broker `id` (again) on its data directory, with the others' settings; `brokers` holds it. */
  start(id: number): Promise<ServedBroker>;
  /** Broker `id`'s data directory, to read its logs as they are on disk. */
  dataDir(id: number): string;
  close(): Promise<void>;
}

/** A ZooKeeper server of its own and `tributary serve --zookeeper` processes on it. */
export interface ServedCluster extends ServedBrokers {
  readonly server: ZooKeeperServer;
}

/**
 * Starts `count` broker processes on ZooKeeper `connect` (hosts and chroot) with this session
 * timeout and any other `settings` (server.properties lines) in their --config. The data
 * directories are not tempDir()'s, whose cleanup after each test would take them from the
 * running brokers; the processes live past the test that started them (several tests of a
 * file share them) until close(), which removes the directories.
 */
export async function serveBrokers(
  count: number,
  connect: string,
  sessionTimeoutMs: number,
  settings: readonly string[] = [],
): Promise<ServedBrokers> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-cluster-'));
  const config = join(dir, 'server.properties');
  writeFileSync(config, [`zookeeper.session.timeout.ms=${sessionTimeoutMs}`, ...settings, ''].join('\n'));
  const args = (id: number) => [
    '--zookeeper',
    connect,
    '--node-id',
    String(id),
    '--host',
    '127.0.0.1',
    '--config',
    config,
  ];
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  const started = await Promise.all(ids.map((id) => serve(join(dir, `data-${id}`), args(id), { keep: true })));
  const brokers = new Map(started.map((b, i) => [i + 1, b]));
  const zk = new KafkaZkClient(await ZooKeeperClient.connect({ connect }));
  const start = async (id: number): Promise<ServedBroker> => {
    const broker = await serve(join(dir, `data-${id}`), args(id));
    brokers.set(id, broker);
    return broker;
  };
  return {
    connect,
    brokers,
    zk,
    start,
    dataDir: (id) => join(dir, `data-${id}`),
    async restart(id, meanwhile) {
      const stopped = brokers.get(id)!;
      stopped.child.kill('SIGTERM');
      await stopped.exit;
      await meanwhile?.();
      return start(id);
    },
    async close() {
      for (const broker of brokers.values()) broker.child.kill('SIGKILL');
      await Promise.all([...brokers.values()].map((b) => b.exit));
      await zk.zooKeeperClient.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A standalone ZooKeeper server and `count` brokers on it (serveBrokers), all gone on close(). */
export async function serveCluster(
  count: number,
  sessionTimeoutMs: number,
  settings: readonly string[] = [],
): Promise<ServedCluster> {
  const server = await ZooKeeperServer.standalone();
  const served = await serveBrokers(count, `${server.connectString}/tributary`, sessionTimeoutMs, settings);
  return {
    ...served,
    server,
    async close() {
      await served.close();
      await server.destroy();
    },
  };
}
