/**
 * The follower's fetcher (Kafka's AbstractFetcherThread / ReplicaFetcherThread) against a
 * leader whose log is a real engine partition, served over a socket by a scripted front
 * (Fetch read to the log end, OffsetForLeaderEpoch from its epoch cache, ListOffsets), so
 * each of Kafka's rules can be met on purpose: a follower whose last epoch diverged is cut
 * where the leader's epoch ends (KIP-101/KIP-279) and then holds the leader's bytes; one with
 * no epochs is cut to its high watermark; OFFSET_OUT_OF_RANGE below the leader's start starts
 * the log over there (fetchOffsetAndTruncate); FENCED_LEADER_EPOCH fails the partition until
 * it is added again; an unanswered fetch costs the connection, and the next one goes on.
 */
import { afterEach, expect, test } from 'vitest';
import { createLogger } from '../../src/broker/Logger.js';
import type { ReplicaFetcherSettings } from '../../src/broker/RemoteLeaderEndPoint.js';
import { RemoteLeaderEndPoint } from '../../src/broker/RemoteLeaderEndPoint.js';
import { ReplicaFetcherThread } from '../../src/broker/ReplicaFetcherThread.js';
import { Engine } from '../../src/engine/Engine.js';
import type { Partition } from '../../src/engine/Partition.js';
import { isTributaryError, KafkaErrors } from '../../src/errors.js';
import {
  ApiKey,
  encodeResponse,
  type DecodedRequest,
  type RequestHeader,
  type RequestOf,
} from '../../src/protocol/index.js';
import { Fetch } from '../../src/protocol/messages/Fetch.js';
import { ListOffsets } from '../../src/protocol/messages/ListOffsets.js';
import { OffsetForLeaderEpoch } from '../../src/protocol/messages/OffsetForLeaderEpoch.js';
import { sampleBatch } from '../helpers/batches.js';
import { eventually } from '../helpers/cluster.js';
import { hostileBroker, type Behaviour } from '../helpers/hostileBroker.js';
import { tempDir } from '../helpers/tmp.js';

const TOPIC = 't';
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const settings: ReplicaFetcherSettings = {
  brokerId: 2,
  fetchWaitMaxMs: 100,
  fetchMinBytes: 1,
  fetchResponseMaxBytes: 10 << 20,
  fetchMaxBytes: 1 << 20,
  fetchBackoffMs: 50,
  socketTimeoutMs: 300,
};

async function partitionIn(): Promise<Partition> {
  const engine = await Engine.open({ dataDir: tempDir(), retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 });
  closers.push(() => engine.close());
  engine.createTopic(TOPIC, { partitions: 1 });
  return engine.partition(TOPIC, 0);
}

/** Appends sample batches `seeds` as leader at `epoch`. */
async function appendAt(partition: Partition, epoch: number, seeds: number[]): Promise<void> {
  for (const seed of seeds) await partition.append(sampleBatch(seed), { leaderEpoch: epoch });
}

/** The whole log's bytes, read to its end. */
const bytesOf = (p: Partition): Buffer => p.peek(p.logStartOffset, 1 << 24, { isolation: 'log_end' }).records;

interface Leader {
  readonly port: number;
  /** Fetch requests answered so far. */
  fetches: number;
  /** The error every Fetch gets instead of data, when set. */
  fetchError: number;
  /** Each request by API key, in order. */
  readonly keys: number[];
}

/** A leader broker over `log`: the answers Kafka's leader gives a follower (replica id 2). */
async function leaderServing(
  log: Partition,
  script: (connection: number) => Behaviour = () => 'answer',
): Promise<Leader> {
  const leader = { port: 0, fetches: 0, fetchError: 0, keys: [] as number[] };
  const respond = (request: DecodedRequest, header: RequestHeader): Buffer[] => {
    leader.keys.push(header.apiKey);
    if (header.apiKey === ApiKey.OffsetForLeaderEpoch) {
      const body = request.body as RequestOf<typeof OffsetForLeaderEpoch>;
      const topics = body.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => ({
          errorCode: 0,
          partition: p.partition,
          ...log.endOffsetForEpoch(p.leaderEpoch),
        })),
      }));
      return encodeResponse(OffsetForLeaderEpoch, header, { throttleTimeMs: 0, topics });
    }
    if (header.apiKey === ApiKey.ListOffsets) {
      const body = request.body as RequestOf<typeof ListOffsets>;
      const p = body.topics[0]!.partitions[0]!;
      const offset = p.timestamp === -2 ? log.logStartOffset : log.logEndOffset;
      const partitions = [
        { partitionIndex: 0, errorCode: 0, oldStyleOffsets: [], timestamp: -1, offset, leaderEpoch: 0 },
      ];
      return encodeResponse(ListOffsets, header, { throttleTimeMs: 0, topics: [{ name: TOPIC, partitions }] });
    }
    leader.fetches++;
    const body = request.body as RequestOf<typeof Fetch>;
    const asked = body.topics[0]!.partitions[0]!;
    const outOfRange = asked.fetchOffset < log.logStartOffset || asked.fetchOffset > log.logEndOffset;
    const errorCode = leader.fetchError || (outOfRange ? KafkaErrors.OFFSET_OUT_OF_RANGE.code : 0);
    const records =
      errorCode === 0 ? log.peek(asked.fetchOffset, asked.partitionMaxBytes, { isolation: 'log_end' }).records : null;
    const data = {
      partitionIndex: 0,
      errorCode,
      highWatermark: log.highWatermark,
      lastStableOffset: log.lastStableOffset,
      logStartOffset: log.logStartOffset,
      abortedTransactions: null,
      preferredReadReplica: -1,
      records,
    };
    return encodeResponse(Fetch, header, {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [{ topic: TOPIC, partitions: [data] }],
    });
  };
  // An answer delayed past the test's end meets a closed log (ERR_LOG_CLOSED): none is sent.
  const answer = (request: DecodedRequest, header: RequestHeader): Buffer[] => {
    try {
      return respond(request, header);
    } catch (error) {
      if (isTributaryError(error, 'ERR_LOG_CLOSED')) return [];
      throw error;
    }
  };
  const broker = await hostileBroker(script, answer, 20);
  closers.push(() => broker.close());
  leader.port = broker.port;
  return leader;
}

