/**
 * ListOffsets: earliest (-2), latest (-1), the record with the largest timestamp (-3,
 * v7+), or the first offset whose timestamp is at or after a time. v0 answers in its old
 * shape (a list of offsets). As Kafka's Partition.fetchOffsetForTimestamp, the isolation
 * level bounds what is found: latest is the last fetchable offset (the last stable offset
 * for read_committed, else the high watermark; the log end for a replica), and a record
 * found by time at or past it is not found. In a cluster the partition is led here in the
 * request's currentLeaderEpoch (v4+), latest carries the leader epoch, and a consumer asking
 * while the high watermark still lags the new leader epoch's start (just after an election)
 * gets OFFSET_NOT_AVAILABLE for latest or for a time not found, as Kafka's answer; the
 * single node's epoch is 0.
 */
import type { FetchIsolation, Partition } from '../../engine/Partition.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { ListOffsets } from '../../protocol/messages/ListOffsets.js';
import { SINGLE_NODE_LEADER_EPOCH } from '../../record/RecordBatchHeader.js';
import type { ClusterPartition } from '../ClusterPartition.js';
import { errorCodeOf, handler, type RequestContext } from '../RequestContext.js';
import { listOffsetsIsolation } from './ReadIsolation.js';

type ListOffsetsPartition = RequestOf<typeof ListOffsets>['topics'][number]['partitions'][number];
type PartitionResponse = EncodableResponse<typeof ListOffsets>['topics'][number]['partitions'][number];

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const NOT_FOUND = { timestamp: -1, offset: -1 };
/** Optional.empty: no leader epoch known for the offset found. */
const NO_EPOCH = -1;

function lookUp(
  partition: Partition,
  timestamp: number,
  isolation: FetchIsolation,
): { timestamp: number; offset: number } {
  const lastFetchableOffset = partition.fetchableEnd(isolation);
  if (timestamp === LATEST) return { timestamp: -1, offset: lastFetchableOffset };
  if (timestamp === EARLIEST) return { timestamp: -1, offset: partition.logStartOffset };
  const found =
    timestamp === MAX_TIMESTAMP ? partition.offsetOfMaxTimestamp() : partition.fetchOffsetForTimestamp(timestamp);
  return found !== null && found.offset < lastFetchableOffset ? found : NOT_FOUND;
}

/**
 * Partition.fetchOffsetForTimestamp on a cluster's leader: latest is answered with the leader
 * epoch (others with none: the epoch of the offset found is not looked up); a consumer's latest,
 * or a time not found, while the high watermark lags this epoch's start is OFFSET_NOT_AVAILABLE.
 */
function lookUpOnLeader(
  partition: ClusterPartition,
  timestamp: number,
  isolation: FetchIsolation,
): { timestamp: number; offset: number; leaderEpoch: number } {
  const found = lookUp(partition.log, timestamp, isolation);
  const fromConsumer = isolation !== 'log_end';
  if (fromConsumer && (timestamp === LATEST || found.offset < 0)) partition.checkHighWatermarkCaughtUp();
  return { ...found, leaderEpoch: timestamp === LATEST ? partition.leaderEpoch : NO_EPOCH };
}

function listOffset(
  context: RequestContext,
  topic: string,
  request: ListOffsetsPartition,
  isolation: FetchIsolation,
): PartitionResponse {
  try {
    const index = request.partitionIndex;
    const found =
      context.cluster === undefined
        ? {
            ...lookUp(context.engine.partition(topic, index), request.timestamp, isolation),
            leaderEpoch: SINGLE_NODE_LEADER_EPOCH,
          }
        : lookUpOnLeader(
            context.cluster.replicaManager.leaderClusterPartition(topic, index, request.currentLeaderEpoch),
            request.timestamp,
            isolation,
          );
    const oldStyleOffsets = found.offset >= 0 ? [found.offset] : [];
    return { partitionIndex: index, errorCode: 0, oldStyleOffsets, ...found };
  } catch (error) {
    return { partitionIndex: request.partitionIndex, errorCode: errorCodeOf(context, error), oldStyleOffsets: [] };
  }
}

export const handleListOffsets = handler(ListOffsets, (context, request) => {
  // A consumer's isolation level bounds what it finds; a follower (its broker id) or a debugging
  // client reads to the log end (a follower's fetcher resetting its offset).
  const isolation = listOffsetsIsolation(request.replicaId, request.isolationLevel);
  const topics = request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => listOffset(context, t.name, p, isolation)),
  }));
  return { throttleTimeMs: 0, topics };
});
