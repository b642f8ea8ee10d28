/**
 * Every transactional id's metadata and its log, `__transaction_state` (Kafka's
 * TransactionStateManager): each id lives in partition abs(id.hashCode()) % n, every
 * change of its state is one record (key: the id, value: TransactionLogValue) written
 * before the change is made, and loading at start replays every partition keeping the
 * last record per id (tombstones delete): what compaction would leave. As in Kafka, the
 * topic is created when the first transactional id needs it, not at every start.
 */
import type { Engine } from '../engine/Engine.js';
import { BUILT_BY_COORDINATOR, forEachBatch, openInternalTopic, partitionForKey } from '../engine/InternalTopic.js';
import { InternalTopicOwnership } from '../engine/InternalTopicOwnership.js';
import { isTributaryError, KafkaErrors as E, type KafkaError } from '../errors.js';
import { buildRecordBatch } from '../record/RecordBatchBuilder.js';
import {
  readTransactionLogKey,
  readTransactionLogValue,
  transactionLogKey,
  transactionLogValue,
} from './TransactionLog.js';
import {
  isExpirationAllowed,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  TransactionMetadata,
  transactionStateOf,
  TRANSACTION_STATES,
  type TransactionState,
  type TxnTransitMetadata,
} from './TransactionMetadata.js';

export const TRANSACTION_STATE_TOPIC_NAME = '__transaction_state';

export interface TransactionStateConfig {
  /** transaction.state.log.num.partitions. */
  stateLogNumPartitions: number;
  /** transaction.max.timeout.ms. */
  maxTimeoutMs: number;
  /** transactional.id.expiration.ms. */
  transactionalIdExpirationMs: number;
}

export interface ListedTransaction {
  transactionalId: string;
  producerId: number;
  transactionState: TransactionState;
}

/** Append errors the client retries at the same coordinator: the log or its in-sync replicas not there (yet). */
const COORDINATOR_NOT_AVAILABLE_AFTER: readonly KafkaError[] = [
  E.UNKNOWN_TOPIC_OR_PARTITION,
  E.NOT_ENOUGH_REPLICAS,
  E.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  E.REQUEST_TIMED_OUT,
];

/** The error a failed `__transaction_state` append becomes (TransactionStateManager.appendTransactionToLog). */
function appendErrorCode(error: unknown): number {
  if (!isTributaryError(error)) return E.UNKNOWN_SERVER_ERROR.code;
  if (error.code === 'ERR_ENGINE_CLOSED' || COORDINATOR_NOT_AVAILABLE_AFTER.includes(error.kafka))
    return E.COORDINATOR_NOT_AVAILABLE.code;
  if (error.kafka === E.KAFKA_STORAGE_ERROR || error.kafka === E.NOT_LEADER_OR_FOLLOWER) return E.NOT_COORDINATOR.code;
  return E.UNKNOWN_SERVER_ERROR.code;
}

/** What the transaction coordinator of a cluster's broker reads from the cluster's metadata. */
export interface TransactionClusterView {
  /** `__transaction_state`'s partition count in the cluster, when the topic exists. */
  stateTopicPartitionCount(): number | undefined;
}

export class TransactionStateManager {
  private readonly transactions = new Map<string, TransactionMetadata>();
  /** Each id's encoded TransactionLogKey, while the id is known. */
  private readonly keys = new Map<string, Buffer>();
  private readonly ownership: InternalTopicOwnership;

  private constructor(
    private readonly engine: Engine,
    readonly config: TransactionStateConfig,
    private readonly now: () => number,
    private readonly cluster: TransactionClusterView | undefined,
  ) {
    this.ownership = new InternalTopicOwnership(cluster === undefined);
  }

  /**
   * A single node loads every transactional id `__transaction_state` holds, when it exists. A
   * cluster's broker loads a partition when it comes to lead it (beginLoading, loadPartition).
   */
  static open(
    engine: Engine,
    config: TransactionStateConfig,
    now: () => number,
    cluster?: TransactionClusterView,
  ): TransactionStateManager {
    const manager = new TransactionStateManager(engine, config, now, cluster);
    if (cluster === undefined && engine.hasTopic(TRANSACTION_STATE_TOPIC_NAME)) {
      for (let p = 0; p < engine.partitionCount(TRANSACTION_STATE_TOPIC_NAME); p++)
        manager.readPartition(p, manager.transactions);
    }
    return manager;
  }

