/** DeleteRecords: moves each partition's log start offset up (-1: to the high watermark). */
import { TributaryError } from '../../errors.js';
import type { EncodableResponse } from '../../protocol/index.js';
import { DeleteRecords } from '../../protocol/messages/DeleteRecords.js';
import { errorCodeOf, handler, leaderPartition, type RequestContext } from '../RequestContext.js';

type PartitionResult = EncodableResponse<typeof DeleteRecords>['topics'][number]['partitions'][number];

const HIGH_WATERMARK = -1;

function deleteBefore(context: RequestContext, topic: string, partitionIndex: number, offset: number): PartitionResult {
  try {
    const partition = leaderPartition(context, topic, partitionIndex);
    const target = offset === HIGH_WATERMARK ? partition.highWatermark : offset;
    if (target < 0 || target > partition.highWatermark) {
      throw new TributaryError(
        `offset ${offset} is beyond the high watermark ${partition.highWatermark}`,
        'ERR_OFFSET_OUT_OF_RANGE',
      );
    }
    return { partitionIndex, lowWatermark: partition.deleteRecordsBefore(target), errorCode: 0 };
  } catch (error) {
    return { partitionIndex, lowWatermark: -1, errorCode: errorCodeOf(context, error) };
  }
}

export const handleDeleteRecords = handler(DeleteRecords, (context, request) => {
  const topics = request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => deleteBefore(context, t.name, p.partitionIndex, p.offset)),
  }));
  return { throttleTimeMs: 0, topics };
});
