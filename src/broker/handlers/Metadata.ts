/**
 * Metadata: this broker leads every partition (one node, one replica). Unknown topics
 * are created with num.partitions when the broker allows it and the request asks for it
 * (auto.create.topics.enable, allowAutoTopicCreation), as Kafka does. A topic that could
 * not be created (past max.broker.partitions, a full disk) carries the creation's error,
 * as Kafka's AutoTopicCreationManager.createTopicsInZk passes it through. Many new names
 * are created in chunks, one registry write each, yielding to the event loop between
 * them, so other connections are answered meanwhile.
 */
import { isTributaryError, KafkaErrors, type TributaryError } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { Metadata } from '../../protocol/messages/Metadata.js';
import { SINGLE_NODE_LEADER_EPOCH } from '../../record/RecordBatchHeader.js';
import { NO_CONTROLLER_ID } from '../MetadataCache.js';
import { autoCreateTopics } from './ZkAdminManager.js';
import { errorCodeOf, handler, topicIdBytes, type ClusterContext, type RequestContext } from '../RequestContext.js';

type MetadataRequest = RequestOf<typeof Metadata>;
type MetadataResponseTopic = EncodableResponse<typeof Metadata>['topics'][number];

const ZERO_UUID = Buffer.alloc(16);
/** Kafka's internal topic of committed offsets, marked internal so clients leave it out. */
const OFFSETS_TOPIC = '__consumer_offsets';
/** Topic.isInternal: the two internal topics. */
const INTERNAL_TOPICS = new Set([OFFSETS_TOPIC, '__transaction_state']);

export function brokerNode(context: RequestContext): { nodeId: number; host: string; port: number; rack: null } {
  return {
    nodeId: context.metadata.nodeId,
    host: context.config.advertisedHost,
    port: context.advertisedPort(),
    rack: null,
  };
}

function requestedNames(context: RequestContext, request: MetadataRequest): (string | { unknownId: Buffer })[] {
  const all = request.topics === null || (context.header.apiVersion === 0 && request.topics.length === 0);
  if (all) return context.engine.listTopics();
  return request.topics!.map(
    (t) => t.name ?? context.engine.topicNameById(t.topicId.toString('base64url')) ?? { unknownId: t.topicId },
  );
}

/** Topics auto-created per engine call (one registry write) before yielding to other requests. */
const AUTO_CREATE_CHUNK = 64;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Creates the unknown names among `names`; returns the error of each one that could not be. */
async function autoCreate(context: RequestContext, names: string[]): Promise<Map<string, TributaryError>> {
  const refused = new Map<string, TributaryError>();
  const partitions = context.config.numPartitions;
  const unknown = [...new Set(names)].filter((name) => !context.engine.hasTopic(name));
  for (let from = 0; from < unknown.length; from += AUTO_CREATE_CHUNK) {
    if (from > 0) await yieldToEventLoop();
    const chunk = unknown.slice(from, from + AUTO_CREATE_CHUNK).filter((name) => !context.engine.hasTopic(name));
    const results = context.engine.createTopics(chunk.map((name) => ({ name, spec: { partitions } })));
    chunk.forEach((name, i) => {
      const result = results[i]!;
      // A topic another request created meanwhile is there to describe.
      if (!isTributaryError(result)) context.logger.info('auto-created topic', { topic: name, partitions });
      else if (result.code !== 'ERR_TOPIC_EXISTS') refused.set(name, result);
    });
  }
  return refused;
}

function topicMetadata(context: RequestContext, name: string, refused?: TributaryError): MetadataResponseTopic {
  try {
    if (refused) throw refused;
    const topic = context.engine.describeTopic(name);
    const node = context.metadata.nodeId;
    const partitions = topic.partitions.map((p) => ({
      errorCode: 0,
      partitionIndex: p.partition,
      leaderId: node,
      leaderEpoch: SINGLE_NODE_LEADER_EPOCH,
      replicaNodes: [node],
      isrNodes: [node],
      offlineReplicas: [],
    }));
    return { errorCode: 0, name, topicId: topicIdBytes(topic.id), isInternal: name === OFFSETS_TOPIC, partitions };
  } catch (error) {
    return { errorCode: errorCodeOf(context, error), name, topicId: ZERO_UUID, partitions: [] };
  }
}

/**
 * Cluster mode: everything from the metadata cache (KafkaApis.handleTopicMetadataRequest with
 * ZkMetadataCache.getTopicMetadata): the live brokers on this listener, each partition's
 * leader, leader epoch, replicas, ISR and offline replicas, the controller. A topic the cache
 * does not know is created in ZooKeeper when auto-creation is allowed (LEADER_NOT_AVAILABLE
 * until the controller elects its leaders), else UNKNOWN_TOPIC_OR_PARTITION.
 */
async function clusterMetadata(context: RequestContext, cluster: ClusterContext, request: MetadataRequest) {
  const { metadataCache: cache, listenerName } = cluster;
  const version = context.header.apiVersion;
  const errors = { errorUnavailableEndpoints: version === 0, errorUnavailableListeners: version >= 6 };
  const all = request.topics === null || (version === 0 && request.topics.length === 0);
  const names = all
    ? cache.allTopics()
    : request.topics!.map(
        (t) => t.name ?? cache.topicName(t.topicId.toString('base64url')) ?? { unknownId: t.topicId },
      );
  // KafkaApis.getTopicMetadata: unknown names are created when the broker and the request allow it.
  const unknown = names.filter((n): n is string => typeof n === 'string' && !cache.contains(n));
  const created =
    context.config.autoCreateTopics && request.allowAutoTopicCreation && unknown.length > 0
      ? await autoCreateTopics(context, cluster, [...new Set(unknown)])
      : new Map<string, number>();
  const topics = names.map((name): MetadataResponseTopic => {
    if (typeof name !== 'string')
      return { errorCode: KafkaErrors.UNKNOWN_TOPIC_ID.code, name: null, topicId: name.unknownId, partitions: [] };
    const partitions = cache.topicMetadata(name, listenerName, errors);
    if (partitions === undefined) {
      const errorCode = created.get(name) ?? KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code;
      return { errorCode, name, topicId: ZERO_UUID, isInternal: INTERNAL_TOPICS.has(name), partitions: [] };
    }
    const topicId = topicIdBytes(cache.topicId(name));
    return { errorCode: 0, name, topicId, isInternal: INTERNAL_TOPICS.has(name), partitions };
  });
  return {
    throttleTimeMs: 0,
    brokers: cache.aliveBrokerNodes(listenerName),
    clusterId: context.metadata.clusterId,
    controllerId: cache.controllerId ?? NO_CONTROLLER_ID,
    topics,
  };
}

export const handleMetadata = handler(Metadata, async (context, request) => {
  if (context.cluster !== undefined) return clusterMetadata(context, context.cluster, request);
  const names = requestedNames(context, request);
  const refused =
    context.config.autoCreateTopics && request.allowAutoTopicCreation
      ? await autoCreate(
          context,
          names.filter((name) => typeof name === 'string'),
        )
      : new Map<string, TributaryError>();
  const topics = names.map((name) =>
    typeof name === 'string'
      ? topicMetadata(context, name, refused.get(name))
      : { errorCode: KafkaErrors.UNKNOWN_TOPIC_ID.code, name: null, topicId: name.unknownId, partitions: [] },
  );
  return {
    throttleTimeMs: 0,
    brokers: [brokerNode(context)],
    clusterId: context.metadata.clusterId,
    controllerId: context.metadata.nodeId,
    topics,
  };
});
