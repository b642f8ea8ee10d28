/**
 * What a partition remembers of one producer id (Kafka's ProducerStateEntry and
 * BatchMetadata): its epoch, its last NUM_BATCHES_TO_RETAIN batches (to recognise a
 * retried one), the epoch of the coordinator that last ended its transaction, and the
 * first offset of its ongoing transaction.
 */
import { NO_PRODUCER_EPOCH, NO_SEQUENCE } from '../record/RecordBatchHeader.js';

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: as many as a producer may have in flight. */
export const NUM_BATCHES_TO_RETAIN = 5;

const INT32_MAX = 0x7fffffff;

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from Int32 max to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

/** Kafka's DefaultRecordBatch.decrementSequence. */
export function decrementSequence(sequence: number, decrement: number): number {
  return sequence < decrement ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement;
}

/** One batch a producer wrote (Kafka's BatchMetadata). */
export class BatchMetadata {
  constructor(
    readonly lastSeq: number,
    readonly lastOffset: number,
    readonly offsetDelta: number,
    readonly timestamp: number,
  ) {}

  get firstSeq(): number {
    return decrementSequence(this.lastSeq, this.offsetDelta);
  }

  get firstOffset(): number {
    return this.lastOffset - this.offsetDelta;
  }
}

export class ProducerStateEntry {
  readonly batches: BatchMetadata[] = [];

  constructor(
    readonly producerId: number,
    public producerEpoch: number,
    public coordinatorEpoch: number,
    public lastTimestamp: number,
    /** The first offset of its ongoing transaction, -1 if none. */
    public currentTxnFirstOffset: number,
    firstBatch?: BatchMetadata,
  ) {
    if (firstBatch !== undefined) this.batches.push(firstBatch);
  }

  static empty(producerId: number): ProducerStateEntry {
    return new ProducerStateEntry(producerId, NO_PRODUCER_EPOCH, -1, -1, -1);
  }

  /** A copy without batches: what an append starts from (Kafka's withProducerIdAndBatchMetadata). */
  withoutBatches(): ProducerStateEntry {
    return new ProducerStateEntry(
      this.producerId,
      this.producerEpoch,
      this.coordinatorEpoch,
      this.lastTimestamp,
      this.currentTxnFirstOffset,
    );
  }

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }

  get lastSeq(): number {
    return this.batches.at(-1)?.lastSeq ?? NO_SEQUENCE;
  }

  get firstSeq(): number {
    return this.batches[0]?.firstSeq ?? NO_SEQUENCE;
  }

  get lastDataOffset(): number {
    return this.batches.at(-1)?.lastOffset ?? -1;
  }

  get lastOffsetDelta(): number {
    return this.batches.at(-1)?.offsetDelta ?? 0;
  }

  addBatch(epoch: number, lastSeq: number, lastOffset: number, offsetDelta: number, timestamp: number): void {
    this.maybeUpdateProducerEpoch(epoch);
    this.addBatchMetadata(new BatchMetadata(lastSeq, lastOffset, offsetDelta, timestamp));
    this.lastTimestamp = timestamp;
  }

  /** A new epoch forgets the old epoch's batches. */
  private maybeUpdateProducerEpoch(epoch: number): void {
    if (this.producerEpoch === epoch) return;
    this.batches.length = 0;
    this.producerEpoch = epoch;
  }

  private addBatchMetadata(batch: BatchMetadata): void {
    if (this.batches.length === NUM_BATCHES_TO_RETAIN) this.batches.shift();
    this.batches.push(batch);
  }

  /** Takes what an append made of this producer (Kafka's update(ProducerStateEntry)). */
  update(next: ProducerStateEntry): void {
    this.maybeUpdateProducerEpoch(next.producerEpoch);
    for (const batch of next.batches) this.addBatchMetadata(batch);
    this.coordinatorEpoch = next.coordinatorEpoch;
    this.currentTxnFirstOffset = next.currentTxnFirstOffset;
    this.lastTimestamp = next.lastTimestamp;
  }

  /** An end marker: the epoch and coordinator epoch move on, the transaction is over (Kafka's update(epoch, coordinatorEpoch, timestamp)). */
  endTransaction(epoch: number, coordinatorEpoch: number, timestamp: number): void {
    this.maybeUpdateProducerEpoch(epoch);
    this.coordinatorEpoch = coordinatorEpoch;
    this.currentTxnFirstOffset = -1;
    this.lastTimestamp = timestamp;
  }

  /** The retained batch with exactly this epoch and sequence range: a retry (Kafka's findDuplicateBatch). */
  findDuplicateBatch(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (epoch !== this.producerEpoch) return undefined;
    return this.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
  }
}

/** A producer as DescribeProducers shows it (Kafka's ProducerState). */
export interface ProducerState {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** -1 when it has no ongoing transaction. */
  currentTxnStartOffset: number;
}

export function describeProducer(entry: ProducerStateEntry): ProducerState {
  return {
    producerId: entry.producerId,
    producerEpoch: entry.producerEpoch,
    lastSequence: entry.lastSeq,
    lastTimestamp: entry.lastTimestamp,
    coordinatorEpoch: entry.coordinatorEpoch,
    currentTxnStartOffset: entry.currentTxnFirstOffset,
  };
}
