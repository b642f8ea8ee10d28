/**
 * ZkProducerIdManager against a real ZooKeeper 3.8 (test/helpers/zookeeper.ts), after Kafka's
 * ProducerIdManagerTest: consecutive blocks for two managers (testGetProducerIdZk), the
 * limit (testExceedProducerIdLimitZk), concurrent requests answered or refused with
 * COORDINATOR_LOAD_IN_PROGRESS and never given an id twice (testConcurrentGeneratePidRequests),
 * here across clients racing on the znode's version; a restart past the last block; a
 * malformed znode's typed error; ZooKeeper away and back; a single node's data dir joining a cluster.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { getNewProducerIdBlock, ZkProducerIdManager } from '../../src/broker/ZkProducerIdManager.js';
import { createLogger } from '../../src/broker/Logger.js';
import { isTributaryError } from '../../src/errors.js';
import { ApiKey } from '../../src/protocol/index.js';
import { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { decodeProducerIdBlock, type ProducerIdsBlock } from '../../src/zk/ProducerIdBlockZNode.js';
import { MATCH_ANY_VERSION } from '../../src/zk/ZooKeeperClient.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { refusal, refusalSync } from '../helpers/refusal.js';
import { tempDir } from '../helpers/tmp.js';
import { zkChroots } from '../helpers/zkChroots.js';

const PATH = '/latest_producer_id_block';
const logger = createLogger('silent');
const zookeeper = zkChroots();
const { clients } = zookeeper;
const managers: ZkProducerIdManager[] = [];

// After the helper's: vitest runs a file's afterEach hooks last registered first, so claims end before the sessions.
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.shutdown()));
});

async function start(brokerId: number, zk: KafkaZkClient, firstAtLeast = 0): Promise<ZkProducerIdManager> {
  const manager = await ZkProducerIdManager.start(brokerId, zk, logger, firstAtLeast);
  managers.push(manager);
  return manager;
}

async function latestBlock(zk: KafkaZkClient): Promise<ProducerIdsBlock | null> {
  return decodeProducerIdBlock((await zk.getDataAndVersion(PATH)).data);
}

/** The id generateProducerId gives, or the code it throws. */
function generate(manager: ZkProducerIdManager): number | string {
  try {
    return manager.generateProducerId();
  } catch (error) {
    return isTributaryError(error) ? error.code : String(error);
  }
}

