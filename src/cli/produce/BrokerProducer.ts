/**
 * `tributary produce --bootstrap`: records partitioned as Kafka's producer does (the
 * explicit partition, else murmur2 of the key, else sticky), one RecordBatch v2 per
 * partition per send, all in one Produce request. Per-partition errors are Kafka's.
 */
import type { BrokerConnection } from '../../client/BrokerConnection.js';
import { toRecordInput, type ProducerRecord, type RecordMetadata } from '../../client/ProducerRecord.js';
import { KafkaErrors, kafkaResponseError as kafkaError } from '../../errors.js';
import type { ResponseOf } from '../../protocol/index.js';
import { Metadata } from '../../protocol/messages/Metadata.js';
import { Produce } from '../../protocol/messages/Produce.js';
import type { CompressionCodec } from '../../record/Compression.js';
import { BuiltInPartitioner } from '../../record/Partitioner.js';
import { buildRecordBatchAsync, type RecordInput } from '../../record/RecordBatchBuilder.js';
import { checkPartition } from '../TopicPartitions.js';

export type Acks = 0 | 1 | -1;

export interface BrokerProducerOptions {
  topic: string;
  partitions: number;
  compression: CompressionCodec;
  acks: Acks;
}

/** Kafka's batch.size: bytes a key-less run sticks to one partition for. */
const BATCH_SIZE = 16_384;
const PRODUCE_TIMEOUT_MS = 30_000;

export class BrokerProducer {
  private readonly partitioner = new BuiltInPartitioner({ batchSize: BATCH_SIZE });

  constructor(
    private readonly connection: BrokerConnection,
    private readonly options: BrokerProducerOptions,
  ) {}

  /** Sends the records; resolves with their offsets in the order given (-1 with acks=0). */
  async send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    const { topic, acks } = this.options;
    const byPartition = new Map<number, RecordInput[]>();
    const placed = records.map((record) => {
      const input = toRecordInput(record, Date.now());
      const partition = this.partitionOf(record, input);
      const list = byPartition.get(partition) ?? [];
      list.push(input);
      byPartition.set(partition, list);
      return { partition, index: list.length - 1 };
    });
    const partitionData = await Promise.all(
      [...byPartition].map(async ([index, inputs]) => ({
        index,
        records: await buildRecordBatchAsync(inputs, { compression: this.options.compression }),
      })),
    );
    const request = {
      transactionalId: null,
      acks,
      timeoutMs: PRODUCE_TIMEOUT_MS,
      topicData: [{ name: topic, partitionData }],
    };
    if (acks === 0) {
      this.connection.send(Produce, request);
      return placed.map(({ partition }) => ({ topic, partition, offset: -1 }));
    }
    const response = await this.connection.request(Produce, request);
    const baseOffsets = this.baseOffsets(response);
    return placed.map(({ partition, index }) => ({ topic, partition, offset: baseOffsets.get(partition)! + index }));
  }

  /**
   * With acks=0 the broker answers nothing, and closes the connection when a produce
   * fails: a request it does answer, after them, says they were all handled.
   */
  async flush(): Promise<void> {
    if (this.options.acks === 0) await this.connection.request(Metadata, { topics: [], allowAutoTopicCreation: false });
  }

  private partitionOf(record: ProducerRecord, input: RecordInput): number {
    const { topic, partitions } = this.options;
    if (record.partition !== undefined) return checkPartition(topic, record.partition, partitions, 'producing to');
    const key = input.key ?? null;
    const partition = this.partitioner.partition(topic, key, partitions);
    this.partitioner.recordAppended(topic, key, partition, (key?.length ?? 0) + (input.value?.length ?? 0));
    return partition;
  }

  private baseOffsets(response: ResponseOf<typeof Produce>): Map<number, number> {
    const offsets = new Map<number, number>();
    for (const p of response.responses.flatMap((r) => r.partitionResponses)) {
      if (p.errorCode !== KafkaErrors.NONE.code) {
        const error = kafkaError(p.errorCode, `producing to ${this.options.topic}-${p.index}`);
        if (p.errorMessage) error.message += ` (${p.errorMessage})`;
        throw error;
      }
      offsets.set(p.index, p.baseOffset);
    }
    return offsets;
  }
}
