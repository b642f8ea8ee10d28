/** TopicAdmin over the Kafka protocol: Metadata, CreateTopics, DeleteTopics, DescribeConfigs, IncrementalAlterConfigs, ListOffsets. */
import { ResourceType } from '../../broker/handlers/DescribeConfigs.js';
import { NO_LEADER_ID } from '../../broker/MetadataCache.js';
import { DEFAULT_REPLICATION_FACTOR } from '../../broker/SingleNodeReplicas.js';
import type { BrokerConnection } from '../../network/BrokerConnection.js';
import { KafkaErrors } from '../../errors.js';
import { compareStrings, groupByTopic } from '../../group/ConsumerProtocol.js';
import { ApiKey, type ResponseOf } from '../../protocol/index.js';
import { CreateTopics } from '../../protocol/messages/CreateTopics.js';
import { DeleteTopics } from '../../protocol/messages/DeleteTopics.js';
import { DescribeConfigs } from '../../protocol/messages/DescribeConfigs.js';
import { IncrementalAlterConfigs } from '../../protocol/messages/IncrementalAlterConfigs.js';
import { ListOffsets } from '../../protocol/messages/ListOffsets.js';
import { ListPartitionReassignments } from '../../protocol/messages/ListPartitionReassignments.js';
import { Metadata } from '../../protocol/messages/Metadata.js';
import { checkErrorCode, kafkaFailure } from './KafkaFailure.js';
import { NodeConnections, withController, type BrokerNode } from './NodeConnections.js';
import {
  partitionReplicationFactor,
  type NewTopic,
  type OffsetSpec,
  type PartitionInfo,
  type PartitionRef,
  type TopicAdmin,
  type TopicInfo,
} from './TopicAdmin.js';

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

interface ClusterMetadata {
  brokers: BrokerNode[];
  topics: MetadataTopic[];
}

/** A partition and the broker that leads it. */
interface LedPartition extends PartitionRef {
  leader: number;
}

const key = (p: PartitionRef): string => `${p.topic}-${p.partition}`;

function timestampOf(spec: OffsetSpec): number {
  return spec === 'earliest' ? EARLIEST_TIMESTAMP : spec === 'latest' ? LATEST_TIMESTAMP : spec.timestamp;
}

type Reassignment = NonNullable<PartitionInfo['reassignment']>;

function partitionInfo(
  topic: string,
  p: MetadataTopic['partitions'][number],
  starts: Map<string, number>,
  ends: Map<string, number>,
  reassignments: Map<string, Reassignment>,
): PartitionInfo {
  const ref = key({ topic, partition: p.partitionIndex });
  return {
    partition: p.partitionIndex,
    leader: p.leaderId === NO_LEADER_ID ? null : p.leaderId,
    replicas: p.replicaNodes,
    isr: p.isrNodes,
    offlineReplicas: p.offlineReplicas,
    reassignment: reassignments.get(ref) ?? null,
    logStartOffset: starts.get(ref) ?? null,
    logEndOffset: ends.get(ref) ?? null,
  };
}

export class BrokerTopicAdmin implements TopicAdmin {
  constructor(private readonly connection: BrokerConnection) {}

