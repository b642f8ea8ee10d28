/**
 * Replication end to end: a real ZooKeeper and three `tributary serve --zookeeper` processes,
 * a topic of replication factor 3. Records kafkajs produces with acks=all reach every
 * replica's log byte for byte (the followers' ReplicaFetcherThreads append the leader's
 * batches as they are, AbstractFetcherThread.processPartitionData), read from the segment
 * files on disk below the leader's high watermark. The leader is killed with SIGKILL: the
 * controller elects a new leader from the ISR (OfflinePartitionLeaderElection), which serves
 * every acknowledged record, and takes more. Before it died, with its followers paused
 * (SIGSTOP), the old leader took ten records with acks=1 that no follower has. Started again
 * on its data directory it becomes a follower: it truncates those by OffsetForLeaderEpoch to
 * where its log agrees with the new leader's (KIP-101/KIP-279), fetches what it missed, and
 * all three logs are the same bytes again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { batchesBelow } from '../../src/record/RecordBatchHeader.js';
import {
  eventually,
  ledPartitions,
  partitionLeaders,
  request,
  serveCluster,
  type ServedCluster,
} from '../helpers/cluster.js';
import { kafkaClient, kafkajsBroker } from '../helpers/kafkajs.js';

const TOPIC = 'replicated';
const SESSION_TIMEOUT_MS = 6000;
let cluster: ServedCluster;
const producers: Producer[] = [];

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS);
}, 60000);

afterAll(async () => {
  await Promise.all(producers.map((p) => p.disconnect()));
  await cluster?.close();
});

const port = (id: number) => cluster.brokers.get(id)!.port;

/** The partition's segment file on broker `id`'s disk (one segment: the topic is small). */
const logBytes = (id: number): Buffer =>
  readFileSync(join(cluster.dataDir(id), `${TOPIC}-0`, '00000000000000000000.log'));

/** ListOffsets LATEST from the leader: its high watermark (Partition.fetchOffsetForTimestamp for a consumer). */
async function highWatermark(leaderPort: number): Promise<number> {
  const response = await request(leaderPort, ApiKey.ListOffsets, 1, {
    replicaId: -1,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
  });
  return ((response.topics as Struct[])[0]!.partitions as Struct[])[0]!.offset as number;
}

/** Once the high watermark is `records` and every replica's log holds the same bytes below it: those bytes. */
async function replicasAgree(ids: number[], leader: number, records: number): Promise<Buffer> {
  let agreed: Buffer = Buffer.alloc(0);
  await eventually(
    async () => {
      const hw = await highWatermark(port(leader));
      const logs = ids.map((id) => batchesBelow(logBytes(id), hw));
      agreed = logs[0]!;
      // What a failure shows: the high watermark and each replica's bytes below it, not the bytes.
      return { hw, sizes: logs.map((l) => l.length), same: logs.every((l) => l.equals(agreed)) };
    },
    ({ hw, same }) => hw === records && same,
  );
  return agreed;
}

/** Produces `count` numbered records from `from`, ten a request, each request acknowledged with acks=all. */
async function produce(bootstrap: number, from: number, count: number): Promise<void> {
  const producer = kafkaClient(bootstrap).producer({ idempotent: true });
  producers.push(producer);
  await producer.connect();
  for (let i = from; i < from + count; i += 10) {
    const messages = Array.from({ length: 10 }, (_, j) => ({ key: `k${i + j}`, value: `record-${i + j}` }));
    await producer.send({ topic: TOPIC, acks: -1, messages });
  }
}

/** Every record of the partition, read by kafkajs from the leader on `leaderPort`. */
async function readAll(leaderPort: number): Promise<string[]> {
  const broker = await kafkajsBroker(leaderPort);
  try {
    const values: string[] = [];
    for (;;) {
      const response = await broker.fetch({
        maxWaitTime: 100,
        topics: [
          { topic: TOPIC, partitions: [{ partition: 0, fetchOffset: String(values.length), maxBytes: 1 << 20 }] },
        ],
      });
      const messages = response.responses[0]!.partitions[0]!.messages;
      if (messages.length === 0) return values;
      for (const m of messages) if (Number(m.offset) === values.length) values.push(String(m.value));
    }
  } finally {
    await broker.disconnect();
  }
}

const numbered = (count: number) => Array.from({ length: count }, (_, i) => `record-${i}`);

test('acks=all records on every replica, through the leader killed and brought back', { timeout: 60000 }, async () => {
  const admin = kafkaClient(port(1)).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }] });
  await admin.disconnect();
  const [leader] = await ledPartitions(port(1), TOPIC, 1);
  const followers = [1, 2, 3].filter((id) => id !== leader);

  await produce(port(leader!), 0, 100);
  const acknowledged = await replicasAgree([1, 2, 3], leader!, 100);
  expect(acknowledged.length).toBeGreaterThan(0);

  // The followers pause; the leader takes ten records with acks=1, which no follower has, and dies.
  for (const id of followers) cluster.brokers.get(id)!.child.kill('SIGSTOP');
  // Past replica.fetch.wait.max.ms (500): the fetches they had waiting at the leader are answered empty.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const unreplicated = kafkaClient(port(leader!)).producer();
  producers.push(unreplicated);
  await unreplicated.connect();
  const lost = Array.from({ length: 10 }, (_, j) => ({ value: `unreplicated-${j}` }));
  await unreplicated.send({ topic: TOPIC, acks: 1, messages: lost });
  expect(logBytes(leader!).length).toBeGreaterThan(acknowledged.length);
  cluster.brokers.get(leader!)!.child.kill('SIGKILL');
  await cluster.brokers.get(leader!)!.exit;
  for (const id of followers) cluster.brokers.get(id)!.child.kill('SIGCONT');

  // A new leader from the ISR, once the dead one's session is gone, with every acknowledged byte.
  const [newLeader] = await eventually(
    () => partitionLeaders(port(followers[0]!), TOPIC),
    ([id]) => id !== undefined && followers.includes(id),
  );
  // Its high watermark is the one it had as a follower (a fetch behind) until the other
  // follower fetches from it (Partition.makeLeader, maybeIncrementLeaderHW): consumers then read all.
  await eventually(
    () => readAll(port(newLeader!)),
    (values) => values.length === 100,
  );
  expect(await readAll(port(newLeader!))).toEqual(numbered(100));
  expect(batchesBelow(logBytes(newLeader!), 100)).toEqual(acknowledged);

  // More records under the new leader epoch, then the old leader back as a follower: its ten
  // records the others never had are cut where its epoch ends at the new leader (KIP-101).
  await produce(port(newLeader!), 100, 50);
  await cluster.start(leader!);
  await replicasAgree([1, 2, 3], newLeader!, 150);
  expect(await readAll(port(newLeader!))).toEqual(numbered(150));
});
