/** DeleteRecords: moves each partition's log start offset up (-1: to the high watermark). */
import { TributaryError } from '../../errors.js';
import type { Struct } from '../../protocol/index.js';
import { errorCodeOf, type RequestContext, type RequestHandler } from '../RequestContext.js';

interface DeleteRecordsRequest {
  topics: { name: string; partitions: { partitionIndex: number; offset: number }[] }[];
}

const HIGH_WATERMARK = -1;

function deleteBefore(context: RequestContext, topic: string, partitionIndex: number, offset: number): Struct {
  try {
    const partition = context.engine.partition(topic, partitionIndex);
    const target = offset === HIGH_WATERMARK ? partition.logEndOffset : offset;
    if (target < 0 || target > partition.logEndOffset) {
      throw new TributaryError(
        `offset ${offset} is beyond the high watermark ${partition.logEndOffset}`,
        'ERR_OFFSET_OUT_OF_RANGE',
      );
    }
    return { partitionIndex, lowWatermark: partition.deleteRecordsBefore(target), errorCode: 0 };
  } catch (error) {
    return { partitionIndex, lowWatermark: -1, errorCode: errorCodeOf(context, error) };
  }
}

export const handleDeleteRecords: RequestHandler = (context, body) => {
  const request = body as unknown as DeleteRecordsRequest;
  const topics = request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => deleteBefore(context, t.name, p.partitionIndex, p.offset)),
  }));
  return { throttleTimeMs: 0, topics };
};
