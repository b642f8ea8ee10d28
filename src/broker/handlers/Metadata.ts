/**
 * Metadata: this broker leads every partition (one node, one replica). Unknown topics
 * are created with num.partitions when the broker allows it and the request asks for it
 * (auto.create.topics.enable, allowAutoTopicCreation), as Kafka does.
 */
import { isTributaryError, KafkaErrors } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { Metadata } from '../../protocol/messages/Metadata.js';
import { errorCodeOf, handler, topicIdBytes, type RequestContext } from '../RequestContext.js';

type MetadataRequest = RequestOf<typeof Metadata>;
type MetadataResponseTopic = EncodableResponse<typeof Metadata>['topics'][number];

const ZERO_UUID = Buffer.alloc(16);
/** Kafka's internal topic of committed offsets, marked internal so clients leave it out. */
const OFFSETS_TOPIC = '__consumer_offsets';

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

function ensureTopic(context: RequestContext, name: string, autoCreate: boolean): void {
  if (context.engine.hasTopic(name) || !autoCreate) return;
  try {
    context.engine.createTopic(name, { partitions: context.config.numPartitions });
    context.logger.info('auto-created topic', { topic: name, partitions: context.config.numPartitions });
  } catch (error) {
    if (!isTributaryError(error, 'ERR_TOPIC_EXISTS')) throw error;
  }
}

function topicMetadata(context: RequestContext, name: string, autoCreate: boolean): MetadataResponseTopic {
  try {
    ensureTopic(context, name, autoCreate);
    const topic = context.engine.describeTopic(name);
    const node = context.metadata.nodeId;
    const partitions = topic.partitions.map((p) => ({
      errorCode: 0,
      partitionIndex: p.partition,
      leaderId: node,
      leaderEpoch: 0,
      replicaNodes: [node],
      isrNodes: [node],
      offlineReplicas: [],
    }));
    return { errorCode: 0, name, topicId: topicIdBytes(topic.id), isInternal: name === OFFSETS_TOPIC, partitions };
  } catch (error) {
    return { errorCode: errorCodeOf(context, error), name, topicId: ZERO_UUID, partitions: [] };
  }
}

export const handleMetadata = handler(Metadata, (context, request) => {
  const autoCreate = context.config.autoCreateTopics && request.allowAutoTopicCreation;
  const topics = requestedNames(context, request).map((name) =>
    typeof name === 'string'
      ? topicMetadata(context, name, autoCreate)
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
