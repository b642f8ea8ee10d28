/**
 * The embedded producer (Kafka's KafkaProducer without the network): records are
 * partitioned (explicit partition, else BuiltInPartitioner), gathered per partition by
 * the RecordAccumulator and appended to the engine's partitions in order.
 *
 * send() checks every record of the call first: a bad argument, an unknown topic or
 * partition, or a record too large for the topic rejects the call and writes none of
 * its records (records of other calls sharing a batch are unaffected). Once accepted,
 * each record's outcome is its batch's: send() resolves with every record's offset, or
 * rejects with the append's error if a batch holding one of its records failed.
 *
 * Idempotent by default (Kafka 3.x's enable.idempotence=true): the producer takes a
 * producer id from the engine's ProducerIdManager at epoch 0 and its batches carry it,
 * with consecutive sequences per partition (see TransactionManager). A failed batch is
 * not retried: its sends reject with the error, and the producer bumps its epoch so that
 * its later batches start again at sequence 0 and are accepted.
 *
 * Transactional with a `transactionalId` (Kafka's transactional KafkaProducer): the
 * producer id and epoch come from the engine's transaction coordinator (initTransactions,
 * which fences any earlier producer of the id), records are sent between
 * beginTransaction and commitTransaction/abortTransaction, each partition joins the
 * transaction before its first batch is appended, batches carry the transactional
 * attribute, and the coordinator's markers make them visible to read_committed
 * consumers (commit) or skipped by them (abort). The calls follow Kafka's
 * TransactionManager state machine; a call out of turn is ERR_ILLEGAL_STATE.
 */
import type { Engine } from '../engine/Engine.js';
import type { Durability, ResolvedTopicConfig } from '../engine/TopicConfig.js';
import { TributaryError } from '../errors.js';
import { BUILT_IN_PROCESS, type AppendInfo } from '../engine/Partition.js';
import { CompressionType, type CompressionCodec } from '../record/Compression.js';
import { BuiltInPartitioner } from '../record/Partitioner.js';
import { buildRecordBatch, recordSizeUpperBound, type RecordInput } from '../record/RecordBatchBuilder.js';
import { BatchHeader } from '../record/RecordBatchHeader.js';
import { explicitPartition, toRecordInput, type ProducerRecord, type RecordMetadata } from './ProducerRecord.js';
import { RecordAccumulator, type BatchSpec } from './RecordAccumulator.js';
import { checkProducerOptions, type ProducerOptions, type ResolvedProducerOptions } from './ProducerOptions.js';
import { checkArray, checkNonEmptyString } from './Arguments.js';
import type { TransactionCoordinatorClient } from './TransactionManager.js';
import {
  TransactionManager,
  type ConsumerGroupMetadata,
  type TransactionOffset,
  type TransactionState,
} from './TransactionManager.js';

export type { ProducerOptions } from './ProducerOptions.js';
export type { ConsumerGroupMetadata, TransactionOffset, TransactionState } from './TransactionManager.js';
export type { Bytes, ProducerHeaders, ProducerRecord, RecordMetadata } from './ProducerRecord.js';

export class Producer {
  private readonly accumulator: RecordAccumulator;
  private readonly partitioner: BuiltInPartitioner;
  private readonly compression: CompressionCodec | undefined;
  private readonly durability: Durability | undefined;
  private readonly transactionManager: TransactionManager | undefined;
  /** Batches wait for their partition to join the transaction before they are appended. */
  private readonly transactional: boolean;
  private closing: Promise<void> | null = null;

  /** `transactions`: the coordinator a producer with a transactionalId asks. */
  constructor(
    private readonly engine: Engine,
    options: ProducerOptions = {},
    transactions?: TransactionCoordinatorClient,
  ) {
    const resolved = checkProducerOptions(options);
    this.compression = resolved.compression;
    this.durability = resolved.durability;
    this.transactionManager = transactionManagerFor(engine, resolved, transactions);
    this.transactional = this.transactionManager?.isTransactional ?? false;
    this.accumulator = new RecordAccumulator({
      transactionManager: this.transactionManager,
      transactional: this.transactional,
      batchSize: resolved.batchSize,
      lingerMs: resolved.lingerMs,
      appendBatch: (topic, partition, batch) => this.appendBatch(topic, partition, batch),
    });
    this.partitioner = new BuiltInPartitioner({
      batchSize: resolved.batchSize,
      allBatchesFull: (topic, partition) => this.accumulator.allBatchesFull(topic, partition),
    });
  }

