/**
 * Fetch: whole batches as zero-copy views of the mapped log, long-polled until
 * `minBytes` are there, `maxWaitMs` passes, or the connection closes; an append to any
 * fetched partition wakes the wait. isolation_level=1 (read_committed) reads, and waits,
 * only up to the last stable offset, and lists the aborted transactions the data overlaps
 * (UnifiedLog.read with FetchIsolation.TXN_COMMITTED). Fetch sessions (KIP-227) are not kept: every
 * fetch is a full one, which is what clients do when the response carries session id 0.
 *
 * In a cluster a consumer reads up to the high watermark of a partition led here (its
 * currentLeaderEpoch checked from v9); a follower (replicaId >= 0) reads to the log end of a
 * partition it is a replica of, and its fetch offset is its log end as the leader tracks it
 * (ReplicaManager.fetchMessages, FetchIsolation.LOG_END): that may move the high watermark,
 * expand the ISR and complete acks=all produces. A follower waits for new appends, a
 * consumer for the high watermark.
 */
import { setMaxListeners } from 'node:events';
import { KafkaErrors } from '../../errors.js';
import type {
  AbortedTransaction,
  FetchIsolation,
  Partition,
  PartitionRead as LogRead,
} from '../../engine/Partition.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { Fetch } from '../../protocol/messages/Fetch.js';
import { recordBatchesToMessageSet } from '../../record/MessageSetConversion.js';
import type { LegacyMagic } from '../../record/LegacyRecord.js';
import type { ClusterPartition } from '../ClusterPartition.js';
import { errorCodeOf, handler, leaderPartition, type ClusterContext, type RequestContext } from '../RequestContext.js';
import { CONSUMER_REPLICA_ID, fetchIsolation } from './ReadIsolation.js';

type FetchRequest = RequestOf<typeof Fetch>;
type FetchPartition = FetchRequest['topics'][number]['partitions'][number];
type FetchResponse = EncodableResponse<typeof Fetch>;
type PartitionData = FetchResponse['responses'][number]['partitions'][number];

/** One reason for every ended wait: abort() without one builds a DOMException each time. */
const WAIT_OVER = new Error('fetch wait over');
const NO_RECORDS = Buffer.alloc(0);

interface PartitionRead {
  request: FetchPartition;
  partition: Partition | null;
  errorCode: number;
  records: Buffer;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Where the fetcher's readable end was: what a wait for more compares with. */
  fetchableEnd: number;
  /** read_committed only: the aborted transactions overlapping `records`. */
  abortedTransactions: AbortedTransaction[] | null;
  /** A follower's log diverged from the leader's (v12+): where its last fetched epoch ends here. */
  divergingEpoch: { epoch: number; endOffset: number } | null;
}

/** Fetch v0-v1 get magic 0 message sets, v2-v3 magic 1; v4+ the stored v2 batches. */
function legacyMagicOf(version: number): LegacyMagic | null {
  if (version <= 1) return 0;
  return version <= 3 ? 1 : null;
}

interface ReadLimits {
  budget: number;
  first: boolean;
  isolation: FetchIsolation;
  /** The follower's broker id; -1 for a consumer. */
  replicaId: number;
}

/** The partition read from: a single node's, or in a cluster the one led here in the request's leader epoch. */
function partitionToRead(context: RequestContext, topic: string, request: FetchPartition): Partition {
  if (context.cluster === undefined) return leaderPartition(context, topic, request.partition);
  return context.cluster.replicaManager.leaderClusterPartition(topic, request.partition, request.currentLeaderEpoch)
    .log;
}

/** Partition.fetchRecords for a follower: the read and its bookkeeping at the leader. */
function followerRead(
  cluster: ClusterContext,
  topic: string,
  request: FetchPartition,
  limits: ReadLimits,
  maxBytes: number,
): { partition: ClusterPartition; read: PartitionRead } {
  const partition = cluster.replicaManager.hostedPartition(topic, request.partition);
  const result = partition.fetchFromFollower({ replicaId: limits.replicaId, ...request }, maxBytes, limits.first);
  const read = result.read;
  return {
    partition,
    read: {
      request,
      partition: partition.log,
      errorCode: 0,
      records: read?.records ?? NO_RECORDS,
      highWatermark: result.highWatermark,
      lastStableOffset: result.lastStableOffset,
      logStartOffset: result.logStartOffset,
      fetchableEnd: result.logEndOffset,
      abortedTransactions: null,
      divergingEpoch: result.divergingEpoch,
    },
  };
}

function logRead(
  request: FetchPartition,
  partition: Partition,
  read: LogRead,
  isolation: FetchIsolation,
): PartitionRead {
  return {
    request,
    partition,
    errorCode: 0,
    records: read.records,
    highWatermark: read.highWatermark,
    lastStableOffset: read.lastStableOffset,
    logStartOffset: read.logStartOffset,
    fetchableEnd: partition.fetchableEnd(isolation),
    abortedTransactions: read.abortedTransactions,
    divergingEpoch: null,
  };
}