/** A fetcher of broker 2 following partition t-0 of `leader` at `leaderEpoch`, from `follower`'s high watermark. */
function follow(
  leader: Leader,
  follower: Partition,
  leaderEpoch: number,
): { fetcher: ReplicaFetcherThread; failed: Set<string> } {
  const failed = new Set<string>();
  const endpoint = new RemoteLeaderEndPoint({ id: 1, host: '127.0.0.1', port: leader.port }, settings);
  const fetcher = new ReplicaFetcherThread(endpoint, settings, () => follower, failed, createLogger('silent'));
  closers.push(() => fetcher.shutdown());
  follower.hwFollowsLogEnd = false;
  fetcher.addPartitions([
    { topic: TOPIC, partition: 0, currentLeaderEpoch: leaderEpoch, initOffset: follower.highWatermark },
  ]);
  fetcher.start();
  return { fetcher, failed };
}

test("a diverged follower is cut where its epoch ends at the leader, then holds the leader's bytes and high watermark", async () => {
  const log = await partitionIn();
  await appendAt(log, 0, [1, 2]);
  await appendAt(log, 2, [3]);
  const follower = await partitionIn();
  await appendAt(follower, 0, [1, 2]);
  // Written as leader at epoch 1 and never replicated: the new leader (epoch 2) does not have it.
  await appendAt(follower, 1, [9, 9]);
  follower.hwFollowsLogEnd = false;
  follower.updateHighWatermark(3);
  const leader = await leaderServing(log);

  const { fetcher } = follow(leader, follower, 2);
  await eventually(
    async () => follower.logEndOffset,
    () => bytesOf(follower).equals(bytesOf(log)),
  );
  expect(leader.keys[0]).toBe(ApiKey.OffsetForLeaderEpoch);
  expect(follower.latestEpoch).toBe(2);
  expect(follower.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 6 });
  await eventually(
    async () => follower.highWatermark,
    (hw) => hw === 9,
  );

  // New records at the leader follow, byte for byte.
  await appendAt(log, 2, [4]);
  await eventually(
    async () => follower.logEndOffset,
    (end) => end === 12 && bytesOf(follower).equals(bytesOf(log)),
  );
  // Caught up: no lag behind the leader's high watermark (FetcherLagMetrics, the metrics' source).
  await eventually(
    async () => [...fetcher.fetchStates()].map((s) => [s.fetchOffset, s.lag]),
    (states) => JSON.stringify(states) === '[[12,0]]',
  );
});

test("with no epochs the follower keeps what its high watermark covers; below the leader's start it starts over there", async () => {
  const log = await partitionIn();
  await appendAt(log, 0, [1, 2, 3]);
  log.deleteRecordsBefore(6);
  const follower = await partitionIn();
  const leader = await leaderServing(log);

  follow(leader, follower, 0);
  await eventually(
    async () => follower.logEndOffset,
    (end) => end === 9,
  );
  expect(follower.logStartOffset).toBe(6);
  expect(bytesOf(follower).equals(bytesOf(log))).toBe(true);
  // Truncated to the high watermark (0), fetched 0: out of range, so ListOffsets latest then earliest.
  expect(leader.keys.slice(0, 4)).toEqual([ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.ListOffsets, ApiKey.Fetch]);
});

test('FENCED_LEADER_EPOCH at the epoch followed fails the partition until it is added again', async () => {
  const log = await partitionIn();
  await appendAt(log, 0, [1]);
  const follower = await partitionIn();
  const leader = await leaderServing(log);
  leader.fetchError = KafkaErrors.FENCED_LEADER_EPOCH.code;

  const { fetcher, failed } = follow(leader, follower, 0);
  await eventually(
    async () => failed.has(`${TOPIC}-0`),
    (isFailed) => isFailed,
  );
  expect(fetcher.partitionCount).toBe(0);
  const fetches = leader.fetches;
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(leader.fetches).toBe(fetches);

  leader.fetchError = 0;
  fetcher.addPartitions([{ topic: TOPIC, partition: 0, currentLeaderEpoch: 1, initOffset: 0 }]);
  expect(failed.size).toBe(0);
  await eventually(
    async () => follower.logEndOffset,
    (end) => end === 3,
  );
});

test('an unanswered fetch costs its connection; after the backoff a new one fetches', async () => {
  const log = await partitionIn();
  await appendAt(log, 0, [1]);
  const follower = await partitionIn();
  const leader = await leaderServing(log, (n) => (n === 0 ? 'silent' : 'answer'));

  follow(leader, follower, 0);
  await eventually(
    async () => follower.logEndOffset,
    (end) => end === 3,
  );
  expect(bytesOf(follower).equals(bytesOf(log))).toBe(true);
});