  /** Sends `records` to `topic`; resolves with their offsets, in the order given. */
  async send(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.closing !== null) throw new TributaryError('the producer is closed', 'ERR_PRODUCER_CLOSED');
    this.transactionManager?.failIfNotReadyForSend();
    checkNonEmptyString('send: topic', topic);
    checkArray('send: records', records);
    const config = this.engine.topicConfig(topic);
    const spec: BatchSpec = { compression: this.compression ?? codecOf(config), maxBatchBytes: config.maxMessageBytes };
    const now = Date.now();
    const inputs: RecordInput[] = [];
    const explicit: (number | undefined)[] = [];
    for (const given of records) {
      const record = toRecordInput(given, now);
      explicit.push(checkedPartition(given, config));
      checkRecordSize(record, config.maxMessageBytes);
      inputs.push(record);
    }
    const runs: BatchRun[] = [];
    for (let i = 0; i < inputs.length; i++)
      this.accumulate(topic, inputs[i]!, explicit[i], config.partitions, spec, runs);
    return metadataOf(topic, runs, await baseOffsetsOf(runs));
  }

  /** Sends every record accumulated so far; resolves once each has been appended or has failed. */
  flush(): Promise<void> {
    return this.accumulator.flush();
  }

  /** initTransactions: the transactional id's producer id and epoch; an earlier producer with the id is fenced. */
  initTransactions(): Promise<void> {
    return this.transactions().initTransactions();
  }

  /** beginTransaction: what is sent from now until commit or abort is one transaction. */
  beginTransaction(): void {
    this.transactions().beginTransaction();
  }

  /**
   * sendOffsetsToTransaction: the consumer group's offsets (the next offset to read, per
   * partition) commit with the transaction, and are dropped if it aborts. `group` is a
   * GroupConsumer's groupMetadata(), or a group id (committed as a non-member).
   */
  sendOffsetsToTransaction(
    offsets: readonly TransactionOffset[],
    group: ConsumerGroupMetadata | string,
  ): Promise<void> {
    checkArray('sendOffsetsToTransaction: offsets', offsets);
    const metadata = typeof group === 'string' ? { groupId: group } : group;
    checkNonEmptyString('sendOffsetsToTransaction: groupId', metadata.groupId);
    return this.transactions().sendOffsetsToTransaction(offsets, metadata);
  }

  /** commitTransaction: flushes, then commits; read_committed consumers see the records once it resolves. */
  commitTransaction(): Promise<void> {
    return this.transactions().commitTransaction(() => this.accumulator.flush());
  }

  /** abortTransaction: flushes, then aborts; the transaction's records stay hidden from read_committed consumers. */
  abortTransaction(): Promise<void> {
    return this.transactions().abortTransaction(() => this.accumulator.flush());
  }

  /** Kafka's TransactionManager state (UNINITIALIZED, READY, IN_TRANSACTION, ...); undefined without idempotence. */
  get transactionState(): TransactionState | undefined {
    return this.transactionManager?.transactionState;
  }

  /** Refuses new sends (ERR_PRODUCER_CLOSED), then flushes; idempotent. The engine stays open. */
  close(): Promise<void> {
    this.closing ??= this.accumulator.flush();
    return this.closing;
  }

  /** Appends the record; consecutive records of one batch share a run. */
  private accumulate(
    topic: string,
    record: RecordInput,
    explicit: number | undefined,
    partitions: number,
    spec: BatchSpec,
    runs: BatchRun[],
  ): void {
    const key = record.key ?? null;
    const partition = explicit ?? this.partitioner.partition(topic, key, partitions);
    const appended = this.accumulator.append(topic, partition, record, spec);
    if (explicit === undefined) this.partitioner.recordAppended(topic, key, partition, appended.appendedBytes);
    const run = runs[runs.length - 1];
    if (
      run !== undefined &&
      run.baseOffset === appended.baseOffset &&
      run.partition === partition &&
      run.firstDelta + run.count === appended.offsetDelta
    ) {
      run.count++;
    } else {
      runs.push({ baseOffset: appended.baseOffset, partition, firstDelta: appended.offsetDelta, count: 1 });
    }
  }

  /**
   * A producer asking for durability 'always' from a log with weaker durability flushes
   * the log after its append; a producer cannot make a log less durable than it is.
   */
  private async appendBatch(topic: string, index: number, batch: Buffer): Promise<AppendInfo> {
    if (this.transactional) await this.transactionManager!.maybeAddPartition(topic, index);
    const partition = this.engine.partition(topic, index);
    const info = await partition.append(batch, BUILT_BY_PRODUCER);
    if (this.durability === 'always') await partition.flush();
    return info;
  }

  /** The producer's transaction manager, for the transactional calls (ERR_ILLEGAL_STATE without one, as Kafka's). */
  private transactions(): TransactionManager {
    if (this.closing !== null) throw new TributaryError('the producer is closed', 'ERR_PRODUCER_CLOSED');
    if (this.transactionManager === undefined)
      throw new TributaryError('Transactional method invoked on a non-transactional producer.', 'ERR_ILLEGAL_STATE');
    return this.transactionManager;
  }
}