function readPartition(
  context: RequestContext,
  topic: string,
  request: FetchPartition,
  limits: ReadLimits,
): PartitionRead {
  let partition: Partition | null = null;
  try {
    // Only the first partition with data may exceed the limits (KIP-74), so a big batch still makes progress.
    const maxBytes = Math.min(request.partitionMaxBytes, limits.budget);
    if (limits.replicaId >= 0 && context.cluster !== undefined) {
      const follower = followerRead(context.cluster, topic, request, limits, maxBytes);
      partition = follower.partition.log;
      return follower.read;
    }
    partition = partitionToRead(context, topic, request);
    const read = partition.peek(request.fetchOffset, maxBytes, {
      minOneBatch: limits.first,
      isolation: limits.isolation,
    });
    return logRead(request, partition, read, limits.isolation);
  } catch (error) {
    const known = partition !== null;
    return {
      request,
      partition,
      errorCode: errorCodeOf(context, error),
      records: NO_RECORDS,
      highWatermark: known ? partition!.highWatermark : -1,
      lastStableOffset: known ? partition!.lastStableOffset : -1,
      logStartOffset: known ? partition!.logStartOffset : -1,
      fetchableEnd: -1,
      abortedTransactions: limits.isolation === 'read_committed' ? [] : null,
      divergingEpoch: null,
    };
  }
}

interface FetchPass {
  topics: { topic: string; reads: PartitionRead[] }[];
  bytes: number;
  failed: boolean;
  isolation: FetchIsolation;
}

/**
 * FetchParams.isolation: a follower reads to the log end, a consumer to the high watermark or
 * the last stable offset. A single node has no followers: a replica id there reads as a
 * consumer's (Kafka, where every partition has its replica set, refuses a replica not in it).
 */
function isolationOf(context: RequestContext, request: FetchRequest): FetchIsolation {
  const replicaId = context.cluster === undefined ? CONSUMER_REPLICA_ID : request.replicaId;
  return fetchIsolation(replicaId, request.isolationLevel);
}

function readAll(context: RequestContext, request: FetchRequest): FetchPass {
  let budget = context.header.apiVersion >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
  let bytes = 0;
  let failed = false;
  const isolation = isolationOf(context, request);
  const replicaId = isolation === 'log_end' ? request.replicaId : -1;
  const topics = request.topics.map((t) => ({
    topic: t.topic,
    reads: t.partitions.map((p) => {
      const limits = { budget: Math.max(budget, 0), first: bytes === 0, isolation, replicaId };
      const read = readPartition(context, t.topic, p, limits);
      bytes += read.records.length;
      budget -= read.records.length;
      // ReplicaManager.fetchMessages answers at once on an error or a diverging epoch.
      failed ||= read.errorCode !== 0 || read.divergingEpoch !== null;
      return read;
    }),
  }));
  return { topics, bytes, failed, isolation };
}

/**
 * Resolves when any fetched partition's readable end (the log end for a follower, the high
 * watermark or the last stable offset for a consumer, as DelayedFetch compares) passes what
 * this pass saw, at `deadline`, or on abort.
 */
function waitForAppends(pass: FetchPass, deadline: number, signal: AbortSignal): Promise<void> {
  const done = new AbortController();
  // One listener per fetched partition: a fetch of many partitions is no listener leak.
  setMaxListeners(0, done.signal);
  const stop = () => done.abort(WAIT_OVER);
  signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, Math.max(deadline - Date.now(), 0));
  const waits = pass.topics.flatMap((t) =>
    t.reads
      .filter((r) => r.partition !== null)
      .map((r) =>
        r.partition!.waitForData(Math.max(r.request.fetchOffset, r.fetchableEnd), done.signal, pass.isolation),
      ),
  );
  return Promise.race([
    ...waits,
    new Promise<void>((resolve) => done.signal.addEventListener('abort', () => resolve(), { once: true })),
  ]).finally(() => {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
    done.abort(WAIT_OVER);
  });
}

function partitionData(context: RequestContext, read: PartitionRead): PartitionData {
  const magic = legacyMagicOf(context.header.apiVersion);
  let records = read.records;
  if (magic !== null && records.length > 0)
    records = recordBatchesToMessageSet(records, magic, { firstOffset: read.request.fetchOffset });
  // Counted here, once, as sent: a pass dropped while waiting for minBytes was only peeked.
  read.partition?.countOut(read.records, read.request.fetchOffset, records.length);
  return {
    partitionIndex: read.request.partition,
    ...(read.divergingEpoch === null ? {} : { divergingEpoch: read.divergingEpoch }),
    errorCode: read.errorCode,
    highWatermark: read.highWatermark,
    lastStableOffset: read.lastStableOffset,
    logStartOffset: read.logStartOffset,
    abortedTransactions: read.abortedTransactions,
    preferredReadReplica: -1,
    records,
  };
}

function response(context: RequestContext, pass: FetchPass): FetchResponse {
  const responses = pass.topics.map((t) => ({
    topic: t.topic,
    partitions: t.reads.map((r) => partitionData(context, r)),
  }));
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
}

export const handleFetch = handler(Fetch, async (context, request) => {
  if (request.sessionId !== 0) {
    return { throttleTimeMs: 0, errorCode: KafkaErrors.FETCH_SESSION_ID_NOT_FOUND.code, sessionId: 0, responses: [] };
  }
  const deadline = Date.now() + Math.max(request.maxWaitMs, 0);
  let pass = readAll(context, request);
  while (pass.bytes < request.minBytes && !pass.failed && Date.now() < deadline && !context.signal.aborted) {
    await waitForAppends(pass, deadline, context.signal);
    pass = readAll(context, request);
  }
  return response(context, pass);
});
