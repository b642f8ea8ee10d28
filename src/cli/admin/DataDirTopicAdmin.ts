/** TopicAdmin in-process, on a data directory through the embedded API. */
import type { Tributary } from '../../client/Tributary.js';
import type { TopicDescription } from '../../engine/TopicDescription.js';
import { TOPIC_CONFIGS } from '../../engine/TopicConfig.js';
import { isTributaryError } from '../../errors.js';
import { inProcess } from './KafkaFailure.js';
import type { OffsetSpec, PartitionRef, TopicAdmin, TopicInfo } from './TopicAdmin.js';

function topicInfo(d: TopicDescription): TopicInfo {
  const configs = Object.entries(d.config).filter(([key, value]) => value !== TOPIC_CONFIGS[key]?.default);
  return {
    name: d.name,
    id: d.id,
    partitions: d.partitions.map(({ partition, logStartOffset, logEndOffset }) => ({
      partition,
      logStartOffset,
      logEndOffset,
    })),
    configs: Object.fromEntries(configs),
  };
}

export class DataDirTopicAdmin implements TopicAdmin {
  constructor(private readonly tributary: Tributary) {}

  create(
    name: string,
    partitions: number | undefined,
    configs: Record<string, string>,
    ifNotExists: boolean,
  ): Promise<boolean> {
    return inProcess(`create topic '${name}'`, async () => {
      try {
        await this.tributary.admin.createTopic(name, { partitions, config: configs });
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
        inProcess(`describe topic '${name}'`, async () => topicInfo(await this.tributary.admin.describeTopic(name))),
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
