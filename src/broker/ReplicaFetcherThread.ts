/**
 * ReplicaFetcherThread: the follower's loop that copies the partitions one leader broker
 * leads into this broker's logs (Kafka 3.8's AbstractFetcherThread with ReplicaFetcherThread;
 * an async loop here, not a thread). Each turn (doWork) first truncates the partitions that
 * are Truncating, then sends one Fetch for those ready to fetch:
 *
 * - **Truncation** (KIP-101, KIP-279): OffsetForLeaderEpoch with our latest epoch; the log
 *   is cut where it stops agreeing with the leader's (getOffsetTruncationState), so a replica
 *   never keeps records a new leader does not have. A log with no epochs is cut to its high
 *   watermark (truncateToHighWatermark), Kafka's fallback.
 * - **Fetching**: the batches are appended byte for byte (Partition.appendAsFollower keeps
 *   their offsets, epochs, producer state and transaction markers); the high watermark
 *   becomes the leader's, bounded by our log end; the log start offset follows the leader's.
 * - **Errors** as AbstractFetcherThread.processFetchRequest: OFFSET_OUT_OF_RANGE resets the
 *   fetch offset from the leader's log end and start (fetchOffsetAndTruncate);
 *   FENCED_LEADER_EPOCH drops the partition until a new LeaderAndIsr adds it again; other
 *   errors, a failed connection among them, delay the partitions replica.fetch.backoff.ms.
 *   A batch that cannot be appended (corrupt) is logged and the partition retried after
 *   the backoff; an unexpected failure marks it failed (FailedPartitions).
 *
 * JavaScript runs one turn at a time, so Kafka's partitionMapLock is the rule that no state
 * is trusted across an await: after every request, and every append, the partition's state
 * must still be the very object the request was made for, or the answer is dropped (the
 * partition was removed, re-added or made leader meanwhile).
 */
import type { Partition } from '../engine/Partition.js';
import { KafkaErrors, errorMessageOf, isTributaryError } from '../errors.js';
import type { Logger } from './Logger.js';
import {
  isDelayed,
  isReadyForFetch,
  isTruncating,
  type OffsetTruncationState,
  type PartitionFetchState,
} from './PartitionFetchState.js';
import type {
  BrokerEndPoint,
  EpochData,
  EpochEndOffset,
  FetchData,
  FetchPartition,
  FetchResponse,
  RemoteLeaderEndPoint,
  ReplicaFetcherSettings,
} from './RemoteLeaderEndPoint.js';

/** OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
const UNDEFINED_EPOCH = -1;
const UNDEFINED_EPOCH_OFFSET = -1;

/** A partition's local log, as the replica manager hosts it (ReplicaManager.localLogOrException). */
export type LocalPartitions = (topic: string, partition: number) => Partition;

