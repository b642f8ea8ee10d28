/**
 * FindCoordinator: the single node coordinates every group (key type 0) and every
 * transactional id (key type 1). In cluster mode the coordinator is the leader of the key's
 * partition of `__consumer_offsets` or `__transaction_state`, as the metadata cache knows it
 * (KafkaApis.getCoordinator); no live leader is COORDINATOR_NOT_AVAILABLE, and so is a topic
 * the cache does not know, which is then created in ZooKeeper (the client retries until the
 * controller has elected its leaders).
 */
import { KafkaErrors } from '../../errors.js';
import type { EncodableResponse } from '../../protocol/index.js';
import { FindCoordinator } from '../../protocol/messages/FindCoordinator.js';
import { NO_LEADER_ID } from '../MetadataCache.js';
import { handler, type ClusterContext, type RequestContext } from '../RequestContext.js';
import { brokerNode } from './Metadata.js';
import { autoCreateTopics } from './ZkAdminManager.js';

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
 * The key's partition as its coordinator computes it (partitionFor: Utils.abs(key.hashCode) %
 * the cluster's partition count), then that partition's live leader on this listener.
 */
async function clusterCoordinatorFor(
  context: RequestContext,
  cluster: ClusterContext,
  key: string,
  keyType: number,
): Promise<Coordinator> {
  const { metadataCache: cache, listenerName } = cluster;
  const topic = COORDINATOR_TOPICS[keyType];
  if (topic === undefined) return NOT_AVAILABLE;
  if (!cache.contains(topic)) {
    // KafkaApis.getCoordinator: autoTopicCreationManager.createTopics, whatever auto.create.topics.enable says.
    await autoCreateTopics(context, cluster, [topic]);
    return NOT_AVAILABLE;
  }
  const partition = keyType === 0 ? context.groups.partitionFor(key) : context.transactions.partitionFor(key);
  const leader = cache.partitionState(topic, partition)?.leader ?? NO_LEADER_ID;
  const node = cache.aliveEndpoint(leader, listenerName);
  if (node === undefined) return NOT_AVAILABLE;
  return { nodeId: node.nodeId, host: node.host, port: node.port, errorCode: 0, errorMessage: null };
}

export const handleFindCoordinator = handler(FindCoordinator, async (context, request) => {
  if (context.header.apiVersion >= 4) {
    const coordinators = [];
    // One at a time: the first unknown internal topic is created once, the next keys find it in ZooKeeper.
    for (const key of request.coordinatorKeys)
      coordinators.push({ key, ...(await coordinatorFor(context, key, request.keyType)) });
    return { throttleTimeMs: 0, coordinators };
  }
  return { throttleTimeMs: 0, ...(await coordinatorFor(context, request.key, request.keyType)) };
});
