/**
 * AddPartitionsToTxn (v0-3), AddOffsetsToTxn and EndTxn: the transaction coordinator's
 * (KafkaApis.handleAddPartitionsToTxnRequest, handleAddOffsetsToTxnRequest, handleEndTxnRequest).
 */
import { KafkaErrors } from '../../errors.js';
import { GROUP_METADATA_TOPIC_NAME } from '../../group/OffsetsTopicStore.js';
import { AddOffsetsToTxn } from '../../protocol/messages/AddOffsetsToTxn.js';
import { AddPartitionsToTxn } from '../../protocol/messages/AddPartitionsToTxn.js';
import { EndTxn } from '../../protocol/messages/EndTxn.js';
import { handler, type RequestContext } from '../RequestContext.js';

/** AddPartitionsToTxn, AddOffsetsToTxn and EndTxn v2 are the first whose clients know PRODUCER_FENCED. */
const PRODUCER_FENCED_VERSION = 2;

/** Clients older than `fencedVersion` do not know PRODUCER_FENCED: they get INVALID_PRODUCER_EPOCH, as Kafka answers them. */
export function olderFencedError(errorCode: number, apiVersion: number, fencedVersion: number): number {
  return apiVersion < fencedVersion && errorCode === KafkaErrors.PRODUCER_FENCED.code
    ? KafkaErrors.INVALID_PRODUCER_EPOCH.code
    : errorCode;
}

/** KafkaApis: metadataCache.contains, the cluster's partitions in cluster mode (led by any broker). */
function partitionExists(context: RequestContext, topic: string, partition: number): boolean {
  if (context.cluster !== undefined) return context.cluster.metadataCache.contains(topic, partition);
  return context.engine.hasTopic(topic) && partition >= 0 && partition < context.engine.partitionCount(topic);
}

export const handleAddPartitionsToTxn = handler(AddPartitionsToTxn, async (context, request) => {
  const topics = request.v3AndBelowTopics;
  const partitions = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  // Any partition that does not exist fails the whole request; the others are not attempted.
  const missing = partitions.some((tp) => !partitionExists(context, tp.topic, tp.partition));
  let errorOf: (topic: string, partition: number) => number;
  if (missing) {
    errorOf = (topic, partition) =>
      partitionExists(context, topic, partition)
        ? KafkaErrors.OPERATION_NOT_ATTEMPTED.code
        : KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code;
  } else {
    const error = await context.transactions.handleAddPartitionsToTransaction(
      request.v3AndBelowTransactionalId,
      request.v3AndBelowProducerId,
      request.v3AndBelowProducerEpoch,
      partitions,
    );
    const errorCode = olderFencedError(error, context.header.apiVersion, PRODUCER_FENCED_VERSION);
    errorOf = () => errorCode;
  }
  return {
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: topics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: errorOf(t.name, p) })),
    })),
  };
});

/** The group's `__consumer_offsets` partition joins the transaction, for the offsets TxnOffsetCommit will write. */
export const handleAddOffsetsToTxn = handler(AddOffsetsToTxn, async (context, request) => {
  const error = await context.transactions.handleAddPartitionsToTransaction(
    request.transactionalId,
    request.producerId,
    request.producerEpoch,
    [{ topic: GROUP_METADATA_TOPIC_NAME, partition: context.groups.partitionFor(request.groupId) }],
  );
  return { throttleTimeMs: 0, errorCode: olderFencedError(error, context.header.apiVersion, PRODUCER_FENCED_VERSION) };
});

export const handleEndTxn = handler(EndTxn, async (context, request) => {
  const error = await context.transactions.handleEndTransaction(
    request.transactionalId,
    request.producerId,
    request.producerEpoch,
    request.committed,
  );
  return { throttleTimeMs: 0, errorCode: olderFencedError(error, context.header.apiVersion, PRODUCER_FENCED_VERSION) };
});
