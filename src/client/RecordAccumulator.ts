/**
 * The producer's RecordAccumulator: one open RecordBatchBuilder per topic-partition.
 * A batch is sealed when the next record would take it past `batch.size` (estimated
 * bytes written, compressed, as Kafka's MemoryRecordsBuilder estimates them) or past
 * the topic's max.message.bytes, when `linger.ms` has passed since its first record,
 * and on flush. Sealed batches are compressed at once (so several may compress while
 * one is appended) and appended strictly in order, one at a time per partition, as an
 * idempotent producer with max.in.flight 1 would: a partition's records land in the
 * order they were sent.
 *
 * With a TransactionManager (an idempotent producer) each batch takes its partition's
 * next sequence when sealed; a failed batch renumbers the batches sealed after it, whose
 * headers are rewritten before they are appended (see TransactionManager).
 */
import type { AppendInfo } from '../engine/Partition.js';
import type { CompressionCodec } from '../record/Compression.js';
import {
  RecordBatchBuilder,
  recordSizeUpperBound,
  rewriteProducerState,
  type RecordInput,
} from '../record/RecordBatchBuilder.js';
import { retainShape } from '../retainShape.js';
import { BatchHeader } from '../record/RecordBatchHeader.js';
import { CompressionRatioEstimator, ESTIMATION_FACTOR } from './CompressionRatioEstimator.js';
import { TxnPartitionEntry, type ProducerIdAndEpoch, type TransactionManager } from './TransactionManager.js';

export interface RecordAccumulatorOptions {
  /** `batch.size`: estimated bytes at which a batch is full. */
  batchSize: number;
  /** `linger.ms`: how long a batch waits for more records after its first. */
  lingerMs: number;
  /**
   * Appends a sealed batch; called for one batch at a time per partition, in order. The
   * batch's bytes are reused for a later batch once the returned promise settles.
   */
  appendBatch(topic: string, partition: number, batch: Buffer): Promise<AppendInfo>;
  /** Bytes of batch buffers kept for reuse at most; default Kafka's buffer.memory, 32 MiB. */
  pooledBytes?: number;
  /** An idempotent producer's: gives batches their producer id, epoch and sequence. */
  transactionManager?: TransactionManager;
  /** A transactional producer's batches carry the transactional attribute. */
  transactional?: boolean;
}

/** How the batches of a topic are built. */
export interface BatchSpec {
  compression: CompressionCodec;
  /** The topic's max.message.bytes: no batch grows past it. */
  maxBatchBytes: number;
}

export interface RecordAppendResult {
  /** The base offset of the record's batch, once appended; rejects with the append's error. */
  baseOffset: Promise<number>;
  offsetDelta: number;
  /** Estimated bytes the partition's batches grew by (a new batch's header included). */
  appendedBytes: number;
}

class ProducerBatch {
  readonly builder: RecordBatchBuilder;
  readonly baseOffset: Promise<number>;
  resolve!: (baseOffset: number) => void;
  reject!: (error: unknown) => void;
  cancelLinger: () => void = () => undefined;
  /** The producer id and epoch the batch is written with; null without idempotence. */
  producerIdAndEpoch: ProducerIdAndEpoch | null = null;
  baseSequence = -1;
  /** Renumbered after it was built: its header needs rewriting before the append. */
  renumbered = false;

  constructor(
    readonly spec: BatchSpec,
    private readonly ratio: number,
    readonly buffer: Buffer,
    transactional = false,
  ) {
    this.builder = new RecordBatchBuilder({ compression: spec.compression, transactional }, buffer);
    this.baseOffset = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** MemoryRecordsBuilder.estimatedBytesWritten. */
  estimatedSize(extraRecordBytes = 0): number {
    const records = this.builder.uncompressedSize - BatchHeader.size + extraRecordBytes;
    if (this.spec.compression === 'none') return BatchHeader.size + records;
    return BatchHeader.size + Math.ceil(records * this.ratio * ESTIMATION_FACTOR);
  }

  get recordCount(): number {
    return this.builder.recordCount;
  }

  setProducerState(producerIdAndEpoch: ProducerIdAndEpoch, baseSequence: number): void {
    this.renumbered = this.producerIdAndEpoch !== null;
    this.producerIdAndEpoch = producerIdAndEpoch;
    this.baseSequence = baseSequence;
    this.builder.setProducerState(producerIdAndEpoch.producerId, producerIdAndEpoch.epoch, baseSequence);
  }

  hasRoomFor(recordBytes: number, batchSize: number): boolean {
    if (this.builder.recordCount === 0) return true;
    return (
      this.estimatedSize(recordBytes) <= batchSize &&
      this.builder.uncompressedSize + recordBytes <= this.spec.maxBatchBytes
    );
  }
}

class PartitionQueue {
  open: ProducerBatch | null = null;
  /** Settles once the last sealed batch has been appended or has failed. */
  tail: Promise<void> = Promise.resolve();
  readonly sequences = new TxnPartitionEntry<ProducerBatch>();

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

const exemplarBatch = new ProducerBatch({ compression: 'none', maxBatchBytes: 0 }, 1, Buffer.alloc(1024));
exemplarBatch.builder.append({ key: null, value: null, timestamp: Date.now() });
exemplarBatch.setProducerState({ producerId: 0, epoch: 0 }, 0);
retainShape(exemplarBatch);
retainShape(new PartitionQueue('', 0));

/**
 * Batch buffers are kept for reuse up to this many bytes, as Kafka's BufferPool keeps
 * batch.size buffers within buffer.memory (32 MiB by default): one send can seal many
 * batches, and buffers allocated anew for each of them cost page faults and, counted as
 * external memory by V8, extra garbage collections.
 */
const POOLED_BYTES = 32 * 1024 * 1024;
const MIN_BUFFER_BYTES = 1024;

export class RecordAccumulator {
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly estimator = new CompressionRatioEstimator();
  private readonly freeBuffers: Buffer[] = [];
  /** The queue appended to last: a send's records usually share one. */
  private lastQueue: PartitionQueue | null = null;

