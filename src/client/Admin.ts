/**
 * Admin: topic administration of an embedded data directory (Kafka's Admin client,
 * without the network): create, delete, list, describe, grow partitions, alter
 * configs, delete records. Names and configs are checked as Kafka checks them.
 */
import type { Engine, TopicDescription } from '../engine/Engine.js';
import { TributaryError } from '../errors.js';

export interface NewTopic {
  /** Partition count (default 1). */
  partitions?: number;
  /** Topic configs by their Kafka names, e.g. { 'retention.ms': '604800000' }. */
  config?: Record<string, string | number>;
}

export interface RecordsToDelete {
  topic: string;
  partition: number;
  /** Records below this offset are deleted (Kafka's DeleteRecords; -1 means the end). */
  offset: number;
}

export interface DeletedRecords {
  topic: string;
  partition: number;
  /** The new log start offset (Kafka's low watermark). */
  lowWatermark: number;
}

export class Admin {
  constructor(private readonly engine: Engine) {}

  async createTopic(name: string, topic: NewTopic = {}): Promise<TopicDescription> {
    return this.engine.createTopic(name, { partitions: topic.partitions ?? 1, config: topic.config ?? {} });
  }

  async deleteTopic(name: string): Promise<void> {
    await this.engine.deleteTopic(name);
  }

  async listTopics(): Promise<string[]> {
    return this.engine.listTopics();
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    return this.engine.describeTopic(name);
  }

  /** Grows `name` to `totalCount` partitions (never shrinks, as in Kafka). */
  async createPartitions(name: string, totalCount: number): Promise<TopicDescription> {
    return this.engine.createPartitions(name, totalCount);
  }

  /** Sets config overrides; a null value removes one (back to the default). */
  async alterTopicConfig(name: string, config: Record<string, string | number | null>): Promise<TopicDescription> {
    return this.engine.alterTopicConfig(name, config);
  }

  async deleteRecords(requests: RecordsToDelete[]): Promise<DeletedRecords[]> {
    return requests.map(({ topic, partition, offset }) => {
      const p = this.engine.partition(topic, partition);
      const before = offset === -1 ? p.logEndOffset : offset;
      if (!Number.isSafeInteger(before) || before < 0 || before > p.logEndOffset) {
        throw new TributaryError(
          `deleteRecords offset ${offset} is outside [0, ${p.logEndOffset}] for ${topic}-${partition}`,
          'ERR_OFFSET_OUT_OF_RANGE',
          { offset },
        );
      }
      return { topic, partition, lowWatermark: p.deleteRecordsBefore(before) };
    });
  }
}
