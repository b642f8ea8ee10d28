/**
 * A cluster for the suites that measure one (cluster, replication): a real ZooKeeper
 * (Debian's, started as the tests start it) and three `tributary serve --zookeeper`
 * processes, with a ZooKeeper client to watch the controller, and the waits that tell when
 * the cluster has settled.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaZkClient } from '../src/zk/KafkaZkClient.js';
import { ZooKeeperClient } from '../src/zk/ZooKeeperClient.js';
import { ZooKeeperServer } from '../test/helpers/zookeeper.js';
import { startClusterBroker, type BrokerProcess } from './brokerProcesses.js';
import type { SuiteContext } from './harness.js';
import { kafkajsFetcher } from './suites/brokerClients.js';

export const NODE_IDS = [1, 2, 3];
/** zookeeper.session.timeout.ms of the cluster's brokers: what a failover after kill -9 waits out. */
export const SESSION_TIMEOUT_MS = 2000;
const SETTLE_TIMEOUT_MS = 30_000;
const POLL_MS = 5;

/** The three brokers, a client of the ZooKeeper they share and what restarting one needs. */
export interface Cluster {
  zk: KafkaZkClient;
  /** zookeeper.connect of the brokers (with their chroot). */
  connect: string;
  /** The brokers' properties file (the session timeout). */
  config: string;
  brokers: Map<number, BrokerProcess>;
}

export async function startCluster(ctx: SuiteContext, stops: (() => Promise<unknown>)[]): Promise<Cluster> {
  const zooKeeper = await ZooKeeperServer.standalone();
  stops.push(() => zooKeeper.destroy());
  // A directory of its own: the cluster and replication suites each start one in the same run.
  const dir = mkdtempSync(join(ctx.tmpDir, 'cluster-'));
  const config = join(dir, 'server.properties');
  writeFileSync(config, `zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS}\n`);
  const connect = `${zooKeeper.connectString}/tributary`;
  const brokers = new Map<number, BrokerProcess>();
  // Stopped through the map: a broker restarted after a failover trial replaces its entry.
  stops.push(async () => Promise.all([...brokers.values()].map((b) => b.stop())));
  const started = await Promise.all(
    NODE_IDS.map((id) => startClusterBroker(join(dir, `data-${id}`), connect, id, config)),
  );
  started.forEach((broker, i) => brokers.set(NODE_IDS[i]!, broker));
  const zk = new KafkaZkClient(await ZooKeeperClient.connect({ connect }));
  stops.push(() => zk.zooKeeperClient.close());
  const cluster = { zk, connect, config, brokers };
  await settled(cluster);
  return cluster;
}

/** `read()` every POLL_MS until it gives a value `ok` accepts (a failed read counts as not yet, its error kept for the timeout's message). */
export async function pollUntil<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let last: unknown;
  for (;;) {
    const value = await read().catch((error: unknown) => void (last = error));
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${SETTLE_TIMEOUT_MS} ms (last: ${String(last ?? JSON.stringify(value))})`, {
        cause: last,
      });
    await sleep(POLL_MS);
  }
}

/** Waits until a controller is elected and every broker's Metadata names it and all three brokers. */
export async function settled(cluster: Cluster): Promise<number> {
  const controller = await pollUntil(
    'a controller',
    () => cluster.zk.getControllerId(),
    (id) => id !== null,
  );
  for (const broker of cluster.brokers.values()) {
    const fetcher = await kafkajsFetcher(broker.port);
    try {
      await pollUntil(
        `${broker.name} knowing the cluster`,
        () => fetcher.metadata([]),
        (m) => m.brokers.length === NODE_IDS.length && m.controllerId === controller,
      );
    } finally {
      await fetcher.disconnect();
    }
  }
  return controller!;
}