  /**
   * The topic's partition count: in a cluster the cluster's topic's, else
   * transaction.state.log.num.partitions (TransactionStateManager.getTransactionTopicPartitionCount);
   * on one node its own once it exists, else the one it will be created with.
   */
  get partitionCount(): number {
    if (this.cluster !== undefined) return this.cluster.stateTopicPartitionCount() ?? this.config.stateLogNumPartitions;
    return this.engine.hasTopic(TRANSACTION_STATE_TOPIC_NAME)
      ? this.engine.partitionCount(TRANSACTION_STATE_TOPIC_NAME)
      : this.config.stateLogNumPartitions;
  }

  /**
   * getTransactionState's checks: NONE when this coordinator serves the id's partition,
   * COORDINATOR_LOAD_IN_PROGRESS while it loads, else NOT_COORDINATOR.
   */
  coordinatorStatus(transactionalId: string): number {
    return this.ownership.status(this.partitionFor(transactionalId));
  }

  /** The leader epoch of the id's partition when this broker was elected: the markers' coordinator epoch. */
  coordinatorEpoch(transactionalId: string): number {
    return this.ownership.epoch(this.partitionFor(transactionalId));
  }

  /** loadTransactionsForTxnTopicPartition's start: false when the election is stale or already loading. */
  beginLoading(partition: number, epoch: number): boolean {
    return this.ownership.beginLoading(partition, epoch);
  }

  /**
   * Reads the partition's transactions and serves them, unless it was resigned meanwhile
   * (then none): the loaded ones, which the coordinator completes if found preparing.
   */
  loadPartition(partition: number): TransactionMetadata[] {
    const loaded = new Map<string, TransactionMetadata>();
    this.readPartition(partition, loaded);
    if (!this.ownership.completeLoading(partition)) return [];
    for (const [id, metadata] of loaded) this.transactions.set(id, metadata);
    return [...loaded.values()];
  }

  /**
   * removeTransactionsForTxnTopicPartition: the partition's transactions are no longer served
   * here; false when `epoch` is older than its last election (nothing changes).
   */
  removeTransactionsForPartition(partition: number, epoch: number | undefined): boolean {
    if (!this.ownership.resign(partition, epoch)) return false;
    for (const id of [...this.transactions.keys()]) {
      if (this.partitionFor(id) !== partition) continue;
      this.transactions.delete(id);
      this.keys.delete(id);
    }
    return true;
  }

  partitionFor(transactionalId: string): number {
    return partitionForKey(transactionalId, this.partitionCount);
  }

  get(transactionalId: string): TransactionMetadata | undefined {
    return this.transactions.get(transactionalId);
  }

  putIfNotExists(metadata: TransactionMetadata): TransactionMetadata {
    const existing = this.transactions.get(metadata.transactionalId);
    if (existing !== undefined) return existing;
    this.transactions.set(metadata.transactionalId, metadata);
    return metadata;
  }

  all(): IterableIterator<TransactionMetadata> {
    return this.transactions.values();
  }

  /** TransactionStateManager.validateTransactionTimeoutMs. */
  validateTransactionTimeoutMs(timeoutMs: number): boolean {
    return timeoutMs > 0 && timeoutMs <= this.config.maxTimeoutMs;
  }

  /**
   * Writes the change to the log, then makes it (completeTransitionTo); a failed write
   * clears the pending state. Resolves with the Kafka error code (0 when written).
   */
  async appendTransactionToLog(metadata: TransactionMetadata, transit: TxnTransitMetadata): Promise<number> {
    try {
      await this.write(metadata.transactionalId, transit);
    } catch (error) {
      metadata.pendingState = null;
      return appendErrorCode(error);
    }
    if (transit.state === 'Dead') {
      this.transactions.delete(metadata.transactionalId);
      this.keys.delete(metadata.transactionalId);
    } else metadata.completeTransitionTo(transit);
    return E.NONE.code;
  }

  /** The record of `transit`, appended; a plain promise (no async frame), as this runs 3 times a transaction. */
  private write(transactionalId: string, transit: TxnTransitMetadata): Promise<unknown> {
    const value = transit.state === 'Dead' ? null : transactionLogValue(logValueOf(transit));
    const batch = buildRecordBatch([{ key: this.keyOf(transactionalId), value, timestamp: this.now() }]);
    // One node creates the topic on first use; a cluster's controller creates it, and LeaderAndIsr its logs here.
    if (this.cluster === undefined)
      openInternalTopic(this.engine, TRANSACTION_STATE_TOPIC_NAME, this.config.stateLogNumPartitions);
    // With acks=-1 for as long as the transaction may last (TransactionStateManager.appendTransactionToLog).
    return this.engine
      .partition(TRANSACTION_STATE_TOPIC_NAME, this.partitionFor(transactionalId))
      .appendReplicated(batch, BUILT_BY_COORDINATOR, transit.txnTimeoutMs);
  }

