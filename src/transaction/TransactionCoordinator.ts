/**
 * Kafka's transaction coordinator for one node, which coordinates every transactional id
 * (TransactionCoordinator.scala): InitProducerId with a transactional id (new producer
 * ids, epoch bumps, fencing the previous producer), AddPartitionsToTxn and
 * AddOffsetsToTxn, EndTxn (PrepareCommit/PrepareAbort written, the markers written to
 * every partition of the transaction, then CompleteCommit/CompleteAbort), the abort of
 * transactions past their timeout, the expiry of idle transactional ids, and
 * DescribeTransactions/ListTransactions. The state lives in `__transaction_state`
 * (TransactionStateManager); at start, transactions found preparing to commit or abort
 * are completed. Every answer is a Kafka error code.
 */
import type { Engine } from '../engine/Engine.js';
import { tryGenerateProducerId } from '../engine/ProducerIdManager.js';
import { KafkaErrors as E, TributaryError } from '../errors.js';
import type { GroupCoordinator } from '../group/GroupCoordinator.js';
import { appendTxnMarkers, type MarkerResult, type TxnMarker } from './TransactionMarkerWriter.js';
import {
  isEpochExhausted,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  TransactionMetadata,
  topicPartitionName,
  type TopicPartition,
  type TransactionState,
  type TxnTransitMetadata,
} from './TransactionMetadata.js';
import {
  TransactionStateManager,
  type ListedTransaction,
  type TransactionClusterView,
} from './TransactionStateManager.js';

export type { TransactionState } from './TransactionMetadata.js';

export interface TransactionCoordinatorConfig {
  /** transaction.state.log.num.partitions, default 50. */
  stateLogNumPartitions: number;
  /** transaction.max.timeout.ms, default 900000. */
  maxTimeoutMs: number;
  /** transactional.id.expiration.ms, default 604800000 (7 days). */
  transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms, default 10000. */
  abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms, default 3600000. */
  removeExpiredTransactionalIdsIntervalMs: number;
}

export const DEFAULT_TRANSACTION_CONFIG: Readonly<TransactionCoordinatorConfig> = Object.freeze({
  stateLogNumPartitions: 50,
  maxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 604_800_000,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
});

