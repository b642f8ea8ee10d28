/**
 * The replica rules of a single node, the one broker of its cluster, shared by its
 * CreateTopics and CreatePartitions and by `tributary topics create --data-dir`: a
 * replication factor above 1 cannot be met (Kafka's AdminUtils.assignReplicasToBrokers
 * refuses one larger than the live brokers, INVALID_REPLICATION_FACTOR), nor a manual
 * assignment naming another broker or more than one replica
 * (AdminZkClient.validateReplicaAssignment, INVALID_REPLICA_ASSIGNMENT).
 */
import { TributaryError } from '../errors.js';

/** CreateTopics' replication factor when the broker's default.replication.factor is asked for. */
export const DEFAULT_REPLICATION_FACTOR = -1;

/** One partition's replicas, as a manual assignment names them. */
export function checkSingleNodeReplicas(nodeId: number, brokerIds: readonly number[]): void {
  if (brokerIds.some((id) => id !== nodeId) || brokerIds.length !== 1) {
    throw new TributaryError(
      `replicas [${brokerIds.join(', ')}] name brokers other than node ${nodeId}, the only one`,
      'ERR_INVALID_REPLICA_ASSIGNMENT',
    );
  }
}

/** A replication factor (ignored with a manual assignment, which carries its own) and the assignment's replicas. */
export function checkSingleNodePlacement(
  nodeId: number,
  replicationFactor: number,
  assignments: readonly (readonly number[])[],
): void {
  if (replicationFactor !== DEFAULT_REPLICATION_FACTOR && replicationFactor !== 1 && assignments.length === 0) {
    throw new TributaryError(
      `replication factor ${replicationFactor} is larger than the 1 broker available`,
      'ERR_INVALID_REPLICATION_FACTOR',
    );
  }
  for (const replicas of assignments) checkSingleNodeReplicas(nodeId, replicas);
}
