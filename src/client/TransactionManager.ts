/**
 * Kafka's TransactionManager (clients/.../producer/internals/TransactionManager.java).
 *
 * The idempotent part: the producer id and epoch an idempotent producer writes its
 * batches with, and each partition's next sequence.
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
import { KafkaErrors, kafkaResponseError, TributaryError } from '../errors.js';
import { incrementSequence } from '../record/RecordBatchHeader.js';
import type { PartitionError, TxnOffsetCommitRequest } from '../group/GroupRequests.js';

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

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

/** What a transactional producer asks of the coordinators; every answer a Kafka error code. */
export interface TransactionCoordinatorClient {
  initProducerId(
    transactionalId: string,
    transactionTimeoutMs: number,
    expected: ProducerIdAndEpoch | null,
  ): Promise<{ errorCode: number; producerId: number; producerEpoch: number }>;
  addPartitionsToTxn(id: string, producer: ProducerIdAndEpoch, partitions: TopicPartitionRef[]): Promise<number>;
  addOffsetsToTxn(id: string, producer: ProducerIdAndEpoch, groupId: string): Promise<number>;
  txnOffsetCommit(request: TxnOffsetCommitRequest): Promise<PartitionError[]>;
  endTxn(id: string, producer: ProducerIdAndEpoch, commit: boolean): Promise<number>;
}

/** Kafka's TransactionManager.State. */
export type TransactionState =
  | 'UNINITIALIZED'
  | 'INITIALIZING'
  | 'READY'
  | 'IN_TRANSACTION'
  | 'COMMITTING_TRANSACTION'
  | 'ABORTING_TRANSACTION'
  | 'ABORTABLE_ERROR'
  | 'FATAL_ERROR';