/** InitialFetchState: where a new follower starts, and the leader epoch that made it one. */
export interface InitialFetchState {
  readonly topic: string;
  readonly partition: number;
  readonly currentLeaderEpoch: number;
  readonly initOffset: number;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}-${partition}`;
const keyOf = (s: { topic: string; partition: number }) => partitionKey(s.topic, s.partition);

export class ReplicaFetcherThread {
  /** PartitionStates: in round-robin order, a partition moved to the end each time it is updated. */
  private readonly states = new Map<string, PartitionFetchState>();
  private running: Promise<void> | undefined;
  private stopping = false;
  /** partitionMapCond: wakes the loop waiting for partitions to become ready. */
  private wake: (() => void) | undefined;

  constructor(
    private readonly leader: RemoteLeaderEndPoint,
    private readonly settings: ReplicaFetcherSettings,
    private readonly local: LocalPartitions,
    /** The manager's FailedPartitions, shared by its fetchers. */
    private readonly failedPartitions: Set<string>,
    private readonly logger: Logger,
  ) {}

  get leaderEndPoint(): BrokerEndPoint {
    return this.leader.broker;
  }

  private get leaderId(): number {
    return this.leader.broker.id;
  }

  get partitionCount(): number {
    return this.states.size;
  }

  /** Every partition this fetcher follows, as it stands (FetcherLagMetrics reads their lag). */
  fetchStates(): IterableIterator<PartitionFetchState> {
    return this.states.values();
  }

  /** The fetch state of a partition this fetcher follows (AbstractFetcherThread.fetchState). */
  fetchState(topic: string, partition: number): PartitionFetchState | undefined {
    return this.states.get(partitionKey(topic, partition));
  }

  start(): void {
    this.running ??= this.run();
  }

  /** ShutdownableThread.shutdown: the loop ends after its turn; the connection closes, so a fetch in flight ends now. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.leader.close();
    this.wake?.();
    await this.running;
  }

  /**
   * AbstractFetcherThread.addPartitions: a partition already followed at the same leader
   * epoch keeps its state; any other starts Truncating from its initial offset (truncation by
   * OffsetForLeaderEpoch, isTruncationOnFetchSupported false). It is no longer failed.
   */
  addPartitions(initial: readonly InitialFetchState[]): void {
    for (const init of initial) {
      const key = keyOf(init);
      this.failedPartitions.delete(key);
      const current = this.states.get(key);
      if (current !== undefined && current.currentLeaderEpoch === init.currentLeaderEpoch) continue;
      this.states.delete(key);
      this.states.set(key, {
        topic: init.topic,
        partition: init.partition,
        fetchOffset: init.initOffset,
        lag: null,
        currentLeaderEpoch: init.currentLeaderEpoch,
        delayedUntil: 0,
        state: 'Truncating',
      });
    }
    this.wake?.();
  }

  /** AbstractFetcherThread.removePartitions: their states, for those this fetcher had. */
  removePartitions(keys: Iterable<string>): PartitionFetchState[] {
    const removed: PartitionFetchState[] = [];
    for (const key of keys) {
      const state = this.states.get(key);
      if (state === undefined) continue;
      this.states.delete(key);
      removed.push(state);
    }
    return removed;
  }

  /** ShutdownableThread.run: doWork until shut down; an unexpected failure is logged and the turn retried after the backoff. */
  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.maybeTruncate();
        await this.maybeFetch();
      } catch (error) {
        if (this.stopping) break;
        this.logger.error('replica fetcher turn failed', { leader: this.leaderId, error: errorMessageOf(error) });
        await this.idle(this.settings.fetchBackoffMs);
      }
    }
  }

  /** partitionMapCond.await(ms): until a partition is added or delayed, or the fetcher stops. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = this.wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = wake;
        done();
      };
    });
  }

  /** updateAndMoveToEnd. */
  private update(state: PartitionFetchState, changes: Partial<PartitionFetchState>): void {
    const key = keyOf(state);
    this.states.delete(key);
    this.states.set(key, { ...state, ...changes });
  }

  /** Whether `state` is still the partition's state: nothing removed, re-added or moved it during an await. */
  private isCurrent(state: PartitionFetchState): boolean {
    return this.states.get(keyOf(state)) === state;
  }

  /** delayPartitions: each partition not delayed yet is skipped for the backoff. */
  private delayPartitions(states: Iterable<PartitionFetchState>): void {
    const now = Date.now();
    for (const state of states)
      if (this.isCurrent(state) && !isDelayed(state, now))
        this.update(state, { delayedUntil: now + this.settings.fetchBackoffMs });
  }

  /** markPartitionFailed: removed from fetching and counted failed until it is added again. */
  private markPartitionFailed(state: PartitionFetchState): void {
    const key = keyOf(state);
    this.failedPartitions.add(key);
    this.states.delete(key);
    this.logger.warn('Partition marked as failed', { partition: key, leader: this.leaderId });
  }

  // ---- truncation ----

  /** maybeTruncate: partitions with epochs by OffsetForLeaderEpoch, those without to their high watermark. */
  private async maybeTruncate(): Promise<void> {
    const now = Date.now();
    const withEpochs: { state: PartitionFetchState; request: EpochData }[] = [];
    const withoutEpochs: PartitionFetchState[] = [];
    for (const state of this.states.values()) {
      if (!isTruncating(state, now)) continue;
      const latestEpoch = this.local(state.topic, state.partition).latestEpoch;
      if (latestEpoch === null) withoutEpochs.push(state);
      else {
        const { topic, partition, currentLeaderEpoch } = state;
        withEpochs.push({ state, request: { topic, partition, currentLeaderEpoch, leaderEpoch: latestEpoch } });
      }
    }
    if (withEpochs.length > 0) await this.truncateToEpochEndOffsets(withEpochs);
    if (withoutEpochs.length > 0) this.truncateToHighWatermark(withoutEpochs);
  }

  /**
   * truncateToEpochEndOffsets: asks the leader, then truncates each partition still there at
   * the same leader epoch (maybeTruncateToEpochEndOffsets); an error delays the partition,
   * FENCED_LEADER_EPOCH fails it (onPartitionFenced).
   */
  private async truncateToEpochEndOffsets(asked: { state: PartitionFetchState; request: EpochData }[]): Promise<void> {
    const answers = await this.leader.fetchEpochEndOffsets(asked.map((a) => a.request));
    const withError: PartitionFetchState[] = [];
    for (const { state, request } of asked) {
      const answer = answers.get(keyOf(state));
      if (answer === undefined || !this.isCurrent(state)) continue;
      if (answer.errorCode === KafkaErrors.NONE.code) {
        const truncation = this.offsetTruncationState(state, answer);
        this.logger.info('Truncating partition due to leader epoch and offset', {
          partition: keyOf(state),
          ...truncation,
          leaderEpoch: answer.leaderEpoch,
          leaderEndOffset: answer.endOffset,
        });
        if (this.doTruncate(state, truncation.offset)) this.truncated(state, truncation);
      } else if (answer.errorCode === KafkaErrors.FENCED_LEADER_EPOCH.code) {
        if (this.onPartitionFenced(state, request.currentLeaderEpoch)) withError.push(state);
      } else {
        this.logger.info('Retrying leaderEpoch request for partition as the leader reported an error', {
          partition: keyOf(state),
          errorCode: answer.errorCode,
        });
        withError.push(state);
      }
    }
    this.delayPartitions(withError);
  }

  /** truncateToHighWatermark: a log without leader epochs keeps only what was committed (the initial fetch offset). */
  private truncateToHighWatermark(states: PartitionFetchState[]): void {
    for (const state of states) {
      this.logger.info('Truncating partition due to local high watermark', {
        partition: keyOf(state),
        highWatermark: state.fetchOffset,
      });
      if (this.doTruncate(state, state.fetchOffset))
        this.truncated(state, { offset: state.fetchOffset, truncationCompleted: true });
    }
  }

  /** updateFetchOffsetAndMaybeMarkTruncationComplete, for one partition. */
  private truncated(state: PartitionFetchState, truncation: OffsetTruncationState): void {
    this.update(state, {
      fetchOffset: truncation.offset,
      state: truncation.truncationCompleted ? 'Fetching' : 'Truncating',
    });
  }

  /**
   * getOffsetTruncationState, Kafka's rules: no end offset from the leader (it does not know
   * our epoch's start) -> the initial fetch offset, our high watermark; no epoch in the answer
   * -> the leader's offset; an epoch we do not know -> the end of our largest epoch below it,
   * and ask again; else the smaller of the two ends of that epoch. Never above our log end.
   */
  private offsetTruncationState(state: PartitionFetchState, leader: EpochEndOffset): OffsetTruncationState {
    if (leader.endOffset === UNDEFINED_EPOCH_OFFSET) return { offset: state.fetchOffset, truncationCompleted: true };
    const partition = this.local(state.topic, state.partition);
    const replicaEndOffset = partition.logEndOffset;
    if (leader.leaderEpoch === UNDEFINED_EPOCH)
      return { offset: Math.min(leader.endOffset, replicaEndOffset), truncationCompleted: true };
    const ours = partition.endOffsetForEpoch(leader.leaderEpoch);
    if (ours.endOffset === UNDEFINED_EPOCH_OFFSET)
      return { offset: Math.min(leader.endOffset, replicaEndOffset), truncationCompleted: true };
    if (ours.leaderEpoch !== leader.leaderEpoch)
      return { offset: Math.min(ours.endOffset, replicaEndOffset), truncationCompleted: false };
    return { offset: Math.min(ours.endOffset, leader.endOffset, replicaEndOffset), truncationCompleted: true };
  }

  /** doTruncate (ReplicaFetcherThread.truncate): a failure marks the partition failed. */
  private doTruncate(state: PartitionFetchState, offset: number): boolean {
    try {
      const partition = this.local(state.topic, state.partition);
      if (offset < partition.highWatermark)
        this.logger.warn('Truncating partition below its high watermark', {
          partition: keyOf(state),
          offset,
          highWatermark: partition.highWatermark,
        });
      partition.truncateTo(offset);
      return true;
    } catch (error) {
      this.logger.error('Unexpected error occurred during truncation', {
        partition: keyOf(state),
        offset,
        error: errorMessageOf(error),
      });
      this.markPartitionFailed(state);
      return false;
    }
  }

  /**
   * onPartitionFenced: fenced at the epoch we still follow, the leader has a newer one and a
   * LeaderAndIsr will tell us: the partition fails until then (false). Fenced at an older
   * epoch than ours: retried after the backoff (true).
   */
  private onPartitionFenced(state: PartitionFetchState, requestEpoch: number): boolean {
    if (!this.isCurrent(state)) return false;
    if (requestEpoch === state.currentLeaderEpoch) {
      this.logger.info('Partition has an older epoch than the current leader; awaiting the new LeaderAndIsr', {
        partition: keyOf(state),
        leaderEpoch: state.currentLeaderEpoch,
      });
      this.markPartitionFailed(state);
      return false;
    }
    return true;
  }

  // ---- fetching ----

  /** maybeFetch: one Fetch of the partitions ready; none ready, a pause of the backoff (or until one is added). */
  private async maybeFetch(): Promise<void> {
    const now = Date.now();
    const ready = [...this.states.values()].filter((s) => isReadyForFetch(s, now));
    if (ready.length === 0) return this.idle(this.settings.fetchBackoffMs);
    await this.processFetchRequest(ready);
  }

  /** FetchRequest.PartitionData of a partition: our log start offset goes with it, for the leader's DeleteRecords. */
  private fetchPartition(state: PartitionFetchState): FetchPartition {
    const { topic, partition, fetchOffset, currentLeaderEpoch } = state;
    return {
      topic,
      partition,
      fetchOffset,
      currentLeaderEpoch,
      logStartOffset: this.local(topic, partition).logStartOffset,
    };
  }

  /** processFetchRequest: each answered partition still fetching from the offset asked is handled by its error code. */
  private async processFetchRequest(sent: PartitionFetchState[]): Promise<void> {
    let leased;
    try {
      leased = await this.leader.fetch(sent.map((s) => this.fetchPartition(s)));
    } catch (error) {
      if (this.stopping) return;
      this.logger.warn('Error in response for fetch request', { leader: this.leaderId, error: errorMessageOf(error) });
      return this.delayPartitions(sent);
    }
    try {
      await this.processFetchResponse(sent, leased.response);
    } finally {
      // Every batch is appended (the log copied it) or dropped: the frame may be read into again.
      leased.release();
    }
  }

  private async processFetchResponse(sent: PartitionFetchState[], response: FetchResponse): Promise<void> {
    const asked = new Map(sent.map((s) => [keyOf(s), s]));
    const withError: PartitionFetchState[] = [];
    for (const topic of response.responses)
      for (const data of topic.partitions) {
        const state = asked.get(partitionKey(topic.topic, data.partitionIndex));
        if (state === undefined || !this.isCurrent(state)) continue;
        if (!(await this.processPartitionResponse(state, data))) withError.push(state);
      }
    this.delayPartitions(withError);
  }

  /** One partition's answer; false when it is to be retried after the backoff. */
  private async processPartitionResponse(state: PartitionFetchState, data: FetchData): Promise<boolean> {
    const partition = keyOf(state);
    switch (data.errorCode) {
      case KafkaErrors.NONE.code:
        return this.processPartitionData(state, data);
      case KafkaErrors.OFFSET_OUT_OF_RANGE.code:
        return this.handleOutOfRangeError(state);
      case KafkaErrors.FENCED_LEADER_EPOCH.code:
        return !this.onPartitionFenced(state, state.currentLeaderEpoch);
      case KafkaErrors.NOT_LEADER_OR_FOLLOWER.code:
        this.logger.debug('Remote broker is not the leader for partition', { partition, leader: this.leaderId });
        return false;
      default:
        // UNKNOWN_LEADER_EPOCH (the leader has not had our LeaderAndIsr yet), UNKNOWN_TOPIC_OR_PARTITION...
        this.logger.info('Error for partition', { partition, offset: state.fetchOffset, errorCode: data.errorCode });
        return false;
    }
  }

  /**
   * ReplicaFetcherThread.processPartitionData: appended byte for byte, then the high
   * watermark min(leader's, our log end) (UnifiedLog.maybeUpdateHighWatermark) and the
   * leader's log start offset (maybeIncrementLogStartOffset, never past our high watermark).
   * A batch the log refuses (corrupt, invalid) is logged and retried; anything else fails the partition.
   */
  private async processPartitionData(state: PartitionFetchState, data: FetchData): Promise<boolean> {
    const partition = this.local(state.topic, state.partition);
    if (state.fetchOffset !== partition.logEndOffset) {
      this.logger.error('Offset mismatch for partition', {
        partition: keyOf(state),
        fetchOffset: state.fetchOffset,
        logEndOffset: partition.logEndOffset,
      });
      this.markPartitionFailed(state);
      return true;
    }
    const records = data.records ?? Buffer.alloc(0);
    let nextOffset = state.fetchOffset;
    try {
      if (records.length > 0) nextOffset = (await partition.appendAsFollower(records)).lastOffset + 1;
    } catch (error) {
      return this.onAppendFailed(state, error);
    }
    // Removed or made leader while the append was made durable: the new owner sets the high watermark.
    if (!this.isCurrent(state)) return true;
    partition.updateHighWatermark(Math.min(data.highWatermark, partition.logEndOffset));
    if (data.logStartOffset > partition.logStartOffset && data.logStartOffset <= partition.highWatermark)
      partition.deleteRecordsBefore(data.logStartOffset);
    const lag = Math.max(0, data.highWatermark - nextOffset);
    if (records.length > 0 || state.lag === null)
      this.update(state, { fetchOffset: nextOffset, lag, state: 'Fetching' });
    return true;
  }

  private onAppendFailed(state: PartitionFetchState, error: unknown): boolean {
    const fields = { partition: keyOf(state), offset: state.fetchOffset, error: errorMessageOf(error) };
    // CorruptRecordException / InvalidRecordException: maybe a transient state of the leader's log; the next fetch may mend it.
    if (isTributaryError(error) && error.kafka.code !== KafkaErrors.KAFKA_STORAGE_ERROR.code) {
      this.logger.error('Found invalid messages during fetch for partition', fields);
      return false;
    }
    this.logger.error('Error while processing data for partition', fields);
    if (this.isCurrent(state)) this.markPartitionFailed(state);
    return true;
  }

  /**
   * handleOutOfRangeError with fetchOffsetAndTruncate: our log end above the leader's (an
   * unclean election) truncates to the leader's end; below the leader's start (we were away
   * while it deleted), the log starts over at the leader's start; else we fetch from our end.
   * FENCED_LEADER_EPOCH as in a fetch; other errors retry after the backoff.
   */
  private async handleOutOfRangeError(state: PartitionFetchState): Promise<boolean> {
    const { topic, partition, currentLeaderEpoch } = state;
    try {
      const leaderEndOffset = await this.leader.fetchLatestOffset(topic, partition, currentLeaderEpoch);
      if (!this.isCurrent(state)) return true;
      const log = this.local(topic, partition);
      const replicaEndOffset = log.logEndOffset;
      if (leaderEndOffset < replicaEndOffset) {
        this.logger.warn("Reset fetch offset for partition to the current leader's latest offset", {
          partition: keyOf(state),
          from: replicaEndOffset,
          to: leaderEndOffset,
        });
        if (this.doTruncate(state, leaderEndOffset))
          this.update(state, { fetchOffset: leaderEndOffset, lag: 0, state: 'Fetching' });
        return true;
      }
      const leaderStartOffset = await this.leader.fetchEarliestOffset(topic, partition, currentLeaderEpoch);
      if (!this.isCurrent(state)) return true;
      const offsetToFetch = Math.max(leaderStartOffset, log.logEndOffset);
      if (leaderStartOffset > log.logEndOffset) {
        this.logger.warn("Truncate fully and reset fetch offset for partition to the current leader's start offset", {
          partition: keyOf(state),
          from: log.logEndOffset,
          to: leaderStartOffset,
        });
        log.truncateFullyAndStartAt(leaderStartOffset);
      }
      this.update(state, { fetchOffset: offsetToFetch, lag: leaderEndOffset - offsetToFetch, state: 'Fetching' });
      return true;
    } catch (error) {
      if (isTributaryError(error, 'ERR_FENCED_LEADER_EPOCH')) return !this.onPartitionFenced(state, currentLeaderEpoch);
      this.logger.info('Could not fetch offset for partition', {
        partition: keyOf(state),
        error: errorMessageOf(error),
      });
      return false;
    }
  }
}