/** `count` ids from the manager, as a client does: COORDINATOR_LOAD_IN_PROGRESS is retried after a while. */
async function take(manager: ZkProducerIdManager, count: number): Promise<number[]> {
  const ids: number[] = [];
  while (ids.length < count) {
    try {
      ids.push(manager.generateProducerId());
    } catch (error) {
      if (!isTributaryError(error, 'ERR_COORDINATOR_LOAD_IN_PROGRESS')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // Other managers' turns between requests, as a broker's event loop serves many connections.
    if (ids.length % 97 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return ids;
}

describe('ZkProducerIdManager', () => {
  test('two managers claim consecutive blocks; a used-up block waits for the next (testGetProducerIdZk)', async () => {
    const [a, b] = await clients(2);
    expect(await latestBlock(a!)).toBeNull();
    const manager1 = await start(0, a!);
    const manager2 = await start(1, b!);
    expect(manager1.generateProducerId()).toBe(0);
    expect(manager2.generateProducerId()).toBe(1000);
    expect(await latestBlock(a!)).toEqual({ assignedBrokerId: 1, firstProducerId: 1000n, lastProducerId: 1999n });
    for (let i = 1; i < 1000; i++) expect(manager1.generateProducerId()).toBe(i);
    // The next block was asked for at 900, and cannot have come within this synchronous loop:
    // RPCProducerIdManager's answer, which the client retries.
    const waiting = refusalSync(() => manager1.generateProducerId());
    expect(waiting).toMatchObject({ code: 'ERR_COORDINATOR_LOAD_IN_PROGRESS' });
    expect(waiting.error!.kafka.name).toBe('COORDINATOR_LOAD_IN_PROGRESS');
    expect(await take(manager1, 1)).toEqual([2000]);
    expect(await latestBlock(b!)).toEqual({ assignedBrokerId: 0, firstProducerId: 2000n, lastProducerId: 2999n });
  });

  test('managers and bare claims racing on one ZooKeeper never share an id', async () => {
    const zks = await clients(4);
    const started = await Promise.all(zks.map((zk, i) => start(i + 1, zk)));
    // Ten claims at once on each client: all read the same znode version, one write wins, the others read again.
    const claims = zks.flatMap((zk, i) => Array.from({ length: 10 }, () => getNewProducerIdBlock(100 + i, zk, logger)));
    const [blocks, taken] = await Promise.all([Promise.all(claims), Promise.all(started.map((m) => take(m, 2500)))]);
    const ids = taken.flat();
    expect(new Set(ids).size).toBe(ids.length);
    // The claimed blocks, whoever claimed them, do not overlap.
    const all = [...blocks].sort((x, y) => Number(x.firstProducerId - y.firstProducerId));
    for (let i = 1; i < all.length; i++) expect(all[i]!.firstProducerId).toBeGreaterThan(all[i - 1]!.lastProducerId);
    // No id a manager handed out lies in a bare claim's block.
    for (const block of all)
      expect(ids.filter((id) => id >= block.firstProducerId && id <= block.lastProducerId)).toEqual([]);
    // Each manager hands out its own blocks in order.
    for (const list of taken) expect(list).toEqual([...list].sort((x, y) => x - y));
  });

  test('a restarted broker continues past the last block, and past a single node data dir reserved', async () => {
    const [a, b] = await clients(2);
    const before = await start(1, a!);
    const handedOut = await take(before, 950); // past the prefetch: a second block claimed
    await before.shutdown();
    const last = await latestBlock(b!);
    expect(last!.lastProducerId).toBe(1999n);
    const after = await start(1, b!);
    expect(after.generateProducerId()).toBe(2000);
    expect(Math.max(...handedOut)).toBeLessThan(2000);
    // A data dir whose producer-id-block file reserved up to 5000: the cluster's next block starts there.
    const joined = await start(2, a!, 5000);
    expect(joined.generateProducerId()).toBe(5000);
    expect((await start(3, b!)).generateProducerId()).toBe(6000);
  });

  test('a malformed znode is a typed error at start and on the request path, until it is mended', async () => {
    const [a, b] = await clients(2);
    const manager = await start(1, a!);
    const corrupt = '{"version":1,"broker":1,"block_start":0,"block_end":999}';
    await b!.zooKeeperClient.setData(PATH, Buffer.from(corrupt), MATCH_ANY_VERSION);
    const refused = await refusal(() => ZkProducerIdManager.start(2, b!, logger));
    expect(refused.code).toBe('ERR_MALFORMED_ZNODE');
    expect(refused.message).toContain(PATH);
    expect(refused.message).toContain(corrupt);
    // The running manager uses up its block; its claim of the next fails on the znode.
    for (let i = 0; i < 1000; i++) manager.generateProducerId();
    await expect.poll(() => generate(manager), { timeout: 5000, interval: 10 }).toBe('ERR_MALFORMED_ZNODE');
    await b!.zooKeeperClient.setData(
      PATH,
      Buffer.from('{"version":1,"broker":2,"block_start":"7000","block_end":"7999"}'),
      MATCH_ANY_VERSION,
    );
    // The requests meanwhile each claim again (after the backoff): the mended znode's next block.
    await expect.poll(() => generate(manager), { timeout: 5000, interval: 10 }).toBe(8000);
  });

  test('a block past the largest id is refused and nothing is written (testExceedProducerIdLimitZk)', async () => {
    const [a] = await clients(1);
    const write = (end: bigint) =>
      a!.zooKeeperClient.setData(
        PATH,
        Buffer.from(`{"version":1,"broker":0,"block_start":"${end - 999n}","block_end":"${end}"}`),
        MATCH_ANY_VERSION,
      );
    // Kafka's case: the last block of Long.MaxValue.
    await write(2n ** 63n - 1n);
    const before = await a!.getDataAndVersion(PATH);
    const refused = await refusal(() => ZkProducerIdManager.start(0, a!, logger));
    expect(refused.code).toBe('ERR_PRODUCER_IDS_EXHAUSTED');
    expect(refused.message).toMatch(/^Have exhausted all producerIds/);
    expect(await a!.getDataAndVersion(PATH)).toEqual(before);
    // Ours are exact up to 2^53 - 1: the block ending there is the last one given.
    await write(2n ** 53n - 1001n);
    const manager = await start(0, a!);
    expect(manager.generateProducerId()).toBe(2 ** 53 - 1000);
    expect((await refusal(() => ZkProducerIdManager.start(1, a!, logger))).code).toBe('ERR_PRODUCER_IDS_EXHAUSTED');
  });

  test('ZooKeeper away: a used-up block is COORDINATOR_LOAD_IN_PROGRESS at once; ids again when it is back', async () => {
    const [a] = await clients(1);
    const manager = await start(1, a!);
    for (let i = 0; i < 899; i++) manager.generateProducerId();
    await zookeeper.server().pause();
    try {
      for (let i = 899; i < 1000; i++) expect(manager.generateProducerId()).toBe(i); // the prefetch waits on ZooKeeper
      const began = Date.now();
      expect(generate(manager)).toBe('ERR_COORDINATOR_LOAD_IN_PROGRESS');
      expect(Date.now() - began).toBeLessThan(100);
    } finally {
      zookeeper.server().resume();
    }
    expect(await take(manager, 1)).toEqual([1000]);
  });

  test("a single node's data dir joining a cluster: the broker's InitProducerId goes past the ids it reserved", async () => {
    const [zk] = await clients(1);
    const dataDir = tempDir();
    const initProducerId = async (broker: Broker) => {
      const client = await RawKafkaClient.connect(broker.port);
      try {
        const body = { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 };
        return (await client.call(ApiKey.InitProducerId, 4, body)).producerId;
      } finally {
        client.close();
      }
    };
    const single = await Broker.start({ dataDir, port: 0, nodeId: 1, logger });
    expect(await initProducerId(single)).toBe(0); // its file reserves 0..999
    await single.close();
    // KafkaServer claims the first block at start, past the file's.
    const zookeeperConnect = zookeeper.connectString();
    const broker = await Broker.start({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      nodeId: 1,
      zookeeper: zookeeperConnect,
      logger,
    });
    try {
      expect(await initProducerId(broker)).toBe(1000);
      expect(await latestBlock(zk!)).toEqual({ assignedBrokerId: 1, firstProducerId: 1000n, lastProducerId: 1999n });
    } finally {
      await broker.close();
    }
  });

  test('a deleted znode is made again, as a broker start makes it', async () => {
    const [a] = await clients(1);
    await a!.zooKeeperClient.delete(PATH, MATCH_ANY_VERSION);
    expect((await start(1, a!)).generateProducerId()).toBe(0);
  });
});
