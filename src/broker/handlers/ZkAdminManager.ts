/**
 * ZkAdminManager: CreateTopics, DeleteTopics and CreatePartitions on a broker of a ZooKeeper
 * cluster, as Kafka 3.8's KafkaApis (ZooKeeper mode) and kafka.server.ZkAdminManager: a broker
 * that is not the controller answers NOT_CONTROLLER for every topic (clients find the
 * controller in Metadata and retry there); the controller writes ZooKeeper (AdminZkClient)
 * and answers once its metadata cache shows what the controller did (DelayedCreatePartitions:
 * every partition has a leader; DelayedDeleteTopics: the topic is gone), or REQUEST_TIMED_OUT
 * at the request's timeout (at once for a timeout <= 0).
 */
import { KafkaErrors, TributaryError, errorMessageOf } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import type { CreatePartitions } from '../../protocol/messages/CreatePartitions.js';
import type { CreateTopics } from '../../protocol/messages/CreateTopics.js';
import type { DeleteTopics } from '../../protocol/messages/DeleteTopics.js';
import { assignReplicasToBrokers } from '../../controller/AdminUtils.js';
import { AdminZkClient } from '../AdminZkClient.js';
import { INTERNAL_TOPIC_CONFIG } from '../../engine/InternalTopic.js';
import { GROUP_METADATA_TOPIC_NAME } from '../../group/OffsetsTopicStore.js';
import { DEFAULT_TRANSACTION_CONFIG } from '../../transaction/TransactionCoordinator.js';
import { TRANSACTION_STATE_TOPIC_NAME } from '../../transaction/TransactionStateManager.js';
import type { MetadataCache } from '../MetadataCache.js';
import { errorCodeOf, topicIdBytes, type ClusterContext, type RequestContext } from '../RequestContext.js';

type CreateTopicsResponse = EncodableResponse<typeof CreateTopics>;
type CreatableTopic = RequestOf<typeof CreateTopics>['topics'][number];
type DeleteTopicsResponse = EncodableResponse<typeof DeleteTopics>;
type CreatePartitionsResponse = EncodableResponse<typeof CreatePartitions>;

const ZERO_UUID = Buffer.alloc(16);
/** CreateTopicsRequest.NO_NUM_PARTITIONS and NO_REPLICATION_FACTOR */
const NO_NUM_PARTITIONS = -1;
const NO_REPLICATION_FACTOR = -1;

/** The admin client when this broker is the active controller, else undefined (NOT_CONTROLLER). */
function activeAdmin(cluster: ClusterContext): AdminZkClient | undefined {
  const server = cluster.kafkaServer;
  return server?.kafkaController?.isActive === true ? new AdminZkClient(server.zkClient) : undefined;
}

const notController = { errorCode: KafkaErrors.NOT_CONTROLLER.code, errorMessage: null };

/** DelayedCreatePartitions.isMissingLeader: a partition the cache does not know, or knows without a leader. */
function hasLeaders(cache: MetadataCache, topic: string, partitions: number): boolean {
  for (let p = 0; p < partitions; p++) if ((cache.partitionState(topic, p)?.leader ?? -1) < 0) return false;
  return true;
}

interface Created {
  readonly topicId: string | null;
  readonly partitions: number;
  readonly replicationFactor: number;
}

/** ZkAdminManager.createTopics for one topic: its assignment, validated, written (unless validateOnly). */
async function createTopic(
  context: RequestContext,
  cluster: ClusterContext,
  admin: AdminZkClient,
  topic: CreatableTopic,
  validateOnly: boolean,
): Promise<Created> {
  if (cluster.metadataCache.contains(topic.name))
    throw new TributaryError(`Topic '${topic.name}' already exists.`, 'ERR_TOPIC_EXISTS');
  const nullConfigs = topic.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nullConfigs.length > 0)
    throw new TributaryError(
      `Null value not supported for topic configs: ${nullConfigs.join(',')}`,
      'ERR_INVALID_CONFIG',
    );
  if (
    (topic.numPartitions !== NO_NUM_PARTITIONS || topic.replicationFactor !== NO_REPLICATION_FACTOR) &&
    topic.assignments.length > 0
  )
    throw new TributaryError(
      'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
      'ERR_INVALID_REQUEST',
    );
  const numPartitions = topic.numPartitions === NO_NUM_PARTITIONS ? context.config.numPartitions : topic.numPartitions;
  const replicationFactor =
    topic.replicationFactor === NO_REPLICATION_FACTOR
      ? context.config.cluster!.defaultReplicationFactor
      : topic.replicationFactor;
  const assignment =
    topic.assignments.length === 0
      ? assignReplicasToBrokers(cluster.metadataCache.aliveBrokerMetadata(), numPartitions, replicationFactor)
      : new Map(topic.assignments.map((a) => [a.partitionIndex, a.brokerIds]));
  const config = Object.fromEntries(topic.configs.map((c) => [c.name, c.value!]));
  const normalized = await admin.validateTopicCreate(topic.name, assignment, config);
  const partitions = assignment.size;
  const factor = assignment.get(0)?.length ?? replicationFactor;
  if (validateOnly) return { topicId: null, partitions, replicationFactor: factor };
  const topicId = await admin.createTopicWithAssignment(topic.name, normalized, assignment);
  return { topicId, partitions, replicationFactor: factor };
}

