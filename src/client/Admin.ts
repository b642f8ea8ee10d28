/**
 * Admin: topic administration of an embedded data directory (Kafka's Admin client,
 * without the network): create, delete, list, describe, grow partitions, alter
 * configs, delete records. Names and configs are checked as Kafka checks them.
 */
import type { Engine } from '../engine/Engine.js';
import type { ProducerState } from '../engine/Partition.js';
import type { TopicDescription } from '../engine/TopicDescription.js';
import { TributaryError } from '../errors.js';
import {
  checkArray,
  checkConfigs,
  checkNonEmptyString,
  checkOptions,
  checkPartitionCount,
  checkTopicPartition,
} from './Arguments.js';

export interface NewTopic {
  /** Partition count (default 1). */
  partitions?: number;
  /** Topic configs by their Kafka names, each a string as in Kafka's Admin, e.g. { 'retention.ms': '604800000' }. */
  config?: Record<string, string>;
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

  async createTopic(name: string, topic?: NewTopic): Promise<TopicDescription> {
    checkNonEmptyString('createTopic: name', name);
    const { partitions = 1, config } = checkOptions('createTopic: topic', topic);
    checkPartitionCount('createTopic: partitions', partitions);
    return this.engine.createTopic(name, { partitions, config: checkConfigs('createTopic: config', config) });
  }

  async deleteTopic(name: string): Promise<void> {
    await this.engine.deleteTopic(checkNonEmptyString('deleteTopic: name', name));
  }

  async listTopics(): Promise<string[]> {
    return this.engine.listTopics();
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    return this.engine.describeTopic(checkNonEmptyString('describeTopic: name', name));
  }

  /** Grows `name` to `totalCount` partitions (never shrinks, as in Kafka). */
  async createPartitions(name: string, totalCount: number): Promise<TopicDescription> {
    checkNonEmptyString('createPartitions: name', name);
    return this.engine.createPartitions(name, checkPartitionCount('createPartitions: totalCount', totalCount));
  }

  /** Sets config overrides; a null value removes one (back to the default). */
  async alterTopicConfig(name: string, config: Record<string, string | null>): Promise<TopicDescription> {
    checkNonEmptyString('alterTopicConfig: name', name);
    return this.engine.alterTopicConfig(name, checkConfigs('alterTopicConfig: config', config, true));
  }

  /** The idempotent and transactional producers a partition remembers (Kafka's Admin.describeProducers). */
  async describeProducers(topic: string, partition: number): Promise<ProducerState[]> {
    checkTopicPartition('describeProducers', { topic, partition });
    return this.engine.partition(topic, partition).activeProducers();
  }

  async deleteRecords(requests: RecordsToDelete[]): Promise<DeletedRecords[]> {
    checkArray('deleteRecords: requests', requests).forEach((r) => checkTopicPartition('deleteRecords', r));
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
