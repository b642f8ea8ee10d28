/**
 * One transactional id's state (Kafka's TransactionMetadata.scala): its producer id and
 * epoch, the previous ones (KIP-360 retries), the transaction's partitions, timeout and
 * timestamps, and the state machine. A change is prepared (a TxnTransitMetadata, with the
 * target as `pendingState`, which keeps every other change out meanwhile), written to
 * `__transaction_state`, then completed; a failed write drops the pending state.
 */
import { TributaryError } from '../errors.js';

/** By their id in TransactionLogValue.TransactionStatus (TransactionState.fromId). */
export const TRANSACTION_STATES = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'Dead',
  'PrepareEpochFence',
] as const;
export type TransactionState = (typeof TRANSACTION_STATES)[number];

/** Each state's validPreviousStates. */
const VALID_PREVIOUS_STATES: Readonly<Record<TransactionState, readonly TransactionState[]>> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteAbort', 'CompleteCommit'],
  PrepareEpochFence: ['Ongoing'],
};

/** States whose transactional id may expire (TransactionState.isExpirationAllowed). */
export function isExpirationAllowed(state: TransactionState): boolean {
  return state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort';
}

export function transactionStateOf(id: number): TransactionState {
  const state = TRANSACTION_STATES[id];
  if (state === undefined)
    throw new TributaryError(`unknown transaction state id ${id} in __transaction_state`, 'ERR_CORRUPT_MESSAGE');
  return state;
}

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
const SHORT_MAX = 32767;

/** Kafka never hands out Short.MaxValue, so that a producer can always be fenced. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= SHORT_MAX - 1;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** TopicPartition.toString: unambiguous, as a partition is digits after the last dash. */
export function topicPartitionName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** The target of a change: what gets written to the log, then into the metadata. */
export interface TxnTransitMetadata {
  producerId: number;
  lastProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TransactionState;
  topicPartitions: Map<string, TopicPartition>;
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
}

function illegalState(message: string): TributaryError {
  return new TributaryError(message, 'ERR_INVALID_ARGUMENT');
}

export class TransactionMetadata {
  pendingState: TransactionState | null = null;
  /** A fencing write failed: the epoch was bumped once already and is not bumped again. */
  hasFailedEpochFence = false;
  topicPartitions = new Map<string, TopicPartition>();

  constructor(
    readonly transactionalId: string,
    public producerId: number,
    public lastProducerId: number,
    public producerEpoch: number,
    public lastProducerEpoch: number,
    public txnTimeoutMs: number,
    public state: TransactionState,
    public txnStartTimestamp: number,
    public txnLastUpdateTimestamp: number,
  ) {}

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== null;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  addPartitions(partitions: Iterable<TopicPartition>): void {
    for (const tp of partitions) this.topicPartitions.set(topicPartitionName(tp), tp);
  }

  prepareFenceProducerEpoch(): TxnTransitMetadata {
    if (this.producerEpoch === SHORT_MAX) throw illegalState('cannot fence a producer at epoch Short.MaxValue');
    const bumped = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepareTransitionTo('PrepareEpochFence', this.producerId, bumped, NO_PRODUCER_EPOCH, {});
  }