export async function zkCreateTopics(
  context: RequestContext,
  cluster: ClusterContext,
  request: RequestOf<typeof CreateTopics>,
): Promise<CreateTopicsResponse> {
  const admin = activeAdmin(cluster);
  if (admin === undefined)
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, topicId: ZERO_UUID, ...notController, configs: null })),
    };
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const outcomes: (Created | { readonly error: unknown })[] = await Promise.all(
    request.topics.map(async (t) => {
      try {
        if (counts.get(t.name)! > 1)
          throw new TributaryError('Found multiple entries for this topic.', 'ERR_INVALID_REQUEST');
        return await createTopic(context, cluster, admin, t, request.validateOnly);
      } catch (error) {
        return { error };
      }
    }),
  );
  // DelayedCreatePartitions: every created topic's partitions have leaders, or the timeout.
  const led = (i: number): boolean => {
    const outcome = outcomes[i]!;
    return (
      'error' in outcome ||
      outcome.topicId === null ||
      hasLeaders(cluster.metadataCache, request.topics[i]!.name, outcome.partitions)
    );
  };
  if (request.timeoutMs > 0)
    await cluster.metadataCache.waitFor(() => outcomes.every((_, i) => led(i)), request.timeoutMs, context.signal);
  const topics = request.topics.map((t, i) => {
    const outcome = outcomes[i]!;
    if ('error' in outcome)
      return {
        name: t.name,
        topicId: ZERO_UUID,
        errorCode: errorCodeOf(context, outcome.error),
        errorMessage: errorMessageOf(outcome.error),
        configs: null,
      };
    return {
      name: t.name,
      topicId: outcome.topicId === null ? ZERO_UUID : topicIdBytes(outcome.topicId),
      // A timeout <= 0 answers at once: REQUEST_TIMED_OUT for every topic written (ZkAdminManager.createTopics).
      errorCode:
        outcome.topicId !== null && (request.timeoutMs <= 0 || !led(i)) ? KafkaErrors.REQUEST_TIMED_OUT.code : 0,
      errorMessage: null,
      numPartitions: outcome.partitions,
      replicationFactor: outcome.replicationFactor,
      configs: [],
    };
  });
  return { throttleTimeMs: 0, topics };
}

/**
 * AutoTopicCreationManager.creatableTopic: the internal topics with their own partition count
 * and replication factor (not capped by the live brokers: since KIP-115 a factor above them
 * fails the creation, INVALID_REPLICATION_FACTOR, until enough brokers are up) and their
 * configs; any other topic with num.partitions and default.replication.factor.
 */
function creatableTopic(context: RequestContext, name: string): CreatableTopic {
  const cluster = context.config.cluster!;
  const internal = (numPartitions: number, replicationFactor: number) => ({
    numPartitions,
    replicationFactor,
    configs: Object.entries(INTERNAL_TOPIC_CONFIG).map(([configName, value]) => ({ name: configName, value })),
  });
  const spec =
    name === GROUP_METADATA_TOPIC_NAME
      ? internal(context.config.groups.offsetsTopicPartitions ?? 50, cluster.offsetsTopicReplicationFactor)
      : name === TRANSACTION_STATE_TOPIC_NAME
        ? internal(
            context.config.transactions.stateLogNumPartitions ?? DEFAULT_TRANSACTION_CONFIG.stateLogNumPartitions,
            cluster.transactionTopicReplicationFactor,
          )
        : { numPartitions: NO_NUM_PARTITIONS, replicationFactor: NO_REPLICATION_FACTOR, configs: [] };
  return { name, assignments: [], ...spec };
}