  /** The id's record key, encoded once: every state change of the id writes the same key. */
  private keyOf(transactionalId: string): Buffer {
    let key = this.keys.get(transactionalId);
    if (key === undefined) {
      key = transactionLogKey(transactionalId);
      this.keys.set(transactionalId, key);
    }
    return key;
  }

  /** Ongoing transactions past their timeout, not in the middle of a change (timedOutTransactions). */
  timedOutTransactions(now: number): TransactionMetadata[] {
    return [...this.transactions.values()].filter(
      (t) => !t.pendingTransitionInProgress && t.state === 'Ongoing' && t.txnStartTimestamp + t.txnTimeoutMs < now,
    );
  }

  /** Tombstones for ids idle for transactional.id.expiration.ms in a state that allows it (removeExpiredTransactionalIds). */
  async removeExpiredTransactionalIds(now: number): Promise<void> {
    const expired = [...this.transactions.values()].filter(
      (t) =>
        !t.pendingTransitionInProgress &&
        isExpirationAllowed(t.state) &&
        t.txnLastUpdateTimestamp <= now - this.config.transactionalIdExpirationMs,
    );
    await Promise.all(expired.map((t) => this.appendTransactionToLog(t, t.prepareDead())));
  }

  /** ListTransactions: by state, producer id and running time, with the state names it does not know. */
  listTransactionStates(
    producerIds: readonly number[],
    stateNames: readonly string[],
    durationMs: number,
    now: number,
  ): { unknownStateFilters: string[]; transactionStates: ListedTransaction[] } {
    const known = (name: string): name is TransactionState => (TRANSACTION_STATES as readonly string[]).includes(name);
    const states = new Set(stateNames.filter(known));
    const include = (t: TransactionMetadata): boolean =>
      t.state !== 'Dead' &&
      (producerIds.length === 0 || producerIds.includes(t.producerId)) &&
      (stateNames.length === 0 || states.has(t.state)) &&
      (durationMs < 0 || now - t.txnStartTimestamp > durationMs);
    return {
      unknownStateFilters: stateNames.filter((name) => !known(name)),
      transactionStates: [...this.transactions.values()].filter(include).map((t) => ({
        transactionalId: t.transactionalId,
        producerId: t.producerId,
        transactionState: t.state,
      })),
    };
  }

  /** The partition's last record per transactional id becomes its metadata in `into` (loadTransactionMetadata). */
  private readPartition(partition: number, into: Map<string, TransactionMetadata>): void {
    forEachBatch(this.engine, TRANSACTION_STATE_TOPIC_NAME, partition, (batch) => {
      if (batch.isControl) return;
      for (const record of batch.records()) {
        const transactionalId = record.key === null ? null : readTransactionLogKey(record.key);
        if (transactionalId === null) continue;
        if (record.value === null) into.delete(transactionalId);
        else into.set(transactionalId, metadataOf(transactionalId, record.value));
      }
    });
  }
}

function logValueOf(transit: TxnTransitMetadata) {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of transit.topicPartitions.values()) {
    const partitions = byTopic.get(topic) ?? [];
    partitions.push(partition);
    byTopic.set(topic, partitions);
  }
  return {
    producerId: transit.producerId,
    producerEpoch: transit.producerEpoch,
    transactionTimeoutMs: transit.txnTimeoutMs,
    transactionStatus: TRANSACTION_STATES.indexOf(transit.state),
    // TransactionLog.valueToBytes: an Empty transaction has no partition list at all.
    transactionPartitions:
      transit.state === 'Empty' ? null : [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
    transactionLastUpdateTimestampMs: transit.txnLastUpdateTimestamp,
    transactionStartTimestampMs: transit.txnStartTimestamp,
  };
}

/** TransactionLog.readTxnRecordValue. */
function metadataOf(transactionalId: string, bytes: Buffer): TransactionMetadata {
  const value = readTransactionLogValue(bytes);
  const state = transactionStateOf(value.transactionStatus);
  const metadata = new TransactionMetadata(
    transactionalId,
    value.producerId,
    NO_PRODUCER_ID,
    value.producerEpoch,
    NO_PRODUCER_EPOCH,
    value.transactionTimeoutMs,
    state,
    value.transactionStartTimestampMs,
    value.transactionLastUpdateTimestampMs,
  );
  if (state !== 'Empty') {
    for (const { topic, partitionIds } of value.transactionPartitions ?? [])
      metadata.addPartitions(partitionIds.map((partition) => ({ topic, partition })));
  }
  return metadata;
}
