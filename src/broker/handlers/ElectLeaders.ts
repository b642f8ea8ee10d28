/**
 * ElectLeaders on a broker of a ZooKeeper cluster, as Kafka 3.8's KafkaApis.handleElectLeaders
 * and ReplicaManager.electLeaders: the partitions asked (null: every partition the metadata
 * cache knows) go to this broker's controller as one ReplicaLeaderElection event; a broker that
 * is not the active controller answers NOT_CONTROLLER for each (Kafka's admin client sends
 * ElectLeaders to the controller, ControllerNodeProvider). The partitions that elected wait in
 * the purgatory until the metadata cache shows their new leader (DelayedElectLeader), else
 * REQUEST_TIMED_OUT at the request's timeout. Asked for all partitions, those that needed no
 * election are left out of the answer.
 */
import { isTributaryError, KafkaErrors, type KafkaErrorName } from '../../errors.js';
import type { ElectionType, ElectLeaderResult } from '../../controller/KafkaController.js';
import type { ApiError } from '../../controller/PartitionReassignment.js';
import { partitionMap, type TopicPartition, type ValueKeyedMap } from '../../controller/TopicPartition.js';
import type { RequestOf } from '../../protocol/index.js';
import { ElectLeaders } from '../../protocol/messages/ElectLeaders.js';
import { byTopic } from '../../protocol/TopicGroups.js';
import type { MetadataCache } from '../MetadataCache.js';
import { handler, type ClusterContext, type RequestContext } from '../RequestContext.js';
import { clusterOf } from './ControlRequest.js';

type ElectLeadersRequest = RequestOf<typeof ElectLeaders>;

/** org.apache.kafka.common.ElectionType by its wire value. */
const ELECTION_TYPES: readonly ElectionType[] = ['PREFERRED', 'UNCLEAN'];

/** ElectLeadersRequest.topicPartitions: the partitions named, each once; null names all the cache knows. */
function partitionsAsked(request: ElectLeadersRequest, cache: MetadataCache): TopicPartition[] {
  const asked = partitionMap<true>();
  const named =
    request.topicPartitions?.flatMap(({ topic, partitions }) =>
      partitions.map((partition) => ({ topic, partition })),
    ) ?? cache.allTopics().flatMap((topic) => cache.allPartitions(topic).map((partition) => ({ topic, partition })));
  for (const tp of named) asked.set(tp, true);
  return [...asked.keys()];
}

/** The same error for every partition. */
function each(partitions: readonly TopicPartition[], error: ApiError): ValueKeyedMap<TopicPartition, ApiError> {
  const results = partitionMap<ApiError>();
  for (const tp of partitions) results.set(tp, error);
  return results;
}

/**
 * ReplicaManager.electLeaders' electionCallback and DelayedElectLeader: failures as they are;
 * each elected partition NONE once the cache shows its new leader, REQUEST_TIMED_OUT if not by
 * the deadline.
 */
async function awaitLeaders(
  context: RequestContext,
  cluster: ClusterContext,
  results: ValueKeyedMap<TopicPartition, ElectLeaderResult>,
  deadline: number,
): Promise<ValueKeyedMap<TopicPartition, ApiError>> {
  const elected = [...results].flatMap(([tp, r]) => ('leader' in r ? [{ tp, leader: r.leader }] : []));
  const shows = ({ tp, leader }: (typeof elected)[number]): boolean =>
    cluster.metadataCache.partitionState(tp.topic, tp.partition)?.leader === leader;
  if (elected.length > 0)
    await cluster.metadataCache.waitFor(() => elected.every(shows), Math.max(0, deadline - Date.now()), context.signal);
  const answers = partitionMap<ApiError>();
  for (const [tp, r] of results) if (!('leader' in r)) answers.set(tp, r);
  for (const e of elected)
    answers.set(e.tp, shows(e) ? { error: 'NONE', message: null } : { error: 'REQUEST_TIMED_OUT', message: null });
  return answers;
}

async function electLeaders(
  context: RequestContext,
  request: ElectLeadersRequest,
  partitions: readonly TopicPartition[],
  electionType: ElectionType,
): Promise<ValueKeyedMap<TopicPartition, ApiError>> {
  const deadline = Date.now() + request.timeoutMs;
  const cluster = clusterOf(context);
  const controller = cluster.kafkaServer?.kafkaController;
  const notController = each(partitions, { error: 'NOT_CONTROLLER', message: null });
  if (controller === undefined) return notController;
  try {
    return await awaitLeaders(context, cluster, await controller.electLeaders(partitions, electionType), deadline);
  } catch (error) {
    if (isTributaryError(error, 'ERR_NOT_CONTROLLER')) return notController;
    throw error;
  }
}

/**
 * ElectLeadersRequest.getErrorResponse: the request's partitions as it lists them (none when it
 * asks for all), each with the error and no message (ApiError.fromThrowable leaves
 * UNKNOWN_SERVER_ERROR's out), and the error at the top level.
 */
function errorResponse(request: ElectLeadersRequest, error: KafkaErrorName) {
  const { code } = KafkaErrors[error];
  const replicaElectionResults = (request.topicPartitions ?? []).map(({ topic, partitions }) => ({
    topic,
    partitionResult: partitions.map((partitionId) => ({ partitionId, errorCode: code, errorMessage: null })),
  }));
  return { throttleTimeMs: 0, errorCode: code, replicaElectionResults };
}

export const handleElectLeaders = handler(ElectLeaders, async (context, request) => {
  // v0 has no election type: the preferred replica (ElectLeadersRequest.electionType). Another
  // value fails ElectionType.valueOf (IllegalArgumentException) inside KafkaApis.handleElectLeaders,
  // which KafkaApis.handleError answers with getErrorResponse: UNKNOWN_SERVER_ERROR.
  const electionType = ELECTION_TYPES[request.electionType];
  if (electionType === undefined) return errorResponse(request, 'UNKNOWN_SERVER_ERROR');
  const partitions = partitionsAsked(request, clusterOf(context).metadataCache);
  const results = await electLeaders(context, request, partitions, electionType);
  // All partitions asked: only those elected or failed are answered (KafkaApis.handleElectLeaders).
  const answered = [...results].filter(
    ([, r]) => request.topicPartitions !== null || r.error !== 'ELECTION_NOT_NEEDED',
  );
  const replicaElectionResults = byTopic(
    answered.map(([tp, r]) => ({ topic: tp.topic, partition: tp.partition, ...r })),
    (r) => ({ partitionId: r.partition, errorCode: KafkaErrors[r.error].code, errorMessage: r.message }),
  ).map(({ name, partitions: partitionResult }) => ({ topic: name, partitionResult }));
  return { throttleTimeMs: 0, errorCode: 0, replicaElectionResults };
});
