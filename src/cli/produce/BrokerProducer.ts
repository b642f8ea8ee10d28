/**
 * `tributary produce --bootstrap`: records partitioned as Kafka's producer does (the
 * explicit partition, else murmur2 of the key, else sticky), one RecordBatch v2 per
 * partition per send, one Produce request to each partition's leader (ClientMetadata: a
 * partition whose leader moved is sent again to the new one, as Kafka's Sender retries).
 * Per-partition errors are Kafka's.
 */
import type { BrokerConnection } from '../../network/BrokerConnection.js';
import { toRecordInput, type ProducerRecord, type RecordMetadata } from '../../client/ProducerRecord.js';
import { Metadata } from '../../protocol/messages/Metadata.js';
import { Produce } from '../../protocol/messages/Produce.js';
import type { CompressionCodec } from '../../record/Compression.js';
import { BuiltInPartitioner } from '../../record/Partitioner.js';
import { buildRecordBatchAsync, type RecordInput } from '../../record/RecordBatchBuilder.js';
import type { ClientMetadata, PartitionAnswer } from '../ClientMetadata.js';
import { checkPartition } from '../TopicPartitions.js';

export type Acks = 0 | 1 | -1;

export interface BrokerProducerOptions {
  compression: CompressionCodec;
  acks: Acks;
}

/** Kafka's batch.size: bytes a key-less run sticks to one partition for. */
const BATCH_SIZE = 16_384;
const PRODUCE_TIMEOUT_MS = 30_000;

export class BrokerProducer {
  private readonly partitioner = new BuiltInPartitioner({ batchSize: BATCH_SIZE });
  /** The brokers sent to with acks=0, which flush() asks for an answer. */
  private readonly unanswered = new Set<BrokerConnection>();

  constructor(
    private readonly metadata: ClientMetadata,
    private readonly options: BrokerProducerOptions,
  ) {}

  /** Sends the records; resolves with their offsets in the order given (-1 with acks=0). */
  async send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    const { topic } = this.metadata;
    const byPartition = new Map<number, RecordInput[]>();
    const placed = records.map((record) => {
      const input = toRecordInput(record, Date.now());
      const partition = this.partitionOf(record, input);
      const list = byPartition.get(partition) ?? [];
      list.push(input);
      byPartition.set(partition, list);
      return { partition, index: list.length - 1 };
    });
    const batches = new Map(
      await Promise.all(
        [...byPartition].map(
          async ([index, inputs]) =>
            [index, await buildRecordBatchAsync(inputs, { compression: this.options.compression })] as const,
        ),
      ),
    );
    const baseOffsets = await this.metadata.toLeaders([...batches.keys()], 'producing to', (connection, partitions) =>
      this.produce(
        connection,
        partitions.map((index) => ({ index, records: batches.get(index)! })),
      ),
    );
    return placed.map(({ partition, index }) => ({
      topic,
      partition,
      offset: this.options.acks === 0 ? -1 : baseOffsets.get(partition)! + index,
    }));
  }

  /** One Produce to a leader; with acks=0 nothing comes back, and each partition counts as answered. */
  private async produce(
    connection: BrokerConnection,
    partitionData: { index: number; records: Buffer }[],
  ): Promise<PartitionAnswer<number>[]> {
    const { acks } = this.options;
    const request = {
      transactionalId: null,
      acks,
      timeoutMs: PRODUCE_TIMEOUT_MS,
      topicData: [{ name: this.metadata.topic, partitionData }],
    };
    if (acks === 0) {
      connection.send(Produce, request);
      this.unanswered.add(connection);
      return partitionData.map(({ index }) => ({ partition: index, errorCode: 0, value: -1 }));
    }
    const response = await connection.request(Produce, request);
    return response.responses
      .flatMap((r) => r.partitionResponses)
      .map((p) => ({ partition: p.index, errorCode: p.errorCode, errorMessage: p.errorMessage, value: p.baseOffset }));
  }

  /**
   * With acks=0 a broker answers nothing, and closes the connection when a produce fails:
   * a request it does answer, after them, says they were all handled.
   */
  async flush(): Promise<void> {
    const sentTo = [...this.unanswered];
    this.unanswered.clear();
    await Promise.all(
      sentTo.map((connection) => connection.request(Metadata, { topics: [], allowAutoTopicCreation: false })),
    );
  }

  private partitionOf(record: ProducerRecord, input: RecordInput): number {
    const { topic, partitionCount } = this.metadata;
    if (record.partition !== undefined) return checkPartition(topic, record.partition, partitionCount, 'producing to');
    const key = input.key ?? null;
    const partition = this.partitioner.partition(topic, key, partitionCount);
    this.partitioner.recordAppended(topic, key, partition, (key?.length ?? 0) + (input.value?.length ?? 0));
    return partition;
  }
}
