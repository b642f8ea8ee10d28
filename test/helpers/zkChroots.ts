/**
 * One standalone ZooKeeper for a test file (started before its tests, destroyed after) and
 * KafkaZkClients in a fresh chroot for each test, as that test's own cluster.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { ZooKeeperClient } from '../../src/zk/ZooKeeperClient.js';
import { ZooKeeperServer } from './zookeeper.js';

export interface ZkChroots {
  /** The file's server. */
  server(): ZooKeeperServer;
  /** `n` clients of a fresh chroot, its top-level paths made as a broker's start makes them; closed after the test. */
  clients(n?: number): Promise<KafkaZkClient[]>;
  /** The connect string (with its chroot) of the clients last made, for a broker to join them. */
  connectString(): string;
}

/** Registers the file's hooks: call it at the top of a test file. */
export function zkChroots(): ZkChroots {
  let server: ZooKeeperServer | undefined;
  const opened: ZooKeeperClient[] = [];
  let chroot = 0;
  let connect = '';
  beforeAll(async () => {
    server = await ZooKeeperServer.standalone();
  });
  afterAll(async () => {
    await server?.destroy();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });
  return {
    server: () => server!,
    connectString: () => connect,
    async clients(n = 1) {
      connect = `${server!.connectString}/c${++chroot}`;
      const out: KafkaZkClient[] = [];
      for (let i = 0; i < n; i++) {
        const client = await ZooKeeperClient.connect({ connect, sessionTimeoutMs: 6000 });
        opened.push(client);
        out.push(new KafkaZkClient(client));
      }
      await out[0]!.createTopLevelPaths();
      return out;
    },
  };
}