  constructor(private readonly options: RecordAccumulatorOptions) {}

  /** Adds `record` to the open batch of the partition (a new one if it is full or absent). */
  append(topic: string, partition: number, record: RecordInput, spec: BatchSpec): RecordAppendResult {
    const queue = this.queue(topic, partition);
    const bound = recordSizeUpperBound(record);
    let batch = queue.open;
    if (batch !== null && (!sameSpec(batch.spec, spec) || !batch.hasRoomFor(bound, this.options.batchSize))) {
      this.seal(queue);
      batch = null;
    }
    const before = batch?.estimatedSize() ?? 0;
    batch ??= this.openBatch(queue, spec);
    const offsetDelta = batch.builder.append(record);
    const after = batch.estimatedSize();
    if (after >= this.options.batchSize) this.seal(queue);
    return { baseOffset: batch.baseOffset, offsetDelta, appendedBytes: after - before };
  }

  /** RecordAccumulator's check for the sticky partitioner: no open batch is still filling. */
  allBatchesFull(topic: string, partition: number): boolean {
    const open = this.queues.get(queueKey(topic, partition))?.open ?? null;
    return open === null || open.estimatedSize() >= this.options.batchSize;
  }

  /** Seals every open batch; resolves once every batch sealed so far has been appended or has failed. */
  flush(): Promise<void> {
    const tails: Promise<void>[] = [];
    for (const queue of this.queues.values()) {
      this.seal(queue);
      tails.push(queue.tail);
    }
    return Promise.all(tails).then(() => undefined);
  }

  private queue(topic: string, partition: number): PartitionQueue {
    const last = this.lastQueue;
    if (last !== null && last.partition === partition && last.topic === topic) return last;
    this.lastQueue = this.queueOf(topic, partition);
    return this.lastQueue;
  }

  private queueOf(topic: string, partition: number): PartitionQueue {
    const key = queueKey(topic, partition);
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = new PartitionQueue(topic, partition);
      this.queues.set(key, queue);
    }
    return queue;
  }

  private openBatch(queue: PartitionQueue, spec: BatchSpec): ProducerBatch {
    const ratio = this.estimator.estimation(queue.topic, spec.compression);
    const batch = new ProducerBatch(spec, ratio, this.allocate(), this.options.transactional);
    const linger = (): void => {
      if (queue.open === batch) this.seal(queue);
    };
    if (this.options.lingerMs === 0) {
      const immediate = setImmediate(linger);
      batch.cancelLinger = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(linger, this.options.lingerMs);
      batch.cancelLinger = () => clearTimeout(timer);
    }
    queue.open = batch;
    return batch;
  }

  private allocate(): Buffer {
    return this.freeBuffers.pop() ?? Buffer.allocUnsafeSlow(Math.max(this.options.batchSize, MIN_BUFFER_BYTES));
  }

  private deallocate(buffer: Buffer): void {
    if ((this.freeBuffers.length + 1) * buffer.length <= (this.options.pooledBytes ?? POOLED_BYTES))
      this.freeBuffers.push(buffer);
  }

  private seal(queue: PartitionQueue): void {
    const batch = queue.open;
    if (batch === null) return;
    queue.open = null;
    batch.cancelLinger();
    this.options.transactionManager?.assignSequence(queue.sequences, batch);
    const built = this.build(queue.topic, batch);
    built.catch(() => undefined); // handled by transmit, which may run later
    queue.tail = queue.tail.then(() => this.transmit(queue, batch, built));
  }

  private async build(topic: string, batch: ProducerBatch): Promise<Buffer> {
    const uncompressed = batch.builder.uncompressedSize;
    const bytes = await batch.builder.buildAsync();
    const codec = batch.spec.compression;
    if (codec !== 'none') {
      this.estimator.update(topic, codec, (bytes.length - BatchHeader.size) / (uncompressed - BatchHeader.size));
    }
    return bytes;
  }

  /** Never rejects: a failure belongs to the batch's records, not to the partition's chain. */
  private async transmit(queue: PartitionQueue, batch: ProducerBatch, built: Promise<Buffer>): Promise<void> {
    const manager = this.options.transactionManager;
    try {
      const bytes = await built;
      if (batch.renumbered) rewriteBatchProducerState(bytes, batch);
      const info = await this.options.appendBatch(queue.topic, queue.partition, bytes);
      manager?.handleCompletedBatch(queue.sequences);
      batch.resolve(info.baseOffset);
    } catch (error) {
      manager?.handleFailedBatch(queue.sequences, batch.producerIdAndEpoch!, error);
      batch.reject(error);
    }
    this.deallocate(batch.buffer);
  }
}

function rewriteBatchProducerState(bytes: Buffer, batch: ProducerBatch): void {
  const { producerId, epoch } = batch.producerIdAndEpoch!;
  rewriteProducerState(bytes, producerId, epoch, batch.baseSequence);
}

function sameSpec(a: BatchSpec, b: BatchSpec): boolean {
  return a.compression === b.compression && a.maxBatchBytes === b.maxBatchBytes;
}

function queueKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}
