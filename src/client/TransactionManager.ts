/**
 * The idempotent part of Kafka's TransactionManager: the producer id and epoch an
 * idempotent producer writes its batches with, and each partition's next sequence.
 *
 * A batch takes its partition's next sequence when it is sealed (Kafka: when drained),
 * and the sequence advances by its record count, wrapping at Int32 max. Batches of a
 * partition are appended one at a time in sequence order, so the log sees consecutive
 * sequences. When a batch fails, the log has none of it (an append is all or nothing)
 * and the batches sealed after it would leave a gap: as Kafka's TransactionManager does
 * for an idempotent producer (handleFailedBatch, KIP-360), the producer bumps its epoch
 * (a new producer id once the epoch is exhausted) and the failed batch's partition starts
 * again at sequence 0 under the new epoch, its batches already sealed renumbered. Other
 * partitions move to the new epoch, from 0, with their next batch. The log accepts a new
 * epoch starting at sequence 0.
 */
import { incrementSequence } from '../record/RecordBatchHeader.js';

/** Kafka's ProducerIdAndEpoch; a new object for every bump, so stale state is told by identity. */
export interface ProducerIdAndEpoch {
  readonly producerId: number;
  readonly epoch: number;
}

/** The highest epoch (Short.MAX_VALUE): bumping past it takes a new producer id. */
const MAX_EPOCH = 32767;

/** What a batch exposes to be given a sequence (ProducerBatch.setProducerState). */
export interface SequencedBatch {
  readonly recordCount: number;
  setProducerState(producerIdAndEpoch: ProducerIdAndEpoch, baseSequence: number): void;
}

/** One partition's sequences (Kafka's TxnPartitionEntry). */
export class TxnPartitionEntry<B extends SequencedBatch> {
  /** The producer id and epoch `nextSequence` belongs to. */
  producerIdAndEpoch: ProducerIdAndEpoch | null = null;
  nextSequence = 0;
  /** Batches given a sequence and not yet appended or failed, in sequence order. */
  readonly inFlight: B[] = [];
}

export class TransactionManager {
  private current: ProducerIdAndEpoch;

  constructor(private readonly newProducerId: () => number) {
    this.current = { producerId: newProducerId(), epoch: 0 };
  }

  get producerIdAndEpoch(): ProducerIdAndEpoch {
    return this.current;
  }

  /**
   * Gives `batch` the partition's next sequence; a partition still on an older epoch
   * starts again at 0 (maybeUpdateProducerIdAndEpoch).
   */
  assignSequence<B extends SequencedBatch>(entry: TxnPartitionEntry<B>, batch: B): void {
    if (entry.producerIdAndEpoch !== this.current) {
      entry.producerIdAndEpoch = this.current;
      entry.nextSequence = 0;
    }
    batch.setProducerState(this.current, entry.nextSequence);
    entry.nextSequence = incrementSequence(entry.nextSequence, batch.recordCount);
    entry.inFlight.push(batch);
  }

  /** The partition's oldest batch in flight was appended. */
  handleCompletedBatch<B extends SequencedBatch>(entry: TxnPartitionEntry<B>): void {
    entry.inFlight.shift();
  }

  /**
   * The partition's oldest batch in flight, written with `failedWith`, failed: bump the
   * epoch unless a failure since that batch was sealed already did, then renumber the
   * partition's batches in flight from 0 under the current epoch (bumpIdempotentProducerEpoch,
   * startSequencesAtBeginning).
   */
  handleFailedBatch<B extends SequencedBatch>(entry: TxnPartitionEntry<B>, failedWith: ProducerIdAndEpoch): void {
    entry.inFlight.shift();
    if (failedWith === this.current) this.bumpEpoch();
    entry.producerIdAndEpoch = this.current;
    let sequence = 0;
    for (const batch of entry.inFlight) {
      batch.setProducerState(this.current, sequence);
      sequence = incrementSequence(sequence, batch.recordCount);
    }
    entry.nextSequence = sequence;
  }

  /** The epoch bump of KIP-360, done by the idempotent producer itself; past Short.MAX_VALUE, a new producer id. */
  private bumpEpoch(): void {
    const { producerId, epoch } = this.current;
    this.current =
      epoch === MAX_EPOCH ? { producerId: this.newProducerId(), epoch: 0 } : { producerId, epoch: epoch + 1 };
  }
}
