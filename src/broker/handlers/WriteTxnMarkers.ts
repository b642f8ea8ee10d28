/**
 * WriteTxnMarkers: a transaction coordinator asks this node, the partitions' leader, to
 * write its markers (KafkaApis.handleWriteTxnMarkersRequest). On one node the coordinator
 * calls the same code directly; the API is for coordinators on other brokers.
 */
import { WriteTxnMarkers } from '../../protocol/messages/WriteTxnMarkers.js';
import { byTopic } from '../../protocol/TopicGroups.js';
import { appendTxnMarkers } from '../../transaction/TransactionMarkerWriter.js';
import { handler } from '../RequestContext.js';

export const handleWriteTxnMarkers = handler(WriteTxnMarkers, async (context, request) => {
  const markers = await Promise.all(
    request.markers.map(async (m) => {
      const results = await appendTxnMarkers(context.engine, context.groups, {
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        coordinatorEpoch: m.coordinatorEpoch,
        commit: m.transactionResult,
        partitions: m.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition }))),
      });
      return {
        producerId: m.producerId,
        topics: byTopic(results, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
      };
    }),
  );
  return { markers };
});
