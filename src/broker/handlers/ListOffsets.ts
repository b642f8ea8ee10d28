/**
 * ListOffsets: earliest (-2), latest (-1), the record with the largest timestamp (-3,
 * v7+), or the first offset whose timestamp is at or after a time. v0 answers in its old
 * shape (a list of offsets).
 */
import type { Partition } from '../../engine/Partition.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { ListOffsets } from '../../protocol/messages/ListOffsets.js';
import { errorCodeOf, handler, type RequestContext } from '../RequestContext.js';

type ListOffsetsPartition = RequestOf<typeof ListOffsets>['topics'][number]['partitions'][number];
type PartitionResponse = EncodableResponse<typeof ListOffsets>['topics'][number]['partitions'][number];

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const NOT_FOUND = { timestamp: -1, offset: -1 };

function lookUp(partition: Partition, timestamp: number): { timestamp: number; offset: number } {
  if (timestamp === LATEST) return { timestamp: -1, offset: partition.logEndOffset };
  if (timestamp === EARLIEST) return { timestamp: -1, offset: partition.logStartOffset };
  if (timestamp === MAX_TIMESTAMP) return partition.offsetOfMaxTimestamp() ?? NOT_FOUND;
  return partition.fetchOffsetForTimestamp(timestamp) ?? NOT_FOUND;
}

function listOffset(context: RequestContext, topic: string, request: ListOffsetsPartition): PartitionResponse {
  try {
    const found = lookUp(context.engine.partition(topic, request.partitionIndex), request.timestamp);
    const oldStyleOffsets = found.offset >= 0 ? [found.offset] : [];
    return { partitionIndex: request.partitionIndex, errorCode: 0, oldStyleOffsets, ...found, leaderEpoch: 0 };
  } catch (error) {
    return { partitionIndex: request.partitionIndex, errorCode: errorCodeOf(context, error), oldStyleOffsets: [] };
  }
}

export const handleListOffsets = handler(ListOffsets, (context, request) => {
  const topics = request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => listOffset(context, t.name, p)),
  }));
  return { throttleTimeMs: 0, topics };
});
