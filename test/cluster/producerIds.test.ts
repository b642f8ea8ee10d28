/**
 * Producer ids per cluster, on three `tributary serve --zookeeper` processes and a real
 * ZooKeeper: each broker claims its blocks of 1000 from /latest_producer_id_block
 * (ZkProducerIdManager.getNewProducerIdBlock), so InitProducerId never gives two producers
 * the same id, whichever broker answers: idempotent producers asking every broker at once,
 * past their first block (the next claimed ahead, or COORDINATOR_LOAD_IN_PROGRESS retried as
 * a client does), and transactional ids at their coordinators, spread over the three
 * (TransactionCoordinator.handleInitProducerId). Before, each broker counted from 0 in its
 * own data directory.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { decodeProducerIdBlock } from '../../src/zk/ProducerIdBlockZNode.js';
import { eventually, request, serveCluster, type ServedCluster } from '../helpers/cluster.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';

const SESSION_TIMEOUT_MS = 6000;
/** Retriable answers of InitProducerId: COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, CONCURRENT_TRANSACTIONS. */
const RETRIABLE = new Set([14, 15, 16, 51]);
/** Idempotent InitProducerIds each broker answers, 8 connections at once: more than one block. */
const CONNECTIONS_PER_BROKER = 8;
const IDEMPOTENT_PER_CONNECTION = 140;
const TRANSACTIONAL_PER_BROKER = 5;
let cluster: ServedCluster;

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS, [
    'transaction.state.log.num.partitions=6',
    'transaction.state.log.replication.factor=1',
  ]);
}, 60000);

afterAll(async () => {
  await cluster?.close();
});

/** InitProducerId v4 on `client` until answered with an id; retriable errors tried again, others fail the test. */
async function initProducerId(client: RawKafkaClient, transactionalId: string | null): Promise<number> {
  for (;;) {
    const body: Struct = { transactionalId, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 };
    const response = await client.call(ApiKey.InitProducerId, 4, body);
    const errorCode = response.errorCode as number;
    if (errorCode === 0) return response.producerId as number;
    if (!RETRIABLE.has(errorCode)) throw new Error(`InitProducerId answered error ${errorCode}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Idempotent producer ids from the broker on `port`, over several connections at once. */
async function idempotentIds(port: number): Promise<number[]> {
  const clients = await Promise.all(Array.from({ length: CONNECTIONS_PER_BROKER }, () => RawKafkaClient.connect(port)));
  try {
    const lists = await Promise.all(
      clients.map(async (client) => {
        const ids: number[] = [];
        for (let i = 0; i < IDEMPOTENT_PER_CONNECTION; i++) ids.push(await initProducerId(client, null));
        return ids;
      }),
    );
    return lists.flat();
  } finally {
    for (const client of clients) client.close();
  }
}

/** Transactional ids, TRANSACTIONAL_PER_BROKER coordinated by each broker (FindCoordinator v3, key type 1). */
async function transactionalIdsByCoordinator(): Promise<Map<number, string[]>> {
  const port = cluster.brokers.get(1)!.port;
  const byCoordinator = new Map<number, string[]>([...cluster.brokers.keys()].map((id) => [id, []]));
  for (let i = 0; [...byCoordinator.values()].some((ids) => ids.length < TRANSACTIONAL_PER_BROKER); i++) {
    const key = `txn-${i}`;
    const found = await eventually(
      () => request(port, ApiKey.FindCoordinator, 3, { key, keyType: 1 }),
      (r) => r.errorCode === 0,
    );
    const ids = byCoordinator.get(found.nodeId as number)!;
    if (ids.length < TRANSACTIONAL_PER_BROKER) ids.push(key);
  }
  return byCoordinator;
}

describe('producer ids in a three-broker cluster', () => {
  test('InitProducerId never gives the same producer id twice across the brokers', async () => {
    const coordinated = await transactionalIdsByCoordinator();
    const idempotent = [...cluster.brokers.entries()].map(async ([id, broker]) => ({
      id,
      ids: await idempotentIds(broker.port),
    }));
    const transactional = [...coordinated.entries()].map(async ([id, keys]) => {
      const client = await RawKafkaClient.connect(cluster.brokers.get(id)!.port);
      try {
        const ids: number[] = [];
        for (const key of keys) ids.push(await initProducerId(client, key));
        return { id, ids };
      } finally {
        client.close();
      }
    });
    const answered = await Promise.all([...idempotent, ...transactional]);
    const all = answered.flatMap((a) => a.ids);
    expect(all.length).toBe(3 * (CONNECTIONS_PER_BROKER * IDEMPOTENT_PER_CONNECTION + TRANSACTIONAL_PER_BROKER));
    expect(new Set(all).size).toBe(all.length);
    // Each block of 1000 ids was handed out by one broker, and each broker went past its first.
    const brokersOfBlock = new Map<number, Set<number>>();
    for (const { id, ids } of answered)
      for (const producerId of ids) {
        const block = Math.floor(producerId / 1000);
        brokersOfBlock.set(block, (brokersOfBlock.get(block) ?? new Set()).add(id));
      }
    for (const [block, brokers] of brokersOfBlock) expect([block, brokers.size]).toEqual([block, 1]);
    for (const id of cluster.brokers.keys())
      expect([...brokersOfBlock.values()].filter((b) => b.has(id)).length).toBeGreaterThan(1);
    // The znode names the last block claimed, past every id answered.
    const latest = decodeProducerIdBlock((await cluster.zk.getDataAndVersion('/latest_producer_id_block')).data);
    expect(latest!.lastProducerId).toBeGreaterThanOrEqual(BigInt(Math.max(...all)));
  }, 60000);
});