  /** An InitProducerId's epoch bump; PRODUCER_FENCED (as an error code) when the expected epoch is a fenced one. */
  prepareIncrementProducerEpoch(
    newTxnTimeoutMs: number,
    expectedEpoch: number | null,
    now: number,
  ): TxnTransitMetadata | 'PRODUCER_FENCED' {
    if (this.isProducerEpochExhausted) throw illegalState(`producer id ${this.producerId} has no epoch left`);
    const bumped = this.producerEpoch + 1;
    let next: [number, number];
    if (expectedEpoch === null) next = [bumped, NO_PRODUCER_EPOCH];
    else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch)
      next = [bumped, this.producerEpoch];
    // A retry of a bump that succeeded: the same epoch again.
    else if (expectedEpoch === this.lastProducerEpoch) next = [this.producerEpoch, this.lastProducerEpoch];
    else return 'PRODUCER_FENCED';
    return this.prepareTransitionTo('Empty', this.producerId, next[0], next[1], {
      txnTimeoutMs: newTxnTimeoutMs,
      topicPartitions: new Map(),
      txnStartTimestamp: -1,
      now,
    });
  }

  prepareProducerIdRotation(
    newProducerId: number,
    newTxnTimeoutMs: number,
    now: number,
    recordLastEpoch: boolean,
  ): TxnTransitMetadata {
    return this.prepareTransitionTo(
      'Empty',
      newProducerId,
      0,
      recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH,
      { txnTimeoutMs: newTxnTimeoutMs, topicPartitions: new Map(), txnStartTimestamp: -1, now },
    );
  }

  prepareAddPartitions(added: readonly TopicPartition[], now: number): TxnTransitMetadata {
    const startsTransaction =
      this.state === 'Empty' || this.state === 'CompleteAbort' || this.state === 'CompleteCommit';
    const topicPartitions = new Map(this.topicPartitions);
    for (const tp of added) topicPartitions.set(topicPartitionName(tp), tp);
    return this.prepareTransitionTo('Ongoing', this.producerId, this.producerEpoch, this.lastProducerEpoch, {
      topicPartitions,
      txnStartTimestamp: startsTransaction ? now : this.txnStartTimestamp,
      now,
    });
  }

  prepareAbortOrCommit(state: 'PrepareCommit' | 'PrepareAbort', now: number): TxnTransitMetadata {
    return this.prepareTransitionTo(state, this.producerId, this.producerEpoch, this.lastProducerEpoch, { now });
  }

  prepareComplete(now: number): TxnTransitMetadata {
    const state = this.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort';
    this.hasFailedEpochFence = false;
    return this.prepareTransitionTo(state, this.producerId, this.producerEpoch, this.lastProducerEpoch, {
      topicPartitions: new Map(),
      now,
    });
  }

  prepareDead(): TxnTransitMetadata {
    return this.prepareTransitionTo('Dead', this.producerId, this.producerEpoch, this.lastProducerEpoch, {
      topicPartitions: new Map(),
    });
  }

  private prepareTransitionTo(
    state: TransactionState,
    producerId: number,
    producerEpoch: number,
    lastProducerEpoch: number,
    change: {
      txnTimeoutMs?: number;
      topicPartitions?: Map<string, TopicPartition>;
      txnStartTimestamp?: number;
      now?: number;
    },
  ): TxnTransitMetadata {
    if (this.pendingState !== null)
      throw illegalState(`${this.transactionalId}: transition to ${state} while ${this.pendingState} is pending`);
    if (!VALID_PREVIOUS_STATES[state].includes(this.state))
      throw illegalState(`${this.transactionalId}: no transition from ${this.state} to ${state}`);
    this.pendingState = state;
    return {
      producerId,
      lastProducerId: this.producerId,
      producerEpoch,
      lastProducerEpoch,
      txnTimeoutMs: change.txnTimeoutMs ?? this.txnTimeoutMs,
      state,
      topicPartitions: change.topicPartitions ?? new Map(this.topicPartitions),
      txnStartTimestamp: change.txnStartTimestamp ?? this.txnStartTimestamp,
      txnLastUpdateTimestamp: change.now ?? this.txnLastUpdateTimestamp,
    };
  }

  /** The change is in the log: it becomes the metadata (Kafka's completeTransitionTo). */
  completeTransitionTo(transit: TxnTransitMetadata): void {
    if (this.pendingState !== transit.state)
      throw illegalState(`${this.transactionalId}: completing ${transit.state} while ${this.pendingState} is pending`);
    this.producerId = transit.producerId;
    // Only InitProducerId (to Empty) moves the producer id on, so only it records the previous one.
    if (transit.state === 'Empty') this.lastProducerId = transit.lastProducerId;
    this.producerEpoch = transit.producerEpoch;
    this.lastProducerEpoch = transit.lastProducerEpoch;
    this.txnTimeoutMs = transit.txnTimeoutMs;
    this.topicPartitions = new Map(transit.topicPartitions);
    this.txnStartTimestamp = transit.txnStartTimestamp;
    this.txnLastUpdateTimestamp = transit.txnLastUpdateTimestamp;
    this.pendingState = null;
    this.state = transit.state;
  }
}