/** What the coordinator tells of what it does (the broker's Logger fits). */
export interface TransactionLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface TransactionCoordinatorOptions {
  engine: Engine;
  groups: GroupCoordinator;
  config?: Partial<TransactionCoordinatorConfig>;
  logger?: TransactionLogger;
  now?: () => number;
  /**
   * A broker of a ZooKeeper cluster: the coordinator serves the transactional ids of the
   * `__transaction_state` partitions this broker leads (onElection, onResignation), and its
   * markers go to each partition's leader through `writeTxnMarkers`.
   */
  cluster?: TransactionClusterView & { writeTxnMarkers(marker: TxnMarker): Promise<MarkerResult[]> };
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface DescribedTransaction {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topicPartitions: TopicPartition[];
}

/** How long a failed marker or completion write waits before it is tried again: doubling, up to the max. */
const RETRY_BACKOFF_MS = 100;
const RETRY_BACKOFF_MAX_MS = 1000;

const NONE = E.NONE.code;

/** Dead and PrepareEpochFence are never a transaction's state between requests: Kafka treats them as fatal. */
function illegalState(transactionalId: string, state: TransactionState): TributaryError {
  return new TributaryError(`transactional id ${transactionalId} found in state ${state}`, 'ERR_INVALID_ARGUMENT');
}

function initError(errorCode: number): InitProducerIdResult {
  return { errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

export class TransactionCoordinator {
  private active = true;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Transactions whose markers are being written, by transactional id; awaited by close(). */
  private readonly completing = new Map<string, Promise<void>>();

  private constructor(
    private readonly engine: Engine,
    private readonly txnManager: TransactionStateManager,
    /** The markers' writer: one node appends them itself; a cluster's broker sends them to the partitions' leaders. */
    private readonly writeTxnMarkers: (marker: TxnMarker) => Promise<MarkerResult[]>,
    private readonly logger: TransactionLogger | undefined,
    private readonly now: () => number,
  ) {}

  /**
   * Loads `__transaction_state` (when it exists), completes the transactions it finds in
   * PrepareCommit/PrepareAbort (their markers written again) and starts the timeout and
   * expiry timers (TransactionCoordinator.startup, onElection).
   */
  static open(options: TransactionCoordinatorOptions): TransactionCoordinator {
    const config = { ...DEFAULT_TRANSACTION_CONFIG, ...options.config };
    const now = options.now ?? Date.now;
    const txnManager = TransactionStateManager.open(options.engine, config, now, options.cluster);
    const { engine, groups } = options;
    const writeTxnMarkers =
      options.cluster?.writeTxnMarkers.bind(options.cluster) ??
      ((marker: TxnMarker) => appendTxnMarkers(engine, groups, marker));
    const coordinator = new TransactionCoordinator(engine, txnManager, writeTxnMarkers, options.logger, now);
    coordinator.completePreparing(txnManager.all());
    coordinator.schedule(() => coordinator.abortTimedOutTransactions(), config.abortTimedOutTransactionsIntervalMs);
    coordinator.schedule(
      () => txnManager.removeExpiredTransactionalIds(now()),
      config.removeExpiredTransactionalIdsIntervalMs,
    );
    return coordinator;
  }

  /** The `__transaction_state` partition of the id (TransactionCoordinator.partitionFor). */
  partitionFor(transactionalId: string): number {
    return this.txnManager.partitionFor(transactionalId);
  }

  /** Transactions loaded in PrepareCommit/PrepareAbort get their markers written again, then complete. */
  private completePreparing(loaded: Iterable<TransactionMetadata>): void {
    for (const metadata of loaded) {
      if (metadata.state !== 'PrepareCommit' && metadata.state !== 'PrepareAbort') continue;
      this.logger?.info('completing a transaction found preparing at load', {
        transactionalId: metadata.transactionalId,
        state: metadata.state,
      });
      this.sendMarkers(metadata, metadata.prepareComplete(this.now()));
    }
  }

  /**
   * TransactionCoordinator.onElection: this broker became leader of `__transaction_state`
   * partition `partition` at leader epoch `epoch` (the coordinator epoch of the markers it
   * writes); its transactional ids load on the scheduler (COORDINATOR_LOAD_IN_PROGRESS
   * meanwhile), then those found preparing are completed. Resolves once loaded.
   */
  onElection(partition: number, epoch: number): Promise<void> {
    if (!this.active || !this.txnManager.beginLoading(partition, epoch)) return Promise.resolve();
    return new Promise((resolve) =>
      setImmediate(() => {
        if (this.active) {
          const loaded = this.txnManager.loadPartition(partition);
          this.logger?.info('loaded transactions', { partition, epoch, transactions: loaded.length });
          this.completePreparing(loaded);
        }
        resolve();
      }),
    );
  }

  /**
   * TransactionCoordinator.onResignation: the partition's transactional ids are no longer
   * served here (their marker writes stop at their next step), unless `epoch` is stale.
   */
  onResignation(partition: number, epoch: number | undefined): void {
    if (this.txnManager.removeTransactionsForPartition(partition, epoch))
      this.logger?.info('unloaded transactions', { partition, epoch });
  }

  private schedule(task: () => Promise<unknown> | void, intervalMs: number): void {
    const timer = setInterval(() => {
      if (this.active) void Promise.resolve(task()).catch((error: unknown) => this.unexpected(error));
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  // ---- InitProducerId ----

  /**
   * InitProducerId with a transactional id (handleInitProducerId): `expected` is the
   * producer id and epoch a v3+ request carries (KIP-360), null when it has none.
   */
  async handleInitProducerId(
    transactionalId: string,
    transactionTimeoutMs: number,
    expected: { producerId: number; producerEpoch: number } | null,
  ): Promise<InitProducerIdResult> {
    if (!this.active) return initError(E.COORDINATOR_NOT_AVAILABLE.code);
    if (transactionalId === '') return initError(E.INVALID_REQUEST.code);
    if (!this.txnManager.validateTransactionTimeoutMs(transactionTimeoutMs))
      return initError(E.INVALID_TRANSACTION_TIMEOUT.code);
    const status = this.txnManager.coordinatorStatus(transactionalId);
    if (status !== NONE) return initError(status);
    let metadata = this.txnManager.get(transactionalId);
    if (metadata === undefined) {
      // A new id's producer id; a failure (a cluster's next block on its way) is the answer.
      const producerId = tryGenerateProducerId(this.engine.producerIds);
      if (producerId instanceof TributaryError) return initError(producerId.kafka.code);
      metadata = this.txnManager.putIfNotExists(
        new TransactionMetadata(
          transactionalId,
          producerId,
          NO_PRODUCER_ID,
          NO_PRODUCER_EPOCH,
          NO_PRODUCER_EPOCH,
          transactionTimeoutMs,
          'Empty',
          -1,
          this.now(),
        ),
      );
    }
    const transit = this.prepareInitProducerIdTransit(metadata, transactionTimeoutMs, expected);
    if (typeof transit === 'number') return initError(transit);
    if (transit.state === 'PrepareEpochFence') {
      // Abort the ongoing transaction of the fenced producer; the client retries and gets the next epoch.
      const error = await this.endTransaction(transactionalId, transit.producerId, transit.producerEpoch, false, false);
      return initError(error !== NONE ? error : E.CONCURRENT_TRANSACTIONS.code);
    }
    const error = await this.txnManager.appendTransactionToLog(metadata, transit);
    if (error !== NONE) return initError(error);
    this.logger?.info('initialized transactional id', {
      transactionalId,
      producerId: transit.producerId,
      producerEpoch: transit.producerEpoch,
    });
    return { errorCode: NONE, producerId: transit.producerId, producerEpoch: transit.producerEpoch };
  }

  /** prepareInitProducerIdTransit: the change to write, or an error code. */
  private prepareInitProducerIdTransit(
    metadata: TransactionMetadata,
    timeoutMs: number,
    expected: { producerId: number; producerEpoch: number } | null,
  ): TxnTransitMetadata | number {
    // Fence unless: the metadata was just created; the id is the current one (its epoch is checked when bumped);
    // or it is the previous one at an exhausted epoch (a retry of a rotation whose answer was lost).
    const validProducerId = (e: { producerId: number; producerEpoch: number }): boolean =>
      metadata.producerEpoch === NO_PRODUCER_EPOCH ||
      e.producerId === metadata.producerId ||
      (e.producerId === metadata.lastProducerId && isEpochExhausted(e.producerEpoch));
    if (metadata.pendingTransitionInProgress) return E.CONCURRENT_TRANSACTIONS.code;
    if (expected !== null && !validProducerId(expected)) return E.PRODUCER_FENCED.code;
    switch (metadata.state) {
      case 'PrepareAbort':
      case 'PrepareCommit':
        return E.CONCURRENT_TRANSACTIONS.code;
      case 'CompleteAbort':
      case 'CompleteCommit':
      case 'Empty': {
        if (
          metadata.isProducerEpochExhausted &&
          (expected === null || expected.producerEpoch === metadata.producerEpoch)
        ) {
          const producerId = tryGenerateProducerId(this.engine.producerIds);
          if (producerId instanceof TributaryError) return producerId.kafka.code;
          return metadata.prepareProducerIdRotation(producerId, timeoutMs, this.now(), expected !== null);
        }
        const transit = metadata.prepareIncrementProducerEpoch(timeoutMs, expected?.producerEpoch ?? null, this.now());
        return transit === 'PRODUCER_FENCED' ? E.PRODUCER_FENCED.code : transit;
      }
      case 'Ongoing':
        // Never returned to the client: the ongoing transaction is aborted at this epoch, then the client retries.
        return metadata.prepareFenceProducerEpoch();
      default:
        throw illegalState(metadata.transactionalId, metadata.state);
    }
  }

  // ---- AddPartitionsToTxn, AddOffsetsToTxn ----

  /** handleAddPartitionsToTransaction: the partitions join the transaction (it starts if none was ongoing). */
  async handleAddPartitionsToTransaction(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    partitions: readonly TopicPartition[],
  ): Promise<number> {
    if (!this.active) return E.COORDINATOR_NOT_AVAILABLE.code;
    if (transactionalId === '') return E.INVALID_REQUEST.code;
    const status = this.txnManager.coordinatorStatus(transactionalId);
    if (status !== NONE) return status;
    const metadata = this.txnManager.get(transactionalId);
    if (metadata === undefined || metadata.producerId !== producerId) return E.INVALID_PRODUCER_ID_MAPPING.code;
    if (metadata.producerEpoch !== producerEpoch) return E.PRODUCER_FENCED.code;
    if (metadata.pendingTransitionInProgress) return E.CONCURRENT_TRANSACTIONS.code;
    if (metadata.state === 'PrepareCommit' || metadata.state === 'PrepareAbort') return E.CONCURRENT_TRANSACTIONS.code;
    if (metadata.state === 'Ongoing' && partitions.every((tp) => metadata.topicPartitions.has(topicPartitionName(tp))))
      return NONE;
    return this.txnManager.appendTransactionToLog(metadata, metadata.prepareAddPartitions(partitions, this.now()));
  }

  // ---- EndTxn ----

  handleEndTransaction(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
  ): Promise<number> {
    if (!this.active) return Promise.resolve(E.COORDINATOR_NOT_AVAILABLE.code);
    return this.endTransaction(transactionalId, producerId, producerEpoch, commit, true);
  }

  /**
   * TransactionCoordinator.endTransaction: writes PrepareCommit/PrepareAbort, answers,
   * then writes the markers and CompleteCommit/CompleteAbort. Not from a client: the
   * abort of a fenced or timed-out producer's transaction, at its bumped epoch. Runs
   * synchronously up to the write, so no other request comes between the checks and the
   * pending state they set.
   */
  private async endTransaction(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
    isFromClient: boolean,
  ): Promise<number> {
    if (transactionalId === '') return E.INVALID_REQUEST.code;
    const status = this.txnManager.coordinatorStatus(transactionalId);
    if (status !== NONE) return status;
    const metadata = this.txnManager.get(transactionalId);
    if (metadata === undefined || metadata.producerId !== producerId) return E.INVALID_PRODUCER_ID_MAPPING.code;
    // Strict equality for clients, which never bump the epoch; the coordinator's own aborts come at the bumped one.
    if ((isFromClient && producerEpoch !== metadata.producerEpoch) || producerEpoch < metadata.producerEpoch)
      return E.PRODUCER_FENCED.code;
    if (metadata.pendingTransitionInProgress && metadata.pendingState !== 'PrepareEpochFence')
      return E.CONCURRENT_TRANSACTIONS.code;
    const outcome = endTransactionOutcome(metadata, commit);
    if (outcome !== 'prepare') return outcome;
    const isEpochFence = !commit && metadata.pendingState === 'PrepareEpochFence';
    if (isEpochFence) {
      metadata.pendingState = null;
      metadata.producerEpoch = producerEpoch;
      metadata.lastProducerEpoch = NO_PRODUCER_EPOCH;
    }
    const prepared = metadata.prepareAbortOrCommit(commit ? 'PrepareCommit' : 'PrepareAbort', this.now());
    const error = await this.txnManager.appendTransactionToLog(metadata, prepared);
    if (error !== NONE) {
      // The bumped epoch was never returned: a later fence does not bump it again.
      if (isEpochFence) metadata.hasFailedEpochFence = true;
      return error;
    }
    if (metadata.producerId !== producerId) return E.INVALID_PRODUCER_ID_MAPPING.code;
    if (metadata.producerEpoch !== producerEpoch) return E.PRODUCER_FENCED.code;
    if (metadata.pendingTransitionInProgress) return E.CONCURRENT_TRANSACTIONS.code;
    this.sendMarkers(metadata, metadata.prepareComplete(this.now()));
    return NONE;
  }

  /**
   * Writes the markers to every partition of the transaction, then its CompleteCommit or
   * CompleteAbort (TransactionMarkerChannelManager.addTxnMarkersToSend). Failed partitions
   * are tried again; a partition whose topic is gone is dropped, as Kafka drops markers
   * for partitions without a leader. While this runs the pending state answers
   * CONCURRENT_TRANSACTIONS.
   */
  private sendMarkers(metadata: TransactionMetadata, complete: TxnTransitMetadata): void {
    const id = metadata.transactionalId;
    const done: Promise<void> = this.writeMarkersThenComplete(metadata, complete)
      .catch((error: unknown) => this.unexpected(error))
      .finally(() => {
        if (this.completing.get(id) === done) this.completing.delete(id);
      });
    this.completing.set(id, done);
  }

  /**
   * Settles once the markers and completion of the transaction ended last for
   * `transactionalId` are written; undefined when none is being written. An in-process
   * producer waits for it where a remote one retries on CONCURRENT_TRANSACTIONS.
   */
  transactionCompletion(transactionalId: string): Promise<void> | undefined {
    return this.completing.get(transactionalId);
  }

  /** A broken invariant in work no request waits for: logged, where Kafka's coordinator logs it as fatal. */
  private unexpected(error: unknown): void {
    this.logger?.warn('transaction coordinator failure', { error: String((error as Error)?.stack ?? error) });
  }

  private async writeMarkersThenComplete(metadata: TransactionMetadata, complete: TxnTransitMetadata): Promise<void> {
    const commit = complete.state === 'CompleteCommit';
    let partitions = [...metadata.topicPartitions.values()];
    let attempt = 0;
    const coordinatorEpoch = this.txnManager.coordinatorEpoch(metadata.transactionalId);
    while (partitions.length > 0) {
      if (!this.serves(metadata)) return;
      const results = await this.writeTxnMarkers({
        producerId: metadata.producerId,
        producerEpoch: metadata.producerEpoch,
        coordinatorEpoch,
        commit,
        partitions,
      });
      partitions = results.filter((r) => r.errorCode !== NONE && r.errorCode !== E.UNKNOWN_TOPIC_OR_PARTITION.code);
      if (partitions.length > 0) await this.backoff(metadata, 'writing transaction markers failed', results, attempt++);
    }
    for (;;) {
      if (!this.serves(metadata)) return;
      const error = await this.txnManager.appendTransactionToLog(metadata, complete);
      if (error === NONE) return;
      // The failed write cleared the pending state: claim it again for the next try.
      metadata.pendingState = complete.state;
      await this.backoff(metadata, 'writing the transaction completion failed', error, attempt++);
    }
  }

  /** Still this coordinator's to finish: not closed, and its partition not resigned (which drops the metadata). */
  private serves(metadata: TransactionMetadata): boolean {
    return this.active && this.txnManager.get(metadata.transactionalId) === metadata;
  }

  private async backoff(
    metadata: TransactionMetadata,
    message: string,
    cause: unknown,
    attempt: number,
  ): Promise<void> {
    this.logger?.warn(message, { transactionalId: metadata.transactionalId, cause, attempt });
    const delayMs = Math.min(RETRY_BACKOFF_MS * 2 ** attempt, RETRY_BACKOFF_MAX_MS);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }

  // ---- timeouts ----

  /** abortTimedOutTransactions: each Ongoing transaction past its timeout is aborted at a bumped epoch. */
  abortTimedOutTransactions(): Promise<unknown> {
    const aborts: Promise<number>[] = [];
    for (const metadata of this.txnManager.timedOutTransactions(this.now())) {
      const fence = metadata.prepareFenceProducerEpoch();
      this.logger?.info('aborting a timed-out transaction', {
        transactionalId: metadata.transactionalId,
        producerId: metadata.producerId,
        timeoutMs: metadata.txnTimeoutMs,
      });
      aborts.push(this.endTransaction(metadata.transactionalId, fence.producerId, fence.producerEpoch, false, false));
    }
    return Promise.all(aborts);
  }

  // ---- DescribeTransactions, ListTransactions ----

  describeTransaction(transactionalId: string): DescribedTransaction {
    const described: DescribedTransaction = {
      errorCode: NONE,
      transactionalId,
      transactionState: '',
      transactionTimeoutMs: 0,
      transactionStartTimeMs: -1,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
      topicPartitions: [],
    };
    const metadata = this.txnManager.get(transactionalId);
    if (!this.active) return { ...described, errorCode: E.COORDINATOR_NOT_AVAILABLE.code };
    if (transactionalId === '') return { ...described, errorCode: E.INVALID_REQUEST.code };
    const status = this.txnManager.coordinatorStatus(transactionalId);
    if (status !== NONE) return { ...described, errorCode: status };
    if (metadata === undefined || metadata.state === 'Dead')
      return { ...described, errorCode: E.TRANSACTIONAL_ID_NOT_FOUND.code };
    return {
      ...described,
      transactionState: metadata.state,
      transactionTimeoutMs: metadata.txnTimeoutMs,
      transactionStartTimeMs: metadata.txnStartTimestamp,
      producerId: metadata.producerId,
      producerEpoch: metadata.producerEpoch,
      topicPartitions: [...metadata.topicPartitions.values()],
    };
  }

  listTransactions(
    stateFilters: readonly string[],
    producerIdFilters: readonly number[],
    durationFilterMs: number,
  ): { errorCode: number; unknownStateFilters: string[]; transactionStates: ListedTransaction[] } {
    if (!this.active)
      return { errorCode: E.COORDINATOR_NOT_AVAILABLE.code, unknownStateFilters: [], transactionStates: [] };
    return {
      errorCode: NONE,
      ...this.txnManager.listTransactionStates(producerIdFilters, stateFilters, durationFilterMs, this.now()),
    };
  }

  /** The transaction's state, for tests and metrics. */
  transactionState(transactionalId: string): TransactionState | undefined {
    return this.txnManager.get(transactionalId)?.state;
  }

  /** Stops the timers and lets marker writes under way finish their current step (TransactionCoordinator.shutdown). */
  async close(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.completing.values()]);
  }
}

/** handleEndTransaction by the transaction's state: write the prepare record, or answer at once. */
function endTransactionOutcome({ transactionalId, state }: TransactionMetadata, commit: boolean): 'prepare' | number {
  switch (state) {
    case 'Ongoing':
      return 'prepare';
    case 'CompleteCommit':
      return commit ? NONE : E.INVALID_TXN_STATE.code;
    case 'CompleteAbort':
      return commit ? E.INVALID_TXN_STATE.code : NONE;
    case 'PrepareCommit':
      return commit ? E.CONCURRENT_TRANSACTIONS.code : E.INVALID_TXN_STATE.code;
    case 'PrepareAbort':
      return commit ? E.INVALID_TXN_STATE.code : E.CONCURRENT_TRANSACTIONS.code;
    case 'Empty':
      return E.INVALID_TXN_STATE.code;
    default:
      throw illegalState(transactionalId, state);
  }
}
