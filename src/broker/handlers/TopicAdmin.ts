/**
 * CreateTopics, DeleteTopics, CreatePartitions: through the engine, one result per
 * topic with Kafka's error code and message. One broker holds one replica, so a
 * replication factor or an assignment naming any other broker is refused (SingleNodeReplicas).
 * A broker of a ZooKeeper cluster hands them to the controller (ZkAdminManager).
 */
import { KafkaErrors, TributaryError, errorMessageOf } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { CreatePartitions } from '../../protocol/messages/CreatePartitions.js';
import { CreateTopics } from '../../protocol/messages/CreateTopics.js';
import { DeleteTopics } from '../../protocol/messages/DeleteTopics.js';
import { checkSingleNodePlacement, checkSingleNodeReplicas } from '../SingleNodeReplicas.js';
import { errorCodeOf, handler, topicIdBytes, type RequestContext } from '../RequestContext.js';
import { describedConfig } from './DescribeConfigs.js';
import { zkCreatePartitions, zkCreateTopics, zkDeleteTopics } from './ZkAdminManager.js';

type CreatableTopic = RequestOf<typeof CreateTopics>['topics'][number];
type CreatableTopicResult = EncodableResponse<typeof CreateTopics>['topics'][number];
type DeletableTopicResult = EncodableResponse<typeof DeleteTopics>['responses'][number];

const ZERO_UUID = Buffer.alloc(16);

function topicSpec(
  context: RequestContext,
  topic: CreatableTopic,
): { partitions: number; config: Record<string, string> } {
  checkSingleNodePlacement(
    context.metadata.nodeId,
    topic.replicationFactor,
    topic.assignments.map((a) => a.brokerIds),
  );
  const partitions =
    topic.assignments.length > 0
      ? topic.assignments.length
      : topic.numPartitions === -1
        ? context.config.numPartitions
        : topic.numPartitions;
  const config: Record<string, string> = {};
  for (const c of topic.configs) {
    if (c.value === null) throw new TributaryError(`topic config ${c.name} has a null value`, 'ERR_INVALID_CONFIG');
    config[c.name] = c.value;
  }
  return { partitions, config };
}

function createTopic(
  context: RequestContext,
  topic: CreatableTopic,
  validateOnly: boolean,
  duplicated: boolean,
): CreatableTopicResult {
  try {
    if (duplicated)
      throw new TributaryError(`topic '${topic.name}' appears more than once in the request`, 'ERR_INVALID_ARGUMENT');
    const spec = topicSpec(context, topic);
    context.engine.checkNewTopic(topic.name, spec);
    if (validateOnly) {
      return {
        name: topic.name,
        topicId: ZERO_UUID,
        errorCode: 0,
        errorMessage: null,
        numPartitions: spec.partitions,
        replicationFactor: 1,
        configs: [],
      };
    }
    const created = context.engine.createTopic(topic.name, spec);
    return {
      name: topic.name,
      topicId: topicIdBytes(created.id),
      errorCode: 0,
      errorMessage: null,
      numPartitions: created.partitions.length,
      replicationFactor: 1,
      configs: context.engine.topicConfigEntries(topic.name).map(describedConfig),
    };
  } catch (error) {
    return {
      name: topic.name,
      topicId: ZERO_UUID,
      errorCode: errorCodeOf(context, error),
      errorMessage: errorMessageOf(error),
      configs: null,
    };
  }
}

export const handleCreateTopics = handler(CreateTopics, (context, request) => {
  if (context.cluster !== undefined) return zkCreateTopics(context, context.cluster, request);
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics = request.topics.map((t) => createTopic(context, t, request.validateOnly, counts.get(t.name)! > 1));
  return { throttleTimeMs: 0, topics };
});

async function deleteTopic(
  context: RequestContext,
  name: string | null,
  topicId: Buffer,
): Promise<DeletableTopicResult> {
  const resolved = name ?? context.engine.topicNameById(topicId.toString('base64url')) ?? null;
  if (resolved === null) {
    return { name: null, topicId, errorCode: KafkaErrors.UNKNOWN_TOPIC_ID.code, errorMessage: 'unknown topic id' };
  }
  try {
    const id = context.engine.topicId(resolved);
    await context.engine.deleteTopic(resolved);
    return {
      name: resolved,
      topicId: id === undefined ? ZERO_UUID : topicIdBytes(id),
      errorCode: 0,
      errorMessage: null,
    };
  } catch (error) {
    return { name: resolved, topicId, errorCode: errorCodeOf(context, error), errorMessage: errorMessageOf(error) };
  }
}

export const handleDeleteTopics = handler(DeleteTopics, async (context, request) => {
  const targets =
    context.header.apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  if (context.cluster !== undefined) return zkDeleteTopics(context, context.cluster, targets, request.timeoutMs);
  const responses: DeletableTopicResult[] = [];
  for (const t of targets) responses.push(await deleteTopic(context, t.name, t.topicId));
  return { throttleTimeMs: 0, responses };
});

export const handleCreatePartitions = handler(CreatePartitions, (context, request) => {
  if (context.cluster !== undefined) return zkCreatePartitions(context, context.cluster, request);
  const results = request.topics.map((t) => {
    try {
      for (const a of t.assignments ?? []) checkSingleNodeReplicas(context.metadata.nodeId, a.brokerIds);
      const current = context.engine.partitionCount(t.name);
      if (t.count <= current) {
        throw new TributaryError(
          `topic '${t.name}' has ${current} partitions; the count can only grow, asked ${t.count}`,
          'ERR_INVALID_PARTITIONS',
        );
      }
      if (!request.validateOnly) context.engine.createPartitions(t.name, t.count);
      return { name: t.name, errorCode: 0, errorMessage: null };
    } catch (error) {
      return { name: t.name, errorCode: errorCodeOf(context, error), errorMessage: errorMessageOf(error) };
    }
  });
  return { throttleTimeMs: 0, results };
});
