/**
 * OffsetForLeaderEpoch (KIP-101, KIP-279): where a leader epoch ends in this leader's log
 * (KafkaApis.handleOffsetForLeaderEpochRequest, ReplicaManager.lastOffsetForLeaderEpoch): the
 * start offset of the next epoch known here, or the log end for the latest. A follower
 * truncates to it after a leader change, a consumer checks its position (KIP-320). Served in
 * cluster mode, where leader epochs exist: a partition led here, in the request's
 * currentLeaderEpoch (-1: any); one hosted as a follower or only known to the metadata cache
 * is NOT_LEADER_OR_FOLLOWER, one unknown to both UNKNOWN_TOPIC_OR_PARTITION.
 */
import { isTributaryError } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { OffsetForLeaderEpoch } from '../../protocol/messages/OffsetForLeaderEpoch.js';
import type { EpochEndOffset } from '../ClusterPartition.js';
import type { ClusterContext } from '../RequestContext.js';
import { handler } from '../RequestContext.js';
import { clusterOf } from './ControlRequest.js';

type OffsetForLeaderPartition = RequestOf<typeof OffsetForLeaderEpoch>['topics'][number]['partitions'][number];
type EpochEndOffsetResponse = EncodableResponse<typeof OffsetForLeaderEpoch>['topics'][number]['partitions'][number];

function endOffsetOf(cluster: ClusterContext, topic: string, request: OffsetForLeaderPartition): EpochEndOffset {
  try {
    const partition = cluster.replicaManager.hostedPartition(topic, request.partition);
    return partition.lastOffsetForLeaderEpoch(request.currentLeaderEpoch, request.leaderEpoch, true);
  } catch (error) {
    if (!isTributaryError(error)) throw error;
    return { error: error.kafka, leaderEpoch: -1, endOffset: -1 };
  }
}

function epochEndOffset(
  cluster: ClusterContext,
  topic: string,
  request: OffsetForLeaderPartition,
): EpochEndOffsetResponse {
  const { error, leaderEpoch, endOffset } = endOffsetOf(cluster, topic, request);
  return { errorCode: error.code, partition: request.partition, leaderEpoch, endOffset };
}

export const handleOffsetForLeaderEpoch = handler(OffsetForLeaderEpoch, (context, request) => {
  const cluster = clusterOf(context);
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => epochEndOffset(cluster, t.topic, p)),
    })),
  };
});
