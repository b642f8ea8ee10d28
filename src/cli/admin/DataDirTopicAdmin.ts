/** TopicAdmin in-process, on a data directory through the embedded API. */
import { DEFAULT_BROKER_CONFIG } from '../../broker/BrokerConfig.js';
import { readMetaProperties } from '../../broker/BrokerMetadata.js';
import { checkSingleNodePlacement, DEFAULT_REPLICATION_FACTOR } from '../../broker/SingleNodeReplicas.js';
import type { Tributary } from '../../client/Tributary.js';
import type { TopicDescription } from '../../engine/TopicDescription.js';
import { TOPIC_CONFIGS } from '../../engine/TopicConfig.js';
import { isTributaryError } from '../../errors.js';
import { inProcess } from './KafkaFailure.js';
import type { NewTopic, OffsetSpec, PartitionRef, TopicAdmin, TopicInfo } from './TopicAdmin.js';

/** A data directory's partitions are all led by its node, their only replica. */
function topicInfo(d: TopicDescription, nodeId: number): TopicInfo {
  const configs = Object.entries(d.config).filter(([key, value]) => value !== TOPIC_CONFIGS[key]?.default);
  return {
    name: d.name,
    id: d.id,
    replicationFactor: 1,
    partitions: d.partitions.map(({ partition, logStartOffset, logEndOffset }) => ({
      partition,
      leader: nodeId,
      replicas: [nodeId],
      isr: [nodeId],
      offlineReplicas: [],
      reassignment: null,
      logStartOffset,
      logEndOffset,
    })),
    configs: Object.fromEntries(configs),
  };
}

export class DataDirTopicAdmin implements TopicAdmin {
  /** The node a broker served the directory as (meta.properties), else serve's default node id. */
  private readonly nodeId: number;

  constructor(private readonly tributary: Tributary) {
    this.nodeId = readMetaProperties(tributary.dataDir)?.nodeId ?? DEFAULT_BROKER_CONFIG.nodeId;
  }

  create(topic: NewTopic, ifNotExists: boolean): Promise<boolean> {
    const { name, partitions, configs } = topic;
    return inProcess(`create topic '${name}'`, async () => {
      checkSingleNodePlacement(this.nodeId, topic.replicationFactor ?? DEFAULT_REPLICATION_FACTOR, topic.assignment);
      try {
        const count = topic.assignment.length > 0 ? topic.assignment.length : partitions;
        await this.tributary.admin.createTopic(name, { partitions: count, config: configs });
        return true;
      } catch (error) {
        if (ifNotExists && isTributaryError(error, 'ERR_TOPIC_EXISTS')) return false;
        throw error;
      }
    });
  }

  list(): Promise<string[]> {
    return this.tributary.admin.listTopics();
  }

  async describe(names: string[]): Promise<TopicInfo[]> {
    const all = names.length === 0 ? await this.list() : names;
    return Promise.all(
      all.map((name) =>
        inProcess(`describe topic '${name}'`, async () =>
          topicInfo(await this.tributary.admin.describeTopic(name), this.nodeId),
        ),
      ),
    );
  }

  delete(name: string): Promise<void> {
    return inProcess(`delete topic '${name}'`, () => this.tributary.admin.deleteTopic(name));
  }

  async alterConfig(name: string, set: Record<string, string>, remove: string[]): Promise<void> {
    const changes: Record<string, string | null> = { ...set, ...Object.fromEntries(remove.map((key) => [key, null])) };
    await inProcess(`alter configs of topic '${name}'`, () => this.tributary.admin.alterTopicConfig(name, changes));
  }

  async partitionCount(topic: string): Promise<number> {
    const [info] = await this.describe([topic]);
    return info!.partitions.length;
  }

  /** Where a consumer assigned the partitions at `spec` would start. */
  offsets(partitions: PartitionRef[], spec: OffsetSpec): Promise<number[]> {
    return inProcess('list offsets', async () => {
      const consumer = this.tributary.consumer();
      try {
        consumer.assign(partitions.map((p) => ({ ...p, offset: spec })));
        return partitions.map((p) => consumer.position(p));
      } finally {
        await consumer.close();
      }
    });
  }
}