  private async metadata(names: string[] | null): Promise<ClusterMetadata> {
    const topics = names === null ? null : names.map((name) => ({ topicId: ZERO_UUID, name }));
    const response = await this.connection.request(Metadata, {
      topics,
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const found = response.topics.map((t) => ({ ...t, name: t.name ?? '' }));
    for (const t of found) checkErrorCode(`describe topic '${t.name}'`, t.errorCode);
    return { brokers: response.brokers, topics: found.sort((a, b) => compareStrings(a.name, b.name)) };
  }

  async create(topic: NewTopic, ifNotExists: boolean): Promise<boolean> {
    const { name } = topic;
    // CreateTopicsRequest: an assignment carries the partition count and replicas, and then both are -1.
    const manual = topic.assignment.length > 0;
    const creatable = {
      name,
      numPartitions: manual ? -1 : (topic.partitions ?? -1),
      replicationFactor: manual ? DEFAULT_REPLICATION_FACTOR : (topic.replicationFactor ?? DEFAULT_REPLICATION_FACTOR),
      assignments: topic.assignment.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
      configs: Object.entries(topic.configs).map(([key, value]) => ({ name: key, value })),
    };
    const what = `create topic '${name}'`;
    const response = await withController(this.connection, what, (connection) =>
      connection.request(CreateTopics, { topics: [creatable], timeoutMs: TIMEOUT_MS, validateOnly: false }),
    );
    const [result] = response.topics;
    if (ifNotExists && result!.errorCode === KafkaErrors.TOPIC_ALREADY_EXISTS.code) return false;
    checkErrorCode(what, result!.errorCode, result!.errorMessage);
    return true;
  }

  async list(): Promise<string[]> {
    return (await this.metadata(null)).topics.map((t) => t.name);
  }

  /** Leaders, replicas and ISR from Metadata; the offsets from each partition's leader (none where no leader answers). */
  async describe(names: string[]): Promise<TopicInfo[]> {
    const { brokers, topics } = await this.metadata(names.length === 0 ? null : names);
    const led = topics.flatMap((t) =>
      t.partitions
        .filter((p) => p.leaderId !== NO_LEADER_ID)
        .map((p) => ({ topic: t.name, partition: p.partitionIndex, leader: p.leaderId })),
    );
    const [[starts, ends], configs, reassignments] = await Promise.all([
      this.withNodes(brokers, (nodes) =>
        Promise.all([this.leaderOffsets(nodes, led, 'earliest', true), this.leaderOffsets(nodes, led, 'latest', true)]),
      ),
      Promise.all(topics.map((t) => this.configs(t.name))),
      this.reassignments(topics),
    ]);
    return topics.map((t, i) => {
      const partitions = t.partitions
        .map((p) => partitionInfo(t.name, p, starts, ends, reassignments))
        .sort((a, b) => a.partition - b.partition);
      return {
        name: t.name,
        id: t.topicId.toString('base64url'),
        replicationFactor: partitions[0] === undefined ? 0 : partitionReplicationFactor(partitions[0]),
        partitions,
        configs: configs[i]!,
      };
    });
  }

  /**
   * The reassignments in progress among these topics' partitions, from the controller
   * (TopicCommand.listAllReassignments); none from a broker that does not serve
   * ListPartitionReassignments (the single node), as the command takes UnsupportedVersion.
   */
  private async reassignments(topics: MetadataTopic[]): Promise<Map<string, Reassignment>> {
    if (topics.length === 0 || !this.connection.supports(ApiKey.ListPartitionReassignments)) return new Map();
    const what = 'list partition reassignments';
    const response = await withController(this.connection, what, (connection) =>
      connection.request(ListPartitionReassignments, {
        timeoutMs: TIMEOUT_MS,
        topics: topics.map((t) => ({ name: t.name, partitionIndexes: t.partitions.map((p) => p.partitionIndex) })),
      }),
    );
    // No controller answering (one moving, or none running): Metadata's view alone, as describe
    // shows a partition whose leader does not answer ListOffsets without its offsets.
    if (response.errorCode === KafkaErrors.NOT_CONTROLLER.code) return new Map();
    checkErrorCode(what, response.errorCode, response.errorMessage);
    return new Map(
      response.topics.flatMap((t) =>
        t.partitions.map((p): [string, Reassignment] => [
          key({ topic: t.name, partition: p.partitionIndex }),
          { addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas },
        ]),
      ),
    );
  }

  private async withNodes<T>(brokers: BrokerNode[], work: (nodes: NodeConnections) => Promise<T>): Promise<T> {
    const nodes = new NodeConnections(this.connection, brokers);
    try {
      return await work(nodes);
    } finally {
      await nodes.close();
    }
  }

  /**
   * ListOffsets to each leader for the partitions it leads, by topic-partition. `lenient`: a
   * leader that cannot be reached or refuses (one that died before the controller said so)
   * leaves its partitions out, for describe, which shows what Metadata says in any case.
   */
  private async leaderOffsets(
    nodes: NodeConnections,
    partitions: LedPartition[],
    spec: OffsetSpec,
    lenient = false,
  ): Promise<Map<string, number>> {
    const byLeader = new Map<number, LedPartition[]>();
    for (const p of partitions) byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p]);
    const answers = await Promise.all(
      [...byLeader].map(async ([leader, led]) => {
        const asked = nodes
          .to(leader, `list offsets of ${key(led[0]!)}`)
          .then((connection) => listOffsets(connection, led, timestampOf(spec)));
        return lenient ? asked.catch(() => new Map<string, number>()) : asked;
      }),
    );
    return new Map(answers.flatMap((answer) => [...answer]));
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
    const what = `delete topic '${name}'`;
    const response = await withController(this.connection, what, (connection) =>
      connection.request(DeleteTopics, {
        topics: [{ name, topicId: ZERO_UUID }],
        topicNames: [name],
        timeoutMs: TIMEOUT_MS,
      }),
    );
    const [result] = response.responses;
    checkErrorCode(what, result!.errorCode, result!.errorMessage);
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
    const [found] = (await this.metadata([topic])).topics;
    return found!.partitions.length;
  }

  /** Each partition's offset from its leader; a partition Metadata does not know, or that has no leader, fails. */
  async offsets(partitions: PartitionRef[], spec: OffsetSpec): Promise<number[]> {
    if (partitions.length === 0) return [];
    const { brokers, topics } = await this.metadata([...new Set(partitions.map((p) => p.topic))]);
    const leaders = new Map(
      topics.flatMap((t) => t.partitions.map((p) => [key({ topic: t.name, partition: p.partitionIndex }), p.leaderId])),
    );
    const led = partitions.map((p) => {
      const leader = leaders.get(key(p));
      const what = `list offsets of ${key(p)}`;
      if (leader === undefined) throw kafkaFailure(what, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code);
      if (leader === NO_LEADER_ID) throw kafkaFailure(what, KafkaErrors.LEADER_NOT_AVAILABLE.code);
      return { ...p, leader };
    });
    const found = await this.withNodes(brokers, (nodes) => this.leaderOffsets(nodes, led, spec));
    const offsets = partitions.map((p) => found.get(key(p))!);
    // No record at or after the time: the log end, where a consumer would start.
    if (typeof spec !== 'object' || !offsets.includes(-1)) return offsets;
    const ends = await this.offsets(partitions, 'latest');
    return offsets.map((offset, i) => (offset === -1 ? ends[i]! : offset));
  }
}

/** One ListOffsets to one broker; every partition asked must be answered without error. */
async function listOffsets(
  connection: BrokerConnection,
  partitions: PartitionRef[],
  timestamp: number,
): Promise<Map<string, number>> {
  const topics = groupByTopic(partitions).map(({ topic, partitions: indexes }) => ({
    name: topic,
    partitions: indexes.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp })),
  }));
  const response = await connection.request(ListOffsets, { replicaId: -1, isolationLevel: 0, topics });
  const found = new Map<string, number>();
  for (const t of response.topics) {
    for (const p of t.partitions) {
      const ref = key({ topic: t.name, partition: p.partitionIndex });
      checkErrorCode(`list offsets of ${ref}`, p.errorCode);
      found.set(ref, p.offset);
    }
  }
  for (const p of partitions)
    if (!found.has(key(p)))
      throw kafkaFailure(`list offsets of ${key(p)}`, KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code);
  return found;
}