/**
 * AutoTopicCreationManager.createTopicsInZk: Metadata's unknown topics, and FindCoordinator's
 * internal topics, created from any broker (ZooKeeper is written directly, timeout 0); each
 * answers LEADER_NOT_AVAILABLE once written (TOPIC_ALREADY_EXISTS and the expected
 * REQUEST_TIMED_OUT become it), or the creation's error.
 */
export async function autoCreateTopics(
  context: RequestContext,
  cluster: ClusterContext,
  names: readonly string[],
): Promise<Map<string, number>> {
  const server = cluster.kafkaServer;
  const errors = new Map<string, number>();
  if (server === undefined) return errors;
  const admin = new AdminZkClient(server.zkClient);
  for (const name of names) {
    try {
      await createTopic(context, cluster, admin, creatableTopic(context, name), false);
      context.logger.info('auto-created topic', { topic: name });
      errors.set(name, KafkaErrors.LEADER_NOT_AVAILABLE.code);
    } catch (error) {
      const code = errorCodeOf(context, error);
      errors.set(name, code === KafkaErrors.TOPIC_ALREADY_EXISTS.code ? KafkaErrors.LEADER_NOT_AVAILABLE.code : code);
    }
  }
  return errors;
}

export async function zkDeleteTopics(
  context: RequestContext,
  cluster: ClusterContext,
  targets: readonly { name: string | null; topicId: Buffer }[],
  timeoutMs: number,
): Promise<DeleteTopicsResponse> {
  const admin = activeAdmin(cluster);
  const cache = cluster.metadataCache;
  const results = await Promise.all(
    targets.map(async (t) => {
      const name = t.name ?? cache.topicName(t.topicId.toString('base64url')) ?? null;
      const topicId = name === null ? t.topicId : topicIdBytes(cache.topicId(name));
      if (admin === undefined) return { name, topicId, ...notController };
      if (name === null) return { name, topicId, errorCode: KafkaErrors.UNKNOWN_TOPIC_ID.code, errorMessage: null };
      if (!cache.contains(name))
        return { name, topicId, errorCode: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, errorMessage: null };
      try {
        await admin.deleteTopic(name);
      } catch (error) {
        return { name, topicId, errorCode: errorCodeOf(context, error), errorMessage: errorMessageOf(error) };
      }
      // DelayedDeleteTopics: done once the cache no longer has the topic.
      const gone = timeoutMs > 0 && (await cache.waitFor(() => !cache.contains(name), timeoutMs, context.signal));
      return { name, topicId, errorCode: gone ? 0 : KafkaErrors.REQUEST_TIMED_OUT.code, errorMessage: null };
    }),
  );
  return { throttleTimeMs: 0, responses: results };
}

export async function zkCreatePartitions(
  context: RequestContext,
  cluster: ClusterContext,
  request: RequestOf<typeof CreatePartitions>,
): Promise<CreatePartitionsResponse> {
  const admin = activeAdmin(cluster);
  const cache = cluster.metadataCache;
  const results = await Promise.all(
    request.topics.map(async (t) => {
      if (admin === undefined) return { name: t.name, ...notController };
      try {
        const current = cache.allPartitions(t.name).length;
        if (current > 0 && t.count < current)
          throw new TributaryError(
            `Topic currently has ${current} partitions, ${t.count} would not be an increase.`,
            'ERR_INVALID_PARTITIONS',
          );
        const manual = t.assignments?.map((a) => a.brokerIds) ?? null;
        await admin.addPartitions(t.name, t.count, cache.aliveBrokerMetadata(), manual, request.validateOnly);
      } catch (error) {
        return { name: t.name, errorCode: errorCodeOf(context, error), errorMessage: errorMessageOf(error) };
      }
      if (request.validateOnly) return { name: t.name, errorCode: 0, errorMessage: null };
      const led =
        request.timeoutMs > 0 &&
        (await cache.waitFor(() => hasLeaders(cache, t.name, t.count), request.timeoutMs, context.signal));
      return { name: t.name, errorCode: led ? 0 : KafkaErrors.REQUEST_TIMED_OUT.code, errorMessage: null };
    }),
  );
  return { throttleTimeMs: 0, results };
}