/** State.isTransitionValid: the states each state may be entered from (FATAL_ERROR: from any). */
const VALID_SOURCES: Readonly<Record<Exclude<TransactionState, 'FATAL_ERROR'>, readonly TransactionState[]>> = {
  UNINITIALIZED: ['READY', 'ABORTABLE_ERROR'],
  INITIALIZING: ['UNINITIALIZED', 'ABORTING_TRANSACTION'],
  READY: ['INITIALIZING', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
  IN_TRANSACTION: ['READY'],
  COMMITTING_TRANSACTION: ['IN_TRANSACTION'],
  ABORTING_TRANSACTION: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
  ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING_TRANSACTION', 'ABORTABLE_ERROR', 'INITIALIZING'],
};

/** A transactional producer's id, timeout and the coordinator it asks. */
export interface TransactionalConfig {
  transactionalId: string;
  /** transaction.timeout.ms: how long the coordinator lets a transaction stay open before aborting it. */
  transactionTimeoutMs: number;
  coordinator: TransactionCoordinatorClient;
}

/** Kafka's ConsumerGroupMetadata: the consumer whose offsets a transaction commits. */
export interface ConsumerGroupMetadata {
  groupId: string;
  /** -1 (the default) with an empty member id: a commit from outside group management. */
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

/** The offsets a transaction commits: the next offset to read, per partition. */
export interface TransactionOffset extends TopicPartitionRef {
  offset: number;
  metadata?: string | null;
}

const NONE = KafkaErrors.NONE.code;
const NO_PRODUCER: ProducerIdAndEpoch = Object.freeze({ producerId: -1, epoch: -1 });

function illegalState(message: string): TributaryError {
  return new TributaryError(message, 'ERR_ILLEGAL_STATE');
}

/** Errors that end the producer (maybeTransitionToErrorState): another producer took its transactional id. */
function isFatal(error: unknown): boolean {
  return error instanceof TributaryError && error.code === 'ERR_PRODUCER_FENCED';
}

export class TransactionManager {
  private current: ProducerIdAndEpoch;
  private state: TransactionState = 'UNINITIALIZED';
  private lastError: TributaryError | null = null;
  /** The operation under way (initTransactions, commitTransaction, ...): no other may start meanwhile. */
  private pendingOperation: string | null = null;
  /** Partitions added to the open transaction, each its AddPartitionsToTxn. */
  private readonly partitionsInTransaction = new Map<string, Promise<void>>();
  /** Offsets were sent in the open transaction: it must be ended even with no partition written. */
  private offsetsInTransaction = false;
  /** A batch failed in the transaction: its abort takes a new epoch, renumbering every partition (KIP-360). */
  private epochBumpRequired = false;

  /**
   * Idempotent with `newProducerId` (its producer ids from the engine, epochs bumped
   * here); transactional with `transactional` (ids and epochs from the coordinator).
   */
  constructor(
    private readonly newProducerId: (() => number) | null,
    private readonly transactional: TransactionalConfig | null = null,
  ) {
    this.current = newProducerId === null ? NO_PRODUCER : { producerId: newProducerId(), epoch: 0 };
  }

  get producerIdAndEpoch(): ProducerIdAndEpoch {
    return this.current;
  }

  get isTransactional(): boolean {
    return this.transactional !== null;
  }

  get transactionState(): TransactionState {
    return this.state;
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
   * The partition's oldest batch in flight, written with `failedWith`, failed with `error`.
   * Idempotent: bump the epoch unless a failure since that batch was sealed already did,
   * then renumber the partition's batches in flight from 0 under the current epoch
   * (bumpIdempotentProducerEpoch, startSequencesAtBeginning). Transactional: the
   * transaction can only be aborted now, at a new epoch the coordinator gives
   * (maybeTransitionToErrorState); a fenced producer can do nothing more.
   */
  handleFailedBatch<B extends SequencedBatch>(
    entry: TxnPartitionEntry<B>,
    failedWith: ProducerIdAndEpoch,
    error?: unknown,
  ): void {
    entry.inFlight.shift();
    if (this.transactional !== null) {
      this.maybeTransitionToErrorState(error);
      return;
    }
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
      epoch === MAX_EPOCH ? { producerId: this.newProducerId!(), epoch: 0 } : { producerId, epoch: epoch + 1 };
  }

  // ---- the transactional producer's calls ----

  /** initTransactions: a producer id and epoch for the transactional id, fencing its previous producers. */
  async initTransactions(): Promise<void> {
    const txn = this.ensureTransactional();
    this.throwIfPendingOperation('initTransactions');
    this.transitionTo('INITIALIZING');
    await this.pending('initTransactions', () => this.initProducerId(txn, null));
    this.transitionTo('READY');
  }

  /** beginTransaction: records sent from now on are part of the transaction. */
  beginTransaction(): void {
    this.ensureTransactional();
    this.throwIfPendingOperation('beginTransaction');
    this.maybeFailWithError();
    this.transitionTo('IN_TRANSACTION');
  }

  /** KafkaProducer.send's checks for a transactional producer (maybeAddPartition's, made before any record is taken). */
  failIfNotReadyForSend(): void {
    if (this.transactional === null) return;
    this.maybeFailWithError();
    this.throwIfPendingOperation('send');
    if (this.current === NO_PRODUCER)
      throw illegalState("Cannot perform a 'send' before completing a call to initTransactions");
    if (this.state !== 'IN_TRANSACTION') throw illegalState(`Cannot call send in state ${this.state}`);
  }

  /**
   * The partition joins the transaction before its first batch is appended
   * (maybeAddPartition, then AddPartitionsToTxn); later batches wait for the same answer.
   */
  maybeAddPartition(topic: string, partition: number): Promise<void> {
    const txn = this.transactional;
    if (txn === null) return Promise.resolve();
    const key = `${partition}:${topic}`;
    let added = this.partitionsInTransaction.get(key);
    if (added === undefined) {
      const producer = this.current;
      added = this.request('AddPartitionsToTxn', () =>
        txn.coordinator.addPartitionsToTxn(txn.transactionalId, producer, [{ topic, partition }]),
      );
      this.partitionsInTransaction.set(key, added);
    }
    return added;
  }

  /** sendOffsetsToTransaction: the group's offsets commit with the transaction (AddOffsetsToTxn, TxnOffsetCommit). */
  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    const txn = this.ensureTransactional();
    this.throwIfPendingOperation('sendOffsetsToTransaction');
    this.maybeFailWithError();
    if (this.state !== 'IN_TRANSACTION')
      throw illegalState(`Cannot send offsets if a transaction is not in progress (currentState= ${this.state})`);
    await this.pending('sendOffsetsToTransaction', async () => {
      const producer = this.current;
      this.offsetsInTransaction = true;
      await this.request('AddOffsetsToTxn', () =>
        txn.coordinator.addOffsetsToTxn(txn.transactionalId, producer, group.groupId),
      );
      const results = await txn.coordinator.txnOffsetCommit({
        groupId: group.groupId,
        generationId: group.generationId ?? -1,
        memberId: group.memberId ?? '',
        groupInstanceId: group.groupInstanceId ?? null,
        producerId: producer.producerId,
        producerEpoch: producer.epoch,
        offsets: offsets.map((o) => ({ ...o, leaderEpoch: -1, metadata: o.metadata ?? '' })),
      });
      const failed = results.find((r) => r.errorCode !== NONE);
      if (failed !== undefined) this.fail(kafkaResponseError(failed.errorCode, 'TxnOffsetCommit'));
    });
  }

  /** commitTransaction: `flush` (every record sent appended), then EndTxn(commit). */
  async commitTransaction(flush: () => Promise<void>): Promise<void> {
    this.ensureTransactional();
    this.throwIfPendingOperation('commitTransaction');
    this.maybeFailWithError();
    this.transitionTo('COMMITTING_TRANSACTION');
    await this.pending('commitTransaction', async () => {
      await flush();
      // A batch that failed during the flush left the transaction abortable only.
      this.maybeFailWithError();
      await this.endTransaction(true);
      this.transitionTo('READY');
    });
  }

  /** abortTransaction: `flush`, then EndTxn(abort); at a new epoch when a batch of the transaction failed. */
  async abortTransaction(flush: () => Promise<void>): Promise<void> {
    const txn = this.ensureTransactional();
    this.throwIfPendingOperation('abortTransaction');
    if (this.state !== 'ABORTABLE_ERROR') this.maybeFailWithError();
    this.transitionTo('ABORTING_TRANSACTION');
    await this.pending('abortTransaction', async () => {
      await flush();
      if (this.state === 'FATAL_ERROR') this.maybeFailWithError();
      await this.endTransaction(false);
      if (this.epochBumpRequired) {
        // KIP-360: the producer's batches may have left gaps; the coordinator bumps the epoch and sequences restart.
        this.transitionTo('INITIALIZING');
        await this.initProducerId(txn, this.current);
      }
      this.transitionTo('READY');
    });
  }

  /** EndTxn for the open transaction, unless it never reached the coordinator (no partition, no offsets). */
  private async endTransaction(commit: boolean): Promise<void> {
    const txn = this.transactional!;
    const producer = this.current;
    const started = this.partitionsInTransaction.size > 0 || this.offsetsInTransaction;
    if (started) {
      await Promise.allSettled(this.partitionsInTransaction.values());
      await this.request('EndTxn', () => txn.coordinator.endTxn(txn.transactionalId, producer, commit));
    }
    this.partitionsInTransaction.clear();
    this.offsetsInTransaction = false;
  }

  private async initProducerId(txn: TransactionalConfig, expected: ProducerIdAndEpoch | null): Promise<void> {
    const result = await txn.coordinator.initProducerId(txn.transactionalId, txn.transactionTimeoutMs, expected);
    if (result.errorCode !== NONE) this.fatal(kafkaResponseError(result.errorCode, 'InitProducerId'));
    this.current = { producerId: result.producerId, epoch: result.producerEpoch };
    this.epochBumpRequired = false;
  }

  /** A coordinator request; an error answer moves to an error state and is thrown. */
  private async request(what: string, call: () => Promise<number>): Promise<void> {
    const errorCode = await call();
    if (errorCode === NONE) return;
    // INVALID_PRODUCER_EPOCH from the coordinator is a fence too (EndTxnHandler, AddPartitionsToTxnHandler).
    const fenced =
      errorCode === KafkaErrors.PRODUCER_FENCED.code || errorCode === KafkaErrors.INVALID_PRODUCER_EPOCH.code;
    const error = fenced
      ? this.fencedError()
      : kafkaResponseError(errorCode, `${what} for transactional id ${this.transactional!.transactionalId}`);
    this.fail(error);
  }

  private fencedError(): TributaryError {
    const { producerId, epoch } = this.current;
    return new TributaryError(
      `Producer with transactionalId '${this.transactional!.transactionalId}' and producer id ${producerId}, epoch ${epoch} ` +
        'has been fenced by another producer with the same transactionalId',
      'ERR_PRODUCER_FENCED',
    );
  }

  /** maybeTransitionToErrorState, then throws. */
  private fail(error: TributaryError): never {
    this.maybeTransitionToErrorState(error);
    throw error;
  }

  private fatal(error: TributaryError): never {
    this.transitionTo('FATAL_ERROR', error);
    throw error;
  }

  private maybeTransitionToErrorState(error: unknown): void {
    const cause =
      error instanceof TributaryError ? error : new TributaryError(String(error), 'ERR_UNKNOWN_SERVER_ERROR');
    if (isFatal(cause)) {
      this.transitionTo('FATAL_ERROR', cause);
    } else if (this.state !== 'FATAL_ERROR' && this.state !== 'ABORTING_TRANSACTION') {
      // transitionToAbortableError: a transaction already being aborted stays so.
      this.epochBumpRequired = true;
      this.transitionTo('ABORTABLE_ERROR', cause);
    }
  }

  private async pending(operation: string, body: () => Promise<void>): Promise<void> {
    this.pendingOperation = operation;
    try {
      await body();
    } finally {
      this.pendingOperation = null;
    }
  }

  private ensureTransactional(): TransactionalConfig {
    if (this.transactional === null)
      throw illegalState('Transactional method invoked on a non-transactional producer.');
    return this.transactional;
  }

  private throwIfPendingOperation(operation: string): void {
    if (this.pendingOperation !== null)
      throw illegalState(`Cannot attempt operation \`${operation}\` while \`${this.pendingOperation}\` is under way`);
  }

  /** maybeFailWithError: in an error state, the error that put it there (a fence as itself). */
  private maybeFailWithError(): void {
    const last = this.lastError;
    if (last === null) return;
    if (isFatal(last)) throw this.fencedError();
    const next = this.state === 'ABORTABLE_ERROR' ? '; abort the transaction' : '';
    throw new TributaryError(
      `Cannot execute transactional method because we are in an error state (${this.state}${next}): ${last.message}`,
      last.code,
    );
  }

  private transitionTo(target: TransactionState, error: TributaryError | null = null): void {
    if (target !== 'FATAL_ERROR' && !VALID_SOURCES[target].includes(this.state)) {
      throw illegalState(
        `TransactionalId ${this.transactional!.transactionalId}: Invalid transition attempted from state ${this.state} to state ${target}`,
      );
    }
    this.lastError = error;
    this.state = target;
  }
}
