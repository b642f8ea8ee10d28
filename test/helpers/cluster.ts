/** Helpers of the cluster tests: polling until a condition holds, one raw request to a broker, a served cluster. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Struct } from '../../src/protocol/index.js';
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

/** A ZooKeeper server and `tributary serve --zookeeper` processes on it, ids 1..n. */
export interface ServedCluster {
  readonly server: ZooKeeperServer;
  readonly brokers: Map<number, ServedBroker>;
  /** A client of the cluster's chroot, as an operator's tool would be. */
  readonly zk: KafkaZkClient;
  /** Starts broker `id` (again) on its data directory, with the others' settings; `brokers` holds it. */
  start(id: number): Promise<ServedBroker>;
  close(): Promise<void>;
}

/**
 * Starts ZooKeeper and `count` broker processes with this session timeout and any other
 * `settings` (server.properties lines) in their --config. The data
 * directories are not tempDir()'s, whose cleanup after each test would take them from the
 * running brokers; close() removes them (and the CLI helper SIGKILLs the processes after
 * each test, so a test file using this runs one test).
 */
export async function serveCluster(
  count: number,
  sessionTimeoutMs: number,
  settings: readonly string[] = [],
): Promise<ServedCluster> {
  const server = await ZooKeeperServer.standalone();
  const dir = mkdtempSync(join(tmpdir(), 'tributary-cluster-'));
  const config = join(dir, 'server.properties');
  writeFileSync(config, [`zookeeper.session.timeout.ms=${sessionTimeoutMs}`, ...settings, ''].join('\n'));
  const connect = `${server.connectString}/tributary`;
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
  const started = await Promise.all(ids.map((id) => serve(join(dir, `data-${id}`), args(id))));
  const brokers = new Map(started.map((b, i) => [i + 1, b]));
  const zk = new KafkaZkClient(await ZooKeeperClient.connect({ connect }));
  return {
    server,
    brokers,
    zk,
    async start(id) {
      const broker = await serve(join(dir, `data-${id}`), args(id));
      brokers.set(id, broker);
      return broker;
    },
    async close() {
      for (const broker of brokers.values()) broker.child.kill('SIGKILL');
      await Promise.all([...brokers.values()].map((b) => b.exit));
      await zk.zooKeeperClient.close();
      await server.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
