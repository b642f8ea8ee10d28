/**
 * OffsetForLeaderEpoch: where a leader epoch ends in the leader's log (KafkaApis
 * .handleOffsetForLeaderEpochRequest, ReplicaManager.lastOffsetForLeaderEpoch and
 * Partition.lastOffsetForLeaderEpoch). A follower asks it after a leader change and
 * truncates to the answer (KIP-101, KIP-279); a consumer asks it to detect a log
 * truncated under its position (KIP-320). The answer is the largest epoch at or below the
 * one asked for, and the start offset of the next (the log end for the latest epoch),
 * -1/-1 for an epoch the log does not know. Any replica id is served alike: Kafka reads
 * only the leader's log for both (fetchOnlyFromLeader = true). The single node leads every
 * partition in epoch 0; a cluster's broker answers from its hosted partition (its leader
 * epoch from LeaderAndIsr), a partition not hosted here is NOT_LEADER_OR_FOLLOWER if the
 * metadata cache knows it, else UNKNOWN_TOPIC_OR_PARTITION.
 */
import { TributaryError } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { OffsetForLeaderEpoch } from '../../protocol/messages/OffsetForLeaderEpoch.js';
import { NO_PARTITION_LEADER_EPOCH, SINGLE_NODE_LEADER_EPOCH } from '../../record/RecordBatchHeader.js';
import { errorCodeOf, handler, type RequestContext } from '../RequestContext.js';

type PartitionRequest = RequestOf<typeof OffsetForLeaderEpoch>['topics'][number]['partitions'][number];
type EpochEndOffset = EncodableResponse<typeof OffsetForLeaderEpoch>['topics'][number]['partitions'][number];

/**
 * Kafka's Partition.checkCurrentLeaderEpoch for the single node: a request's current epoch
 * older than 0 is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH.
 */
function checkSingleNodeEpoch(requested: number, topicPartition: string): void {
  // NO_PARTITION_LEADER_EPOCH: the request names no current epoch (Optional.empty in Kafka).
  if (requested === NO_PARTITION_LEADER_EPOCH || requested === SINGLE_NODE_LEADER_EPOCH) return;
  const [what, code] =
    requested < SINGLE_NODE_LEADER_EPOCH
      ? (['older', 'ERR_FENCED_LEADER_EPOCH'] as const)
      : (['newer', 'ERR_UNKNOWN_LEADER_EPOCH'] as const);
  throw new TributaryError(
    `the current leader epoch ${requested} of ${topicPartition} is ${what} than this broker's ${SINGLE_NODE_LEADER_EPOCH}`,
    code,
  );
}

function lastOffsetForLeaderEpoch(context: RequestContext, topic: string, request: PartitionRequest): EpochEndOffset {
  try {
    if (context.cluster !== undefined) {
      const partition = context.cluster.replicaManager.hostedPartition(topic, request.partition);
      const end = partition.lastOffsetForLeaderEpoch(request.currentLeaderEpoch, request.leaderEpoch, true);
      return {
        errorCode: end.error.code,
        partition: request.partition,
        leaderEpoch: end.leaderEpoch,
        endOffset: end.endOffset,
      };
    }
    const partition = context.engine.partition(topic, request.partition);
    checkSingleNodeEpoch(request.currentLeaderEpoch, `${topic}-${request.partition}`);
    const { leaderEpoch, endOffset } = partition.endOffsetForEpoch(request.leaderEpoch);
    return { errorCode: 0, partition: request.partition, leaderEpoch, endOffset };
  } catch (error) {
    return { errorCode: errorCodeOf(context, error), partition: request.partition, leaderEpoch: -1, endOffset: -1 };
  }
}

export const handleOffsetForLeaderEpoch = handler(OffsetForLeaderEpoch, (context, request) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => lastOffsetForLeaderEpoch(context, t.topic, p)),
  })),
}));
