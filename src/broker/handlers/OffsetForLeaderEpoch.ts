/**
 * OffsetForLeaderEpoch: where a leader epoch ends in the leader's log (KafkaApis
 * .handleOffsetForLeaderEpochRequest, ReplicaManager.lastOffsetForLeaderEpoch and
 * Partition.lastOffsetForLeaderEpoch). A follower asks it after a leader change and
 * truncates to the answer (KIP-101, KIP-279); a consumer asks it to detect a log
 * truncated under its position (KIP-320). The answer is the largest epoch at or below the
 * one asked for, and the start offset of the next (the log end for the latest epoch),
 * -1/-1 for an epoch the log does not know. Any replica id is served alike: Kafka reads
 * only the leader's log for both (fetchOnlyFromLeader = true).
 */
import { TributaryError } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { OffsetForLeaderEpoch } from '../../protocol/messages/OffsetForLeaderEpoch.js';
import { errorCodeOf, handler, leaderPartition, type RequestContext } from '../RequestContext.js';

type PartitionRequest = RequestOf<typeof OffsetForLeaderEpoch>['topics'][number]['partitions'][number];
type EpochEndOffset = EncodableResponse<typeof OffsetForLeaderEpoch>['topics'][number]['partitions'][number];

/** RecordBatch.NO_PARTITION_LEADER_EPOCH: the request names no current epoch (Optional.empty in Kafka). */
const NO_EPOCH = -1;

/**
 * The partition's leader epoch as this broker knows it: the single node leads every
 * partition in epoch 0; a cluster's broker has it from the controller (LeaderAndIsr, or
 * its metadata cache). A partition unknown here is UNKNOWN_TOPIC_OR_PARTITION.
 */
function localLeaderEpoch(context: RequestContext, topic: string, partition: number): number {
  if (context.cluster === undefined) {
    context.engine.partition(topic, partition);
    return 0;
  }
  const { leaderEpoch } = context.cluster.replicaManager.currentLeader(topic, partition);
  if (leaderEpoch < 0) leaderPartition(context, topic, partition); // throws: unknown here
  return leaderEpoch;
}

/**
 * Kafka's Partition.checkCurrentLeaderEpoch: a request's current epoch older than this
 * broker's is FENCED_LEADER_EPOCH (the requester's metadata is stale), newer
 * UNKNOWN_LEADER_EPOCH (this broker's is); checked before whether this broker leads.
 */
function checkCurrentLeaderEpoch(requested: number, local: number, topicPartition: string): void {
  if (requested === NO_EPOCH || requested === local) return;
  const [what, code] =
    requested < local
      ? (['older', 'ERR_FENCED_LEADER_EPOCH'] as const)
      : (['newer', 'ERR_UNKNOWN_LEADER_EPOCH'] as const);
  throw new TributaryError(
    `the current leader epoch ${requested} of ${topicPartition} is ${what} than this broker's ${local}`,
    code,
  );
}

function lastOffsetForLeaderEpoch(context: RequestContext, topic: string, request: PartitionRequest): EpochEndOffset {
  try {
    const local = localLeaderEpoch(context, topic, request.partition);
    checkCurrentLeaderEpoch(request.currentLeaderEpoch, local, `${topic}-${request.partition}`);
    const { leaderEpoch, endOffset } = leaderPartition(context, topic, request.partition).endOffsetForEpoch(
      request.leaderEpoch,
    );
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
