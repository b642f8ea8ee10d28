/**
 * DescribeProducers (KIP-664): the idempotent and transactional producers each partition
 * remembers, as Kafka's ReplicaManager.activeProducerState lists them (an unknown
 * partition is UNKNOWN_TOPIC_OR_PARTITION, with its reason).
 */
import type { EncodableResponse } from '../../protocol/index.js';
import { DescribeProducers } from '../../protocol/messages/DescribeProducers.js';
import { errorCodeOf, handler, leaderPartition, type RequestContext } from '../RequestContext.js';
import { errorMessageOf } from '../../errors.js';

type PartitionResponse = EncodableResponse<typeof DescribeProducers>['topics'][number]['partitions'][number];

function describePartition(context: RequestContext, topic: string, partitionIndex: number): PartitionResponse {
  try {
    const activeProducers = leaderPartition(context, topic, partitionIndex).activeProducers();
    return { partitionIndex, errorCode: 0, errorMessage: null, activeProducers };
  } catch (error) {
    return {
      partitionIndex,
      errorCode: errorCodeOf(context, error),
      errorMessage: errorMessageOf(error),
      activeProducers: [],
    };
  }
}

export const handleDescribeProducers = handler(DescribeProducers, (context, request) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((index) => describePartition(context, t.name, index)),
  })),
}));
