/**
 * ProducerAppendInfo: one producer's batches in one append, checked against what the
 * partition remembers of it (Kafka's ProducerAppendInfo, 3.8), building the entry it will
 * have once they are written. Nothing here changes the partition's state: the manager
 * takes the result only after the batches are written.
 */
import { TributaryError } from '../errors.js';
import { NO_PRODUCER_EPOCH, NO_SEQUENCE } from '../record/RecordBatchHeader.js';
import type { AppendOrigin } from './LogValidator.js';
import type { ProducerStateEntry } from './ProducerStateEntry.js';

/**
 * Who wrote the batches: a client or a coordinator (checked), or the log itself when
 * producer state is rebuilt from it (Kafka's AppendOrigin.REPLICATION: what was written
 * is taken as it is, nothing refused).
 */
export type ProducerOrigin = AppendOrigin | 'replication';

const INT32_MAX = 0x7fffffff;

/** A transaction ended by a marker (Kafka's CompletedTxn). */
export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  /** The marker's offset. */
  lastOffset: number;
  isAborted: boolean;
}

/** A data batch's producer fields, with the offsets it is written at. */
export interface ProducerDataBatch {
  epoch: number;
  firstSeq: number;
  lastSeq: number;
  maxTimestamp: number;
  firstOffset: number;
  lastOffset: number;
  transactional: boolean;
}

/** A commit or abort marker (Kafka's EndTransactionMarker), with its batch's epoch, offset and record timestamp. */
export interface ProducerMarker {
  type: 'commit' | 'abort';
  coordinatorEpoch: number;
  epoch: number;
  offset: number;
  timestamp: number;
}

/** Kafka's inSequence: the next one, or 0 after Int32 max (sequences wrap). */
function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export class ProducerAppendInfo {
  /** What the producer's entry becomes: the current one's fields, this append's batches. */
  readonly updated: ProducerStateEntry;
  /** First offsets of the transactions this append begins. */
  readonly startedTransactions: number[] = [];

  constructor(
    private readonly partition: string,
    readonly producerId: number,
    private readonly current: ProducerStateEntry,
    private readonly origin: ProducerOrigin,
  ) {
    this.updated = current.withoutBatches();
  }

  /** Kafka's appendDataBatch: epoch (and, from a client, sequence) checked, the batch added, a transaction begun. */
  appendDataBatch(batch: ProducerDataBatch): void {
    this.checkProducerEpoch(batch.epoch, batch.firstOffset);
    if (this.origin === 'client') this.checkSequence(batch.epoch, batch.firstSeq, batch.firstOffset);
    const { lastOffset, firstOffset } = batch;
    this.updated.addBatch(batch.epoch, batch.lastSeq, lastOffset, lastOffset - firstOffset, batch.maxTimestamp);
    const ongoing = this.updated.currentTxnFirstOffset >= 0;
    if (ongoing && !batch.transactional) {
      throw new TributaryError(
        `Expected transactional write from producer ${this.producerId} at offset ${firstOffset} in partition ${this.partition}`,
        'ERR_INVALID_TXN_STATE',
      );
    }
    if (!ongoing && batch.transactional) {
      this.updated.currentTxnFirstOffset = firstOffset;
      this.startedTransactions.push(firstOffset);
    }
  }

  /** Kafka's appendEndTxnMarker: the transaction it ends, if it wrote anything. */
  appendEndTxnMarker(marker: ProducerMarker): CompletedTxn | null {
    this.checkProducerEpoch(marker.epoch, marker.offset);
    this.checkCoordinatorEpoch(marker.coordinatorEpoch, marker.offset);
    const firstOffset = this.updated.currentTxnFirstOffset;
    this.updated.endTransaction(marker.epoch, marker.coordinatorEpoch, marker.timestamp);
    // A marker with no data before it changes neither the last stable offset nor the index.
    if (firstOffset < 0) return null;
    return { producerId: this.producerId, firstOffset, lastOffset: marker.offset, isAborted: marker.type === 'abort' };
  }

  /** Kafka's checkProducerEpoch: InvalidProducerEpochException (since 2.7, rather than ProducerFenced). */
  private checkProducerEpoch(epoch: number, offset: number): void {
    if (epoch >= this.updated.producerEpoch || this.origin === 'replication') return;
    throw new TributaryError(
      `Epoch of producer ${this.producerId} at offset ${offset} in ${this.partition} is ${epoch}, ` +
        `which is smaller than the last seen epoch ${this.updated.producerEpoch}`,
      'ERR_INVALID_PRODUCER_EPOCH',
    );
  }

  /**
   * Kafka's checkSequence: a new epoch starts at 0 (KIP-360's bump too), unless the
   * producer had no epoch; within an epoch the next sequence follows the last, unless
   * the partition knows nothing of the producer (its records gone to retention or
   * DeleteRecords), when any sequence is accepted (3.x raises no UNKNOWN_PRODUCER_ID here).
   */
  private checkSequence(epoch: number, firstSeq: number, offset: number): void {
    const { producerId, partition, updated, current } = this;
    if (epoch !== updated.producerEpoch) {
      if (firstSeq !== 0 && updated.producerEpoch !== NO_PRODUCER_EPOCH) {
        throw new TributaryError(
          // Kafka's message, its missing space included.
          `Invalid sequence number for new epoch of producer ${producerId}at offset ${offset} in partition ` +
            `${partition}: ${epoch} (request epoch), ${firstSeq} (seq. number), ${updated.producerEpoch} (current producer epoch)`,
          'ERR_OUT_OF_ORDER_SEQUENCE_NUMBER',
        );
      }
      return;
    }
    const lastSeq = !updated.isEmpty
      ? updated.lastSeq
      : epoch === current.producerEpoch
        ? current.lastSeq
        : NO_SEQUENCE;
    if (current.producerEpoch === NO_PRODUCER_EPOCH || inSequence(lastSeq, firstSeq)) return;
    throw new TributaryError(
      `Out of order sequence number for producer ${producerId} at offset ${offset} in partition ${partition}: ` +
        `${firstSeq} (incoming seq. number), ${lastSeq} (current end sequence number)`,
      'ERR_OUT_OF_ORDER_SEQUENCE_NUMBER',
    );
  }

  private checkCoordinatorEpoch(coordinatorEpoch: number, offset: number): void {
    if (this.updated.coordinatorEpoch <= coordinatorEpoch || this.origin === 'replication') return;
    throw new TributaryError(
      `Invalid coordinator epoch for producerId ${this.producerId} at offset ${offset} in partition ${this.partition}: ` +
        `${coordinatorEpoch} (zombie), ${this.updated.coordinatorEpoch} (current)`,
      'ERR_TRANSACTION_COORDINATOR_FENCED',
    );
  }
}
