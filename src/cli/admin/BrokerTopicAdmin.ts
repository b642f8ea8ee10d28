/** TopicAdmin over the Kafka protocol: Metadata, CreateTopics, DeleteTopics, DescribeConfigs, IncrementalAlterConfigs, ListOffsets. */
import { ResourceType } from '../../broker/handlers/DescribeConfigs.js';
import type { BrokerConnection } from '../../client/BrokerConnection.js';
import { KafkaErrors } from '../../errors.js';
import { compareStrings, groupByTopic } from '../../group/ConsumerProtocol.js';
import type { ResponseOf } from '../../protocol/index.js';
import { CreateTopics } from '../../protocol/messages/CreateTopics.js';
import { DeleteTopics } from '../../protocol/messages/DeleteTopics.js';
import { DescribeConfigs } from '../../protocol/messages/DescribeConfigs.js';
import { IncrementalAlterConfigs } from '../../protocol/messages/IncrementalAlterConfigs.js';
import { ListOffsets } from '../../protocol/messages/ListOffsets.js';
import { Metadata } from '../../protocol/messages/Metadata.js';
import { checkErrorCode, kafkaFailure } from './KafkaFailure.js';
import type { OffsetSpec, PartitionRef, TopicAdmin, TopicInfo } from './TopicAdmin.js';

const ZERO_UUID = Buffer.alloc(16);
const TIMEOUT_MS = 30_000;
/** ListOffsets' special timestamps. */
const EARLIEST_TIMESTAMP = -2;
const LATEST_TIMESTAMP = -1;
/** DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG */
const DEFAULT_CONFIG = 5;
/** IncrementalAlterConfigs' AlterConfigOp.OpType */
const OpType = { SET: 0, DELETE: 1 } as const;

/** A topic of the Metadata response, by name (the requests here name every topic). */
type MetadataTopic = ResponseOf<typeof Metadata>['topics'][number] & { name: string };

function timestampOf(spec: OffsetSpec): number {
  return spec === 'earliest' ? EARLIEST_TIMESTAMP : spec === 'latest' ? LATEST_TIMESTAMP : spec.timestamp;
}

export class BrokerTopicAdmin implements TopicAdmin {
  constructor(private readonly connection: BrokerConnection) {}

  private async metadata(names: string[] | null): Promise<MetadataTopic[]> {
    const topics = names === null ? null : names.map((name) => ({ topicId: ZERO_UUID, name }));
    const response = await this.connection.request(Metadata, {
      topics,
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const found = response.topics.map((t) => ({ ...t, name: t.name ?? '' }));
    for (const t of found) checkErrorCode(`describe topic '${t.name}'`, t.errorCode);
    return found.sort((a, b) => compareStrings(a.name, b.name));
  }

  async create(
    name: string,
    partitions: number | undefined,
    configs: Record<string, string>,
    ifNotExists: boolean,
  ): Promise<boolean> {
    const topic = {
      name,
      numPartitions: partitions ?? -1,
      replicationFactor: -1,
      assignments: [],
      configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
    };
    const response = await this.connection.request(CreateTopics, {
      topics: [topic],
      timeoutMs: TIMEOUT_MS,
      validateOnly: false,
    });
    const [result] = response.topics;
    if (ifNotExists && result!.errorCode === KafkaErrors.TOPIC_ALREADY_EXISTS.code) return false;
    checkErrorCode(`create topic '${name}'`, result!.errorCode, result!.errorMessage);
    return true;
  }

  async list(): Promise<string[]> {
    return (await this.metadata(null)).map((t) => t.name);
  }

  async describe(names: string[]): Promise<TopicInfo[]> {
    const topics = await this.metadata(names.length === 0 ? null : names);
    const refs = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    const [starts, ends, configs] = await Promise.all([
      this.offsets(refs, 'earliest'),
      this.offsets(refs, 'latest'),
      Promise.all(topics.map((t) => this.configs(t.name))),
    ]);
    const offsets = new Map(
      refs.map((r, i) => [
        `${r.topic}-${r.partition}`,
        { partition: r.partition, logStartOffset: starts[i]!, logEndOffset: ends[i]! },
      ]),
    );
    return topics.map((t, i) => ({
      name: t.name,
      id: t.topicId.toString('base64url'),
      partitions: t.partitions
        .map((p) => offsets.get(`${t.name}-${p.partitionIndex}`)!)
        .sort((a, b) => a.partition - b.partition),
      configs: configs[i]!,
    }));
  }

  private async configs(name: string): Promise<Record<string, string>> {
    const response = await this.connection.request(DescribeConfigs, {
      resources: [{ resourceType: ResourceType.TOPIC, resourceName: name, configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const [result] = response.results;
    checkErrorCode(`describe configs of topic '${name}'`, result!.errorCode, result!.errorMessage);
    const set = result!.configs.filter((c) => c.configSource !== DEFAULT_CONFIG && c.value !== null);
    return Object.fromEntries(set.map((c) => [c.name, c.value!]));
  }

  async delete(name: string): Promise<void> {
    const response = await this.connection.request(DeleteTopics, {
      topics: [{ name, topicId: ZERO_UUID }],
      topicNames: [name],
      timeoutMs: TIMEOUT_MS,
    });
    const [result] = response.responses;
    checkErrorCode(`delete topic '${name}'`, result!.errorCode, result!.errorMessage);
  }

  async alterConfig(name: string, set: Record<string, string>, remove: string[]): Promise<void> {
    const configs = [
      ...Object.entries(set).map(([key, value]) => ({ name: key, configOperation: OpType.SET, value })),
      ...remove.map((key) => ({ name: key, configOperation: OpType.DELETE, value: null })),
    ];
    const response = await this.connection.request(IncrementalAlterConfigs, {
      resources: [{ resourceType: ResourceType.TOPIC, resourceName: name, configs }],
      validateOnly: false,
    });
    const [result] = response.responses;
    checkErrorCode(`alter configs of topic '${name}'`, result!.errorCode, result!.errorMessage);
  }

  async partitionCount(topic: string): Promise<number> {
    const [found] = await this.metadata([topic]);
    return found!.partitions.length;
  }

  async offsets(partitions: PartitionRef[], spec: OffsetSpec): Promise<number[]> {
    if (partitions.length === 0) return [];
    const timestamp = timestampOf(spec);
    const topics = groupByTopic(partitions).map(({ topic, partitions: indexes }) => ({
      name: topic,
      partitions: indexes.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp })),
    }));
    const response = await this.connection.request(ListOffsets, { replicaId: -1, isolationLevel: 0, topics });
    const found = new Map<string, number>();
    for (const t of response.topics) {
      for (const p of t.partitions) {
        checkErrorCode(`list offsets of ${t.name}-${p.partitionIndex}`, p.errorCode);
        found.set(`${t.name}-${p.partitionIndex}`, p.offset);
      }
    }
    const offsets = partitions.map((p) => {
      const offset = found.get(`${p.topic}-${p.partition}`);
      if (offset === undefined)
        throw kafkaFailure(`list offsets of ${p.topic}-${p.partition}`, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code);
      return offset;
    });
    // No record at or after the time: the log end, where a consumer would start.
    if (typeof spec !== 'object' || !offsets.includes(-1)) return offsets;
    const ends = await this.offsets(partitions, 'latest');
    return offsets.map((offset, i) => (offset === -1 ? ends[i]! : offset));
  }
}
