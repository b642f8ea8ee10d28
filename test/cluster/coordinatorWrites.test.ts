/**
 * What a coordinator acknowledges survives its leader's death, because it answers only once
 * every in-sync replica has the write: Kafka's GroupMetadataManager.storeOffsets appends an
 * offset commit through appendForGroup with `requiredAcks = config.offsetCommitRequiredAcks`
 * (-1) and `timeout = config.offsetCommitTimeoutMs`, so ReplicaManager.appendRecords answers
 * from a DelayedProduce once the high watermark passes the record (Kafka 3.8).
 *
 * Three `tributary serve --zookeeper` processes, `__consumer_offsets` with three replicas. The
 * followers fetch as Kafka's replica fetchers do, each fetch held at the leader until a
 * megabyte is there or replica.fetch.wait.max.ms passed: a small record reaches them up to
 * that long after the leader wrote it. An offset commit answered, its coordinator is killed
 * with SIGKILL at once; the partition's new leader, one of the followers, loads the group from
 * its own log and must answer with the commit. Were the commit answered after the leader's own
 * write, no follower would have it yet.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import {
  committedOffset,
  eventually,
  findCoordinator,
  keyNotCoordinatedBy,
  request,
  serveCluster,
  settledController,
  type ServedCluster,
} from '../helpers/cluster.js';
import { kafkaClient } from '../helpers/kafkajs.js';

const SESSION_TIMEOUT_MS = 4000;
const TOPIC = 'consumed';
const COMMITTED_OFFSET = 42;
let cluster: ServedCluster;

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS, [
    'offsets.topic.num.partitions=3',
    'offsets.topic.replication.factor=3',
    // A follower's fetch returns after two seconds unless a megabyte is there: well within
    // offsets.commit.timeout.ms (5000) for the commit, far longer than a kill after its answer.
    'replica.fetch.min.bytes=1048576',
    'replica.fetch.wait.max.ms=2000',
  ]);
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

/** OffsetCommit v2 of `offset` for TOPIC-0 outside any generation (a standalone commit): its error code. */
async function commit(port: number, groupId: string, offset: number): Promise<number> {
  const response = await request(port, ApiKey.OffsetCommit, 2, {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    retentionTimeMs: -1,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: '' }] }],
  });
  return ((response.topics as Struct[])[0]!.partitions as Struct[])[0]!.errorCode as number;
}

test('an offset commit answered by the coordinator is on its new leader after the old one is killed at once', async () => {
  // The controller stays up: the kill is the coordinator's alone, its failover one election.
  const controller = await settledController(cluster);
  const port = cluster.brokers.get(controller)!.port;
  const admin = kafkaClient(port).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }] });
  await admin.disconnect();
  const [groupId, coordinator] = await keyNotCoordinatedBy(port, controller, 'durable', 0);

  const victim = cluster.brokers.get(coordinator)!;
  expect(await commit(victim.port, groupId, COMMITTED_OFFSET)).toBe(0);
  victim.child.kill('SIGKILL');
  await victim.exit;
  cluster.brokers.delete(coordinator);

  const [, next] = await eventually(
    () => findCoordinator(port, groupId, 0),
    ([error, node]) => error === 0 && node !== coordinator,
    SESSION_TIMEOUT_MS + 15_000,
  );
  // COORDINATOR_LOAD_IN_PROGRESS (14) while the new leader reads its log.
  const [offset] = await eventually(
    () => committedOffset(cluster.brokers.get(next)!.port, groupId, TOPIC, 0),
    ([, error]) => error === 0,
  );
  expect(offset).toBe(COMMITTED_OFFSET);
}, 30_000);
