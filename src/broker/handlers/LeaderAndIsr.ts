/**
 * LeaderAndIsr: the controller makes this broker leader or follower of partitions
 * (KafkaApis.handleLeaderAndIsrRequest, ReplicaManager.becomeLeaderOrFollower). A stale broker
 * epoch or an older controller epoch fails the whole request: the error at the top and on
 * every partition, as LeaderAndIsrRequest.getErrorResponse answers.
 */
import { isTributaryError, KafkaErrors, type KafkaError } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { LeaderAndIsr } from '../../protocol/messages/LeaderAndIsr.js';
import { ZERO_TOPIC_ID } from '../MetadataCache.js';
import type { LeaderAndIsrPartitionState, PartitionResult } from '../ReplicaManager.js';
import { handler, type ClusterContext, type RequestContext } from '../RequestContext.js';
import { clusterOf, isBrokerEpochStale } from './ControlRequest.js';
import { onLeadershipChange } from './CoordinatorLeadership.js';

type LeaderAndIsrRequest = RequestOf<typeof LeaderAndIsr>;
type WirePartitionState = LeaderAndIsrRequest['ungroupedPartitionStates'][number];

function partitionState(p: WirePartitionState, topicName: string, topicId: string | null): LeaderAndIsrPartitionState {
  return {
    topicName,
    topicId: topicId === ZERO_TOPIC_ID ? null : topicId,
    partitionIndex: p.partitionIndex,
    controllerEpoch: p.controllerEpoch,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    isr: p.isr,
    partitionEpoch: p.partitionEpoch,
    replicas: p.replicas,
    leaderRecoveryState: p.leaderRecoveryState === 1 ? 1 : 0,
  };
}

/** v2+ group partition states by topic (with its id from v5); v0-v1 carry the topic in each. */
function partitionStates(request: LeaderAndIsrRequest, version: number): LeaderAndIsrPartitionState[] {
  if (version < 2) return request.ungroupedPartitionStates.map((p) => partitionState(p, p.topicName, null));
  return request.topicStates.flatMap((t) => {
    const topicId = version >= 5 ? t.topicId.toString('base64url') : null;
    return t.partitionStates.map((p) => partitionState(p, t.topicName, topicId));
  });
}

/** v0-v4 list partitions with their topic's name; v5+ group them under the topic's id. */
function response(
  version: number,
  error: KafkaError,
  results: readonly PartitionResult[],
  topicIds: ReadonlyMap<string, string | null>,
): EncodableResponse<typeof LeaderAndIsr> {
  const partitionError = (r: PartitionResult) => ({
    topicName: r.topic,
    partitionIndex: r.partition,
    errorCode: r.error.code,
  });
  if (version < 5) return { errorCode: error.code, partitionErrors: results.map(partitionError) };
  const byTopic = new Map<string, PartitionResult[]>();
  for (const r of results) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
  const topics = [...byTopic].map(([topic, partitions]) => ({
    topicId: Buffer.from(topicIds.get(topic) ?? ZERO_TOPIC_ID, 'base64url'),
    partitionErrors: partitions.map(partitionError),
  }));
  return { errorCode: error.code, topics };
}

/**
 * Partition.createLog's configs (ZkConfigRepository.topicConfig): ZooKeeper's overrides of each
 * topic this broker has no log of yet. ZooKeeper not answering fails the request: the
 * connection closes and the controller's channel sends it again.
 */
async function newTopicConfigs(
  context: RequestContext,
  cluster: ClusterContext,
  states: readonly LeaderAndIsrPartitionState[],
): Promise<Map<string, Record<string, string>>> {
  const zk = cluster.kafkaServer?.zkClient;
  if (zk === undefined) return new Map();
  const topics = [...new Set(states.map((s) => s.topicName))].filter((t) => !context.engine.hasTopic(t));
  return new Map(await Promise.all(topics.map(async (t) => [t, await zk.getEntityConfigs('topics', t)] as const)));
}

export const handleLeaderAndIsr = handler(LeaderAndIsr, async (context, request) => {
  const cluster = clusterOf(context);
  const version = context.header.apiVersion;
  const states = partitionStates(request, version);
  const topicIds = new Map(states.map((s) => [s.topicName, s.topicId]));
  const failAll = (error: KafkaError) =>
    response(
      version,
      error,
      states.map((s) => ({ topic: s.topicName, partition: s.partitionIndex, error })),
      topicIds,
    );
  if (isBrokerEpochStale(cluster, request.brokerEpoch)) return failAll(KafkaErrors.STALE_BROKER_EPOCH);
  try {
    const topicConfigs = await newTopicConfigs(context, cluster, states);
    const results = cluster.replicaManager.becomeLeaderOrFollower(
      request.controllerId,
      request.controllerEpoch,
      states,
      topicConfigs,
    );
    onLeadershipChange(context, context.config.nodeId, states, results);
    return response(version, KafkaErrors.NONE, results, topicIds);
  } catch (error) {
    if (isTributaryError(error, 'ERR_STALE_CONTROLLER_EPOCH')) return failAll(KafkaErrors.STALE_CONTROLLER_EPOCH);
    throw error;
  }
});
