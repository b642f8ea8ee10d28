/**
 * Writes a transaction's end markers into its partitions: what a partition leader does
 * for a WriteTxnMarkers request (Kafka's KafkaApis.handleWriteTxnMarkersRequest). The
 * broker's WriteTxnMarkers handler and, on one node, the coordinator itself call it. A
 * marker in `__consumer_offsets` also ends the transaction's pending offset commits there.
 */
import type { Engine } from '../engine/Engine.js';
import { BUILT_BY_COORDINATOR } from '../engine/InternalTopic.js';
import { isTributaryError, KafkaErrors as E } from '../errors.js';
import type { GroupCoordinator } from '../group/GroupCoordinator.js';
import { GROUP_METADATA_TOPIC_NAME } from '../group/OffsetsTopicStore.js';
import { buildEndTransactionMarkerBatch } from '../record/ControlRecord.js';
import type { TopicPartition } from './TransactionMetadata.js';

export interface TxnMarker {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
  partitions: readonly TopicPartition[];
}

export interface MarkerResult extends TopicPartition {
  errorCode: number;
}

/** One control batch per partition, appended with origin 'coordinator'; each partition's outcome. */
export function appendTxnMarkers(engine: Engine, groups: GroupCoordinator, marker: TxnMarker): Promise<MarkerResult[]> {
  return Promise.all(
    marker.partitions.map(({ topic, partition }) =>
      appendMarker(engine, groups, marker, topic, partition).then((errorCode) => ({ topic, partition, errorCode })),
    ),
  );
}

async function appendMarker(
  engine: Engine,
  groups: GroupCoordinator,
  marker: TxnMarker,
  topic: string,
  partition: number,
): Promise<number> {
  if (!engine.hasTopic(topic) || partition < 0 || partition >= engine.partitionCount(topic))
    return E.UNKNOWN_TOPIC_OR_PARTITION.code;
  const batch = buildEndTransactionMarkerBatch(marker.commit ? 'commit' : 'abort', marker);
  try {
    await engine.partition(topic, partition).append(batch, BUILT_BY_COORDINATOR);
  } catch (error) {
    return isTributaryError(error) ? error.kafka.code : E.UNKNOWN_SERVER_ERROR.code;
  }
  if (topic === GROUP_METADATA_TOPIC_NAME) groups.onTransactionCompleted(marker.producerId, partition, marker.commit);
  return E.NONE.code;
}