/** Idempotent producers take ids from the engine; transactional ones from the transaction coordinator. */
function transactionManagerFor(
  engine: Engine,
  options: ResolvedProducerOptions,
  coordinator: TransactionCoordinatorClient | undefined,
): TransactionManager | undefined {
  if (!options.idempotence) return undefined;
  const { transactionalId, transactionTimeoutMs } = options;
  if (transactionalId === undefined) return new TransactionManager(() => engine.producerIds.generateProducerId());
  if (coordinator === undefined)
    throw new TributaryError('a transactional producer needs a transaction coordinator', 'ERR_INVALID_ARGUMENT');
  return new TransactionManager(null, { transactionalId, transactionTimeoutMs, coordinator });
}

/** The accumulator's batches come from its own RecordBatchBuilder, never from a caller's bytes. */
const BUILT_BY_PRODUCER = { [BUILT_IN_PROCESS]: true } as const;

/** Records of one send that are consecutive in one batch: offsets base + firstDelta, on. */
interface BatchRun {
  baseOffset: Promise<number>;
  partition: number;
  firstDelta: number;
  count: number;
}

/** Each run's batch base offset; rejects with the first failed batch's error. */
async function baseOffsetsOf(runs: BatchRun[]): Promise<number[]> {
  const batches = [...new Set(runs.map((run) => run.baseOffset))];
  const offsets = batches.length === 1 ? [await batches[0]!] : await Promise.all(batches);
  return runs.map((run) => offsets[batches.indexOf(run.baseOffset)]!);
}

function metadataOf(topic: string, runs: BatchRun[], baseOffsets: number[]): RecordMetadata[] {
  const metas: RecordMetadata[] = [];
  runs.forEach((run, i) => {
    const first = baseOffsets[i]! + run.firstDelta;
    for (let k = 0; k < run.count; k++) metas.push({ topic, partition: run.partition, offset: first + k });
  });
  return metas;
}

function checkedPartition(record: ProducerRecord, config: ResolvedTopicConfig): number | undefined {
  const partition = explicitPartition(record);
  if (partition !== undefined && partition >= config.partitions) {
    throw new TributaryError(
      `partition ${partition} is not in [0, ${config.partitions})`,
      'ERR_UNKNOWN_TOPIC_OR_PARTITION',
    );
  }
  return partition;
}

/** compression.type names a codec, or leaves it to the producer ('producer', 'uncompressed': none). */
function codecOf(config: ResolvedTopicConfig): CompressionCodec {
  const type = config.compressionType;
  return Object.hasOwn(CompressionType, type) ? (type as CompressionCodec) : 'none';
}

/** The record alone in a batch must fit max.message.bytes (exact size only when the bound says it might not). */
function checkRecordSize(record: RecordInput, maxMessageBytes: number): void {
  if (BatchHeader.size + recordSizeUpperBound(record) <= maxMessageBytes) return;
  const size = buildRecordBatch([record]).length;
  if (size > maxMessageBytes) {
    throw new TributaryError(
      `a record of ${size} bytes as a batch exceeds max.message.bytes ${maxMessageBytes}`,
      'ERR_MESSAGE_TOO_LARGE',
    );
  }
}
