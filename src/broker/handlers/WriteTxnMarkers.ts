/**
 * WriteTxnMarkers: a transaction coordinator asks this node, the partitions' leader, to
 * write its markers (KafkaApis.handleWriteTxnMarkersRequest). On one node the coordinator
 * calls the same code directly; in a cluster, coordinators on other brokers send it
 * (TransactionMarkerChannelManager).
 */
import { WriteTxnMarkers } from '../../protocol/messages/WriteTxnMarkers.js';
import { byTopic } from '../../protocol/TopicGroups.js';
import { appendTxnMarkers } from '../../transaction/TransactionMarkerWriter.js';
import { handler } from '../RequestContext.js';
import { appendLeaderTxnMarkers } from '../TransactionMarkerChannelManager.js';

export const handleWriteTxnMarkers = handler(WriteTxnMarkers, async (context, request) => {
  const markers = await Promise.all(
    request.markers.map(async (m) => {
      const marker = {
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        coordinatorEpoch: m.coordinatorEpoch,
        commit: m.transactionResult,
        partitions: m.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition }))),
      };
      // A cluster's broker writes only the partitions it leads (ReplicaManager.appendRecords).
      const results = context.cluster
        ? await appendLeaderTxnMarkers(context.engine, context.groups, context.cluster.replicaManager, marker)
        : await appendTxnMarkers(context.engine, context.groups, marker);
      return {
        producerId: m.producerId,
        topics: byTopic(results, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
      };
    }),
  );
  return { markers };
});
