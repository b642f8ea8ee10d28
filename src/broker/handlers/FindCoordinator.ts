/**
 * FindCoordinator: the single node coordinates every group (key type 0) and every
 * transactional id (key type 1). In cluster mode the coordinator is the leader of the key's
 * partition of `__consumer_offsets` or `__transaction_state`, as the metadata cache knows it
 * (KafkaApis.getCoordinator); no such topic (which is then created) or no live leader is
 * COORDINATOR_NOT_AVAILABLE.
 */
import { partitionForKey } from '../../engine/InternalTopic.js';
import { KafkaErrors } from '../../errors.js';
import type { EncodableResponse } from '../../protocol/index.js';
import { FindCoordinator } from '../../protocol/messages/FindCoordinator.js';
import { NO_LEADER_ID } from '../MetadataCache.js';
import { handler, type ClusterContext, type RequestContext } from '../RequestContext.js';
import { brokerNode } from './Metadata.js';
import { autoCreateTopics } from './ZkAdminManager.js';

/** Both coordinators' default partition count (offsets.topic.num.partitions, transaction.state.log.num.partitions). */
const DEFAULT_INTERNAL_PARTITIONS = 50;

/** The coordinator of any key: v4+ list one per key, older versions answer at the top. */
type Coordinator = Omit<NonNullable<EncodableResponse<typeof FindCoordinator>['coordinators']>[number], 'key'>;

/** CoordinatorType: the internal topic whose partition leaders coordinate each key type. */
const COORDINATOR_TOPICS: Readonly<Record<number, string>> = { 0: '__consumer_offsets', 1: '__transaction_state' };

/** Errors.COORDINATOR_NOT_AVAILABLE with Node.noNode. */
const NOT_AVAILABLE: Coordinator = {
  nodeId: -1,
  host: '',
  port: -1,
  errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code,
  errorMessage: 'The coordinator is not available.',
};

async function coordinatorFor(context: RequestContext, key: string, keyType: number): Promise<Coordinator> {
  if (context.cluster !== undefined) return clusterCoordinatorFor(context, context.cluster, key, keyType);
  const node = brokerNode(context);
  return { nodeId: node.nodeId, host: node.host, port: node.port, errorCode: 0, errorMessage: null };
}

/**
 * The internal topic's partition count: the one this broker's coordinators hash keys by
 * (offsets.topic.num.partitions, transaction.state.log.num.partitions), so that the leader
 * FindCoordinator names holds the key's partition.
 */
function internalPartitions(context: RequestContext, keyType: number): number {
  const configured =
    keyType === 0 ? context.config.groups.offsetsTopicPartitions : context.config.transactions.stateLogNumPartitions;
  return configured ?? DEFAULT_INTERNAL_PARTITIONS;
}

/**
 * Utils.abs(key.hashCode) % the topic's partition count, then that partition's live leader on
 * this listener. Without the topic, it is created (KafkaApis.getCoordinator through
 * AutoTopicCreationManager, replication factor 1 until replication is built) and the answer
 * is COORDINATOR_NOT_AVAILABLE, which clients retry.
 */
async function clusterCoordinatorFor(
  context: RequestContext,
  cluster: ClusterContext,
  key: string,
  keyType: number,
): Promise<Coordinator> {
  const { metadataCache: cache, listenerName } = cluster;
  const topic = COORDINATOR_TOPICS[keyType];
  const partitions = topic === undefined ? [] : cache.allPartitions(topic);
  if (topic !== undefined && partitions.length === 0) {
    const numPartitions = internalPartitions(context, keyType);
    await autoCreateTopics(context, cluster, [{ name: topic, numPartitions, replicationFactor: 1 }]);
  }
  if (partitions.length === 0) return NOT_AVAILABLE;
  const leader = cache.partitionState(topic!, partitionForKey(key, partitions.length))?.leader ?? NO_LEADER_ID;
  const node = cache.aliveEndpoint(leader, listenerName);
  if (node === undefined) return NOT_AVAILABLE;
  return { nodeId: node.nodeId, host: node.host, port: node.port, errorCode: 0, errorMessage: null };
}

export const handleFindCoordinator = handler(FindCoordinator, async (context, request) => {
  if (context.header.apiVersion >= 4) {
    const coordinators = [];
    for (const key of request.coordinatorKeys)
      coordinators.push({ key, ...(await coordinatorFor(context, key, request.keyType)) });
    return { throttleTimeMs: 0, coordinators };
  }
  return { throttleTimeMs: 0, ...(await coordinatorFor(context, request.key, request.keyType)) };
});
