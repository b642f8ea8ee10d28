/**
 * ClusterPartition: one partition this broker hosts in a cluster, leader or follower, after
 * Kafka's kafka.cluster.Partition (3.8) in ZooKeeper mode, around the engine's Partition
 * (the log). The leader keeps each follower's state (Replica), the ISR with its partition
 * epoch, and the high watermark: the smallest log end offset over the "maximal" ISR, moved
 * only forward and only while the ISR holds min.insync.replicas. ISR changes go to the
 * controller through AlterPartition; while one is in flight the partition waits for its
 * answer (Kafka's PendingExpandIsr / PendingShrinkIsr), counting a follower being added as
 * in sync already (KIP-497: stricter, so safe) and one being removed as still in sync.
 */
import type { AppendInfo, AppendOptions, Partition, PartitionRead } from '../engine/Partition.js';
import { KafkaErrors, TributaryError, isTributaryError, kafkaResponseError, type KafkaError } from '../errors.js';
import type { LeaderAndIsr } from '../zk/LeaderAndIsr.js';
import type { AlterPartitionManager, ProposedLeaderAndIsr } from './AlterPartitionManager.js';
import { delayedProduce } from './DelayedProduce.js';
import type { Logger } from './Logger.js';
import { Replica } from './Replica.js';

/** Where ISR changes go: the AlterPartitionManager's submit. */
export type AlterPartitionSubmitter = Pick<AlterPartitionManager, 'submit'>;

/** What becoming leader or follower takes from a LeaderAndIsr partition state. */
export interface LeaderAndIsrState extends LeaderAndIsr {
  readonly replicas: readonly number[];
}

/** AlterPartitionListener: the broker's ISR metrics. */
export interface AlterPartitionListener {
  markIsrExpand(): void;
  markIsrShrink(): void;
  markFailed(): void;
}

export interface ClusterPartitionOptions {
  readonly localBrokerId: number;
  /** replica.lag.time.max.ms: how long a follower may stay behind the leader's log end and stay in the ISR. */
  readonly replicaLagTimeMaxMs: () => number;
  /** min.insync.replicas of the topic (its override, else the broker's). */
  readonly minInsyncReplicas: () => number;
  /** Partition.isReplicaIsrEligible in ZooKeeper mode: the broker is alive (ZkMetadataCache.hasAliveBroker). */
  readonly isReplicaIsrEligible: (brokerId: number) => boolean;
  /** Undefined on a broker driven by hand (tests): no controller to ask, the ISR stays as LeaderAndIsr gives it. */
  readonly alterPartitionManager: AlterPartitionSubmitter | undefined;
  readonly listener?: AlterPartitionListener;
  readonly logger: Logger;
  /** The clock (Kafka's Time), for tests. */
  readonly now?: () => number;
}

/** A follower's fetch of one partition, as Fetch carries it. */
export interface FollowerFetch {
  readonly replicaId: number;
  readonly fetchOffset: number;
  /** -1: not given (Fetch before v9). */
  readonly currentLeaderEpoch: number;
  /** -1: not given (Fetch before v12). */
  readonly lastFetchedEpoch: number;
  readonly logStartOffset: number;
}

/** Partition.fetchRecords' answer (LogReadInfo): the read, or where the follower's log diverged. */
export interface LeaderRead {
  readonly read: PartitionRead | null;
  readonly divergingEpoch: { readonly epoch: number; readonly endOffset: number } | null;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly lastStableOffset: number;
}

/** OffsetForLeaderEpoch's EpochEndOffset. */
export interface EpochEndOffset {
  readonly error: KafkaError;
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

/** CommittedPartitionState, PendingExpandIsr, PendingShrinkIsr. */
type IsrState =
  | { readonly kind: 'committed'; readonly isr: ReadonlySet<number> }
  | {
      readonly kind: 'expand' | 'shrink';
      readonly isr: ReadonlySet<number>;
      readonly changed: ReadonlySet<number>;
      readonly sent: ProposedLeaderAndIsr;
    };

/** The "maximal" ISR: the committed one, plus a follower being added (Kafka's PartitionState.maximalIsr). */
function maximalIsrOf(state: IsrState): ReadonlySet<number> {
  return state.kind === 'expand' ? new Set([...state.isr, ...state.changed]) : state.isr;
}

/** UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET of OffsetsForLeaderEpoch. */
const UNDEFINED_EPOCH = -1;
const UNDEFINED_EPOCH_OFFSET = -1;
/** LeaderAndIsr.InitialLeaderEpoch - 1: no LeaderAndIsr yet. */
const NO_EPOCH = -1;

/** AlterPartition answers that say the change was not applied (Partition.handleAlterPartitionError). */
const NOT_APPLIED: readonly string[] = ['ERR_OPERATION_NOT_ATTEMPTED', 'ERR_INELIGIBLE_REPLICA'];
/** AlterPartition answers after which the leader waits for the controller's next LeaderAndIsr. */
const AWAIT_METADATA: readonly string[] = [
  'ERR_UNKNOWN_TOPIC_OR_PARTITION',
  'ERR_UNKNOWN_TOPIC_ID',
  'ERR_FENCED_LEADER_EPOCH',
  'ERR_INVALID_UPDATE_VERSION',
  'ERR_INVALID_REQUEST',
  'ERR_NEW_LEADER_ELECTED',
];

/** A coordinator's append is waited for whatever happens to a connection. */
const NEVER_ABORTED = new AbortController().signal;

const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);

export class ClusterPartition {
  private leaderReplicaId: number | null = null;
  private epoch = NO_EPOCH;
  private partitionEpochValue = NO_EPOCH;
  /** The log end offset when this leader epoch started: a follower joins the ISR only past it. */
  private leaderEpochStartOffset: number | null = null;
  private replicas: readonly number[] = [];
  private readonly remoteReplicas = new Map<number, Replica>();
  private isrState: IsrState = { kind: 'committed', isr: new Set() };
  /** Delayed produces waiting on this partition's high watermark or leadership (Kafka's DelayedOperations). */
  private readonly delayedOperations = new Set<() => void>();
  private readonly now: () => number;
  /** Stops the leader's watch of the log's appends (followAppends). */
  private appendWatch: AbortController | null = null;

  constructor(
    readonly log: Partition,
    private readonly options: ClusterPartitionOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get topic(): string {
    return this.log.topic;
  }

  get index(): number {
    return this.log.index;
  }

  get isLeader(): boolean {
    return this.leaderReplicaId === this.options.localBrokerId;
  }

  get leaderEpoch(): number {
    return this.epoch;
  }

  get partitionEpoch(): number {
    return this.partitionEpochValue;
  }

  /** The ISR the controller committed. */
  get inSyncReplicaIds(): number[] {
    return sorted(this.isrState.isr);
  }

  get maximalIsr(): number[] {
    return sorted(maximalIsrOf(this.isrState));
  }

  /** An AlterPartition is in flight. */
  get isInflight(): boolean {
    return this.isrState.kind !== 'committed';
  }

  /** Partition.isUnderReplicated: led here, with fewer in-sync replicas than assigned. */
  get isUnderReplicated(): boolean {
    return this.isLeader && this.replicas.length - this.isrState.isr.size > 0;
  }

  /** Partition.isUnderMinIsr. */
  get isUnderMinIsr(): boolean {
    return this.isLeader && this.isrState.isr.size < this.effectiveMinIsr();
  }

  /** Partition.effectiveMinIsr: min.insync.replicas, at most the replication factor. */
  private effectiveMinIsr(): number {
    return Math.min(this.options.minInsyncReplicas(), this.remoteReplicas.size + 1);
  }

  /**
   * Partition.makeLeader: takes the assignment and the ISR (unless this broker already knows
   * a newer partition epoch, from an AlterPartition answer); a new leader epoch starts at the
   * log end, and resets the followers' state. The high watermark is then the ISR's (the
   * engine stops moving it with each append). Returns whether this broker was not leader before.
   */
  makeLeader(state: LeaderAndIsrState): boolean {
    if (state.partitionEpoch < this.partitionEpochValue) {
      this.skipped('become-leader', state);
      return false;
    }
    const now = this.now();
    const isNewLeader = !this.isLeader;
    this.updateAssignmentAndIsr(state.replicas, true, new Set(state.isr));
    this.log.hwFollowsLogEnd = false;
    if (state.leaderEpoch > this.epoch) {
      const startOffset = this.log.logEndOffset;
      // A follower may hold entries of a later epoch than any in this log (successive
      // elections): the new epoch's start lets it find where to truncate (KIP-279).
      this.log.maybeAssignEpochStartOffset(state.leaderEpoch, startOffset);
      for (const replica of this.remoteReplicas.values())
        replica.reset(now, startOffset, isNewLeader, state.isr.includes(replica.brokerId));
      this.epoch = state.leaderEpoch;
      this.leaderEpochStartOffset = startOffset;
      this.options.logger.info('leader starts a leader epoch', {
        topic: this.topic,
        partition: this.index,
        leaderEpoch: state.leaderEpoch,
        startOffset,
        partitionEpoch: state.partitionEpoch,
        highWatermark: this.log.highWatermark,
        isr: state.isr,
      });
    }
    this.partitionEpochValue = state.partitionEpoch;
    this.leaderReplicaId = this.options.localBrokerId;
    this.log.replicationWait = this.awaitReplicated;
    this.followAppends();
    // The ISR may be down to the leader alone.
    if (this.maybeIncrementLeaderHW(now)) this.tryCompleteDelayedRequests();
    return isNewLeader;
  }

  /**
   * Partition.makeFollower: records the leader and its epoch and forgets the followers' state
   * and the ISR (a follower keeps none). Returns whether the leader epoch is new: the
   * follower's fetcher must then restart. Delayed produces learn they lost the leadership.
   */
  makeFollower(state: LeaderAndIsrState): boolean {
    if (state.partitionEpoch < this.partitionEpochValue) {
      this.skipped('become-follower', state);
      return false;
    }
    const isNewLeaderEpoch = state.leaderEpoch > this.epoch;
    this.leaderReplicaId = state.leader;
    this.epoch = state.leaderEpoch;
    this.leaderEpochStartOffset = null;
    this.partitionEpochValue = state.partitionEpoch;
    this.updateAssignmentAndIsr(state.replicas, false, new Set());
    this.log.hwFollowsLogEnd = false;
    this.log.replicationWait = null;
    this.stopFollowingAppends();
    this.tryCompleteDelayedRequests();
    return isNewLeaderEpoch;
  }

  /** ReplicaManager.stopReplicas: no longer served; waiting produces are answered. */
  stop(): void {
    this.leaderReplicaId = null;
    this.remoteReplicas.clear();
    this.log.replicationWait = null;
    this.stopFollowingAppends();
    this.tryCompleteDelayedRequests();
  }

  /**
   * The coordinators and the transaction markers append to the engine's partition directly,
   * not through appendRecordsToLeader: the leader watches every append, so the high watermark
   * of a partition whose ISR is the leader alone follows them. The watch ends with the
   * leadership, or when the log closes (a wake without a new log end).
   */
  private followAppends(): void {
    if (this.appendWatch !== null) return;
    const watch = new AbortController();
    this.appendWatch = watch;
    const follow = async () => {
      for (;;) {
        const endOffset = this.log.logEndOffset;
        await this.log.waitForData(endOffset, watch.signal, 'log_end');
        if (watch.signal.aborted || this.log.logEndOffset === endOffset) break;
        if (this.maybeIncrementLeaderHW(this.now())) this.tryCompleteDelayedRequests();
      }
      if (this.appendWatch === watch) this.appendWatch = null;
    };
    void follow();
  }

  private stopFollowingAppends(): void {
    this.appendWatch?.abort();
    this.appendWatch = null;
  }

  private skipped(change: string, state: LeaderAndIsrState): void {
    this.options.logger.info(`skipped the ${change} state change: already at a newer partition epoch`, {
      topic: this.topic,
      partition: this.index,
      partitionEpoch: this.partitionEpochValue,
      requested: state.partitionEpoch,
    });
  }

  /** Partition.updateAssignmentAndIsr: a leader keeps a Replica per follower, a follower none. */
  private updateAssignmentAndIsr(replicas: readonly number[], isLeader: boolean, isr: ReadonlySet<number>): void {
    if (isLeader) {
      const followers = replicas.filter((id) => id !== this.options.localBrokerId);
      for (const id of followers) if (!this.remoteReplicas.has(id)) this.remoteReplicas.set(id, new Replica(id));
      for (const id of this.remoteReplicas.keys()) if (!followers.includes(id)) this.remoteReplicas.delete(id);
    } else {
      this.remoteReplicas.clear();
    }
    this.replicas = [...replicas];
    this.isrState = { kind: 'committed', isr };
  }

  /** Partition.checkCurrentLeaderEpoch: -1 skips the check. */
  private checkCurrentLeaderEpoch(currentLeaderEpoch: number): void {
    if (currentLeaderEpoch === NO_EPOCH || currentLeaderEpoch === this.epoch) return;
    const fenced = currentLeaderEpoch < this.epoch;
    throw new TributaryError(
      `leader epoch ${currentLeaderEpoch} of the request is ${fenced ? 'older' : 'newer'} than ` +
        `${this.topic}-${this.index}'s current ${this.epoch}`,
      fenced ? 'ERR_FENCED_LEADER_EPOCH' : 'ERR_UNKNOWN_LEADER_EPOCH',
    );
  }

  /** Partition.localLogWithEpochOrThrow with fetchOnlyLeader: the epoch checked, then the leadership. */
  checkLeader(currentLeaderEpoch: number = NO_EPOCH): void {
    this.checkCurrentLeaderEpoch(currentLeaderEpoch);
    if (!this.isLeader) {
      throw new TributaryError(
        `this broker (${this.options.localBrokerId}) is not the leader of ${this.topic}-${this.index}`,
        'ERR_NOT_LEADER_OR_FOLLOWER',
      );
    }
  }

  /**
   * Partition.appendRecordsToLeader: with acks=-1 an ISR smaller than min.insync.replicas is
   * NOT_ENOUGH_REPLICAS before anything is written; the batches carry this leader epoch; the
   * high watermark may move at once (an ISR of the leader alone).
   */
  async appendRecordsToLeader(records: Buffer, requiredAcks: number, options: AppendOptions = {}): Promise<AppendInfo> {
    this.checkLeader();
    if (requiredAcks === -1) this.checkEnoughReplicas();
    const info = await this.log.append(records, { ...options, leaderEpoch: this.epoch });
    if (this.isLeader && this.maybeIncrementLeaderHW(this.now())) this.tryCompleteDelayedRequests();
    return info;
  }

  /** appendRecordsToLeader's check for acks=-1: an ISR under min.insync.replicas is NOT_ENOUGH_REPLICAS. */
  checkEnoughReplicas(): void {
    const minIsr = this.effectiveMinIsr();
    if (this.isrState.isr.size >= minIsr) return;
    throw new TributaryError(
      `the ISR [${this.inSyncReplicaIds.join(',')}] of ${this.topic}-${this.index} is smaller than ` +
        `min.insync.replicas (${minIsr})`,
      'ERR_NOT_ENOUGH_REPLICAS',
    );
  }

  /**
   * Partition.fetchRecords for a follower (ReplicaManager.readFromLog with FetchIsolation.LOG_END):
   * the leader epoch and the follower's membership checked, the divergence from its last
   * fetched epoch (KIP-595's Fetch v12), the read to the log end, and the follower's new
   * state, which may expand the ISR and move the high watermark.
   */
  fetchFromFollower(fetch: FollowerFetch, maxBytes: number, minOneBatch: boolean): LeaderRead {
    this.checkLeader(fetch.currentLeaderEpoch);
    const replica = this.followerReplicaOrThrow(fetch);
    const result = this.readRecords(fetch, maxBytes, minOneBatch);
    if (result.divergingEpoch === null)
      this.updateFollowerFetchState(replica, fetch.fetchOffset, fetch.logStartOffset, this.now(), result.logEndOffset);
    return result;
  }

  /** Partition.followerReplicaOrThrow: a fetch from a broker that is no replica here. */
  private followerReplicaOrThrow(fetch: FollowerFetch): Replica {
    const replica = this.remoteReplicas.get(fetch.replicaId);
    if (replica !== undefined) return replica;
    // With a leader epoch the follower may know a reassignment this broker has not seen yet: it retries.
    throw new TributaryError(
      `replica ${fetch.replicaId} is not a replica of ${this.topic}-${this.index} in leader epoch ${this.epoch}`,
      fetch.currentLeaderEpoch === NO_EPOCH ? 'ERR_NOT_LEADER_OR_FOLLOWER' : 'ERR_UNKNOWN_LEADER_EPOCH',
    );
  }

  /**
   * Partition.readRecords: the bounds before the read (an append after it does not keep a
   * follower from being caught up); with a last fetched epoch, where that epoch ends here
   * decides whether the follower's log diverged from this one.
   */
  private readRecords(fetch: FollowerFetch, maxBytes: number, minOneBatch: boolean): LeaderRead {
    const bounds = {
      highWatermark: this.log.highWatermark,
      logStartOffset: this.log.logStartOffset,
      logEndOffset: this.log.logEndOffset,
      lastStableOffset: this.log.lastStableOffset,
    };
    if (fetch.lastFetchedEpoch !== NO_EPOCH) {
      const end = this.log.endOffsetForEpoch(fetch.lastFetchedEpoch);
      if (end.endOffset === UNDEFINED_EPOCH_OFFSET || end.leaderEpoch === UNDEFINED_EPOCH)
        throw new TributaryError(
          `the end offset of the last fetched epoch ${fetch.lastFetchedEpoch} is unknown`,
          'ERR_OFFSET_OUT_OF_RANGE',
        );
      if (fetch.fetchOffset < bounds.logStartOffset)
        throw new TributaryError(
          `offset ${fetch.fetchOffset} is below the log start offset ${bounds.logStartOffset}`,
          'ERR_OFFSET_OUT_OF_RANGE',
        );
      if (end.leaderEpoch < fetch.lastFetchedEpoch || end.endOffset < fetch.fetchOffset)
        return { ...bounds, read: null, divergingEpoch: { epoch: end.leaderEpoch, endOffset: end.endOffset } };
    }
    const read = this.log.peek(fetch.fetchOffset, maxBytes, { minOneBatch, isolation: 'log_end' });
    return { ...bounds, read, divergingEpoch: null };
  }

  /**
   * Partition.updateFollowerFetchState: the follower's fetch recorded; it may rejoin the ISR;
   * if its log end moved, the high watermark may too, and delayed produces complete.
   */
  private updateFollowerFetchState(
    replica: Replica,
    fetchOffset: number,
    followerStartOffset: number,
    fetchTimeMs: number,
    leaderEndOffset: number,
  ): void {
    const previousEndOffset = replica.state.logEndOffset;
    replica.updateFetchState(fetchOffset, followerStartOffset, fetchTimeMs, leaderEndOffset);
    this.maybeExpandIsr(replica);
    if (previousEndOffset !== replica.state.logEndOffset && this.maybeIncrementLeaderHW(fetchTimeMs))
      this.tryCompleteDelayedRequests();
  }

  /**
   * Partition.maybeExpandIsr: a follower not in the ISR whose log end reached the high
   * watermark, within this leader epoch (else committed records past the high watermark
   * could be lost if it were elected before fetching them), is proposed to the controller.
   */
  private maybeExpandIsr(replica: Replica): void {
    if (!this.canChangeIsr || !this.canAddReplicaToIsr(replica.brokerId)) return;
    if (!this.isFollowerInSync(replica)) return;
    const isr = new Set([...this.isrState.isr, replica.brokerId]);
    this.submitAlterPartition({
      kind: 'expand',
      isr: this.isrState.isr,
      changed: new Set([replica.brokerId]),
      sent: this.proposal(isr),
    });
  }

  /** The leader proposes one ISR change at a time, and only with a controller to send it to. */
  private get canChangeIsr(): boolean {
    return this.isLeader && this.isrState.kind === 'committed' && this.options.alterPartitionManager !== undefined;
  }

  private canAddReplicaToIsr(brokerId: number): boolean {
    return !this.isrState.isr.has(brokerId) && this.options.isReplicaIsrEligible(brokerId);
  }

  /** Partition.isFollowerInSync. */
  private isFollowerInSync(replica: Replica): boolean {
    const endOffset = replica.state.logEndOffset;
    return (
      this.isLeader &&
      endOffset >= this.log.highWatermark &&
      this.leaderEpochStartOffset !== null &&
      endOffset >= this.leaderEpochStartOffset
    );
  }

  /**
   * Partition.maybeShrinkIsr (ReplicaManager's isr-expiration task, every
   * replica.lag.time.max.ms / 2): the followers not caught up within the lag are proposed out.
   */
  maybeShrinkIsr(): void {
    if (!this.canChangeIsr) return;
    const outOfSync = this.outOfSyncReplicas(this.options.replicaLagTimeMaxMs());
    if (outOfSync.length === 0) return;
    const isr = new Set([...this.isrState.isr].filter((id) => !outOfSync.includes(id)));
    this.options.logger.info('shrinking the ISR', {
      topic: this.topic,
      partition: this.index,
      from: this.inSyncReplicaIds,
      to: sorted(isr),
      highWatermark: this.log.highWatermark,
      logEndOffset: this.log.logEndOffset,
      outOfSync: outOfSync.map((id) => ({ brokerId: id, ...this.remoteReplicas.get(id)?.state })),
    });
    this.submitAlterPartition({
      kind: 'shrink',
      isr: this.isrState.isr,
      changed: new Set(outOfSync),
      sent: this.proposal(isr),
    });
  }

  /**
   * Partition.getOutOfSyncReplicas: an ISR follower is out of sync unless it has the leader's
   * log end or was caught up within `maxLagMs` (a stuck follower and a slow one alike); none
   * while an ISR change is in flight.
   */
  private outOfSyncReplicas(maxLagMs: number): number[] {
    if (this.isrState.kind !== 'committed') return [];
    const now = this.now();
    const leaderEndOffset = this.log.logEndOffset;
    return sorted(this.isrState.isr).filter((id) => {
      if (id === this.options.localBrokerId) return false;
      const replica = this.remoteReplicas.get(id);
      return replica === undefined || !replica.isCaughtUp(leaderEndOffset, now, maxLagMs);
    });
  }

  private proposal(isr: ReadonlySet<number>): ProposedLeaderAndIsr {
    return { leaderEpoch: this.epoch, isr: sorted(isr), partitionEpoch: this.partitionEpochValue };
  }

  /**
   * Partition.submitAlterPartition: the partition waits in the pending state for the
   * controller's answer. An answer to a state since replaced (a LeaderAndIsr came) is ignored.
   */
  private submitAlterPartition(pending: IsrState & { kind: 'expand' | 'shrink' }): void {
    const manager = this.options.alterPartitionManager;
    if (manager === undefined) return;
    this.isrState = pending;
    manager.submit(this.topic, this.index, pending.sent).then(
      (committed) => {
        if (this.isrState === pending && this.handleAlterPartitionUpdate(pending, committed))
          this.tryCompleteDelayedRequests();
      },
      (error: unknown) => {
        if (this.isrState === pending && this.handleAlterPartitionError(pending, error))
          this.submitAlterPartition(pending);
      },
    );
  }

  /**
   * Partition.handleAlterPartitionUpdate: an answer for another leader epoch, or an older
   * partition epoch, is ignored; else the ISR is committed with the answer's partition epoch.
   * Returns whether the high watermark moved.
   */
  private handleAlterPartitionUpdate(
    pending: IsrState & { kind: 'expand' | 'shrink' },
    committed: LeaderAndIsr,
  ): boolean {
    if (committed.leaderEpoch !== this.epoch || committed.partitionEpoch < this.partitionEpochValue) {
      this.options.listener?.markFailed();
      return false;
    }
    this.isrState = { kind: 'committed', isr: new Set(committed.isr) };
    this.partitionEpochValue = committed.partitionEpoch;
    this.options.logger.info('ISR updated', {
      topic: this.topic,
      partition: this.index,
      isr: this.inSyncReplicaIds,
      partitionEpoch: committed.partitionEpoch,
      underMinIsr: this.isUnderMinIsr,
    });
    if (pending.kind === 'expand') this.options.listener?.markIsrExpand();
    else this.options.listener?.markIsrShrink();
    return this.maybeIncrementLeaderHW(this.now());
  }

  /**
   * Partition.handleAlterPartitionError: OPERATION_NOT_ATTEMPTED and INELIGIBLE_REPLICA say
   * the request was not applied, so the last committed ISR holds again; the controller's other
   * answers (a stale leader or partition epoch, an unknown partition) leave the partition
   * pending until the next LeaderAndIsr; anything else is tried again. Returns whether to retry.
   */
  private handleAlterPartitionError(pending: IsrState & { kind: 'expand' | 'shrink' }, error: unknown): boolean {
    this.options.listener?.markFailed();
    const code: string | undefined = isTributaryError(error) ? error.code : undefined;
    const fields = { topic: this.topic, partition: this.index, proposed: pending.sent, error: String(error) };
    if (code !== undefined && NOT_APPLIED.includes(code)) {
      this.isrState = { kind: 'committed', isr: pending.isr };
      this.options.logger.info('the controller refused an ISR change; the committed ISR holds', fields);
      return false;
    }
    if (code !== undefined && AWAIT_METADATA.includes(code)) {
      this.options.logger.debug('ISR change refused; awaiting the controller’s next LeaderAndIsr', fields);
      return false;
    }
    this.options.logger.warn('ISR change failed; retrying', fields);
    return this.isLeader;
  }

  /**
   * Partition.maybeIncrementLeaderHW: the smallest log end offset over the leader, the maximal
   * ISR and any follower caught up and eligible to join (so a follower catching up is not left
   * behind forever); never while under min.insync.replicas (Kafka 3.8). Forward only.
   */
  private maybeIncrementLeaderHW(nowMs: number): boolean {
    if (!this.isLeader || this.isUnderMinIsr) return false;
    const leaderEndOffset = this.log.logEndOffset;
    const maximalIsr = maximalIsrOf(this.isrState);
    const lagMs = this.options.replicaLagTimeMaxMs();
    let highWatermark = leaderEndOffset;
    for (const replica of this.remoteReplicas.values()) {
      const endOffset = replica.state.logEndOffset;
      if (endOffset >= highWatermark) continue;
      const waitToJoin =
        replica.isCaughtUp(leaderEndOffset, nowMs, lagMs) && this.options.isReplicaIsrEligible(replica.brokerId);
      if (maximalIsr.has(replica.brokerId) || waitToJoin) highWatermark = endOffset;
    }
    return this.log.maybeIncrementHighWatermark(highWatermark);
  }

  /**
   * Partition.checkEnoughReplicasReachOffset (acks=-1): done once the high watermark reached
   * `requiredOffset`; NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below
   * min.insync.replicas meanwhile; NOT_LEADER_OR_FOLLOWER once no longer the leader.
   */
  checkEnoughReplicasReachOffset(requiredOffset: number): { done: boolean; error: KafkaError } {
    if (!this.isLeader) return { done: false, error: KafkaErrors.NOT_LEADER_OR_FOLLOWER };
    if (this.log.highWatermark < requiredOffset) return { done: false, error: KafkaErrors.NONE };
    const enough = this.effectiveMinIsr() <= maximalIsrOf(this.isrState).size;
    return { done: true, error: enough ? KafkaErrors.NONE : KafkaErrors.NOT_ENOUGH_REPLICAS_AFTER_APPEND };
  }

  /**
   * Partition.fetchOffsetForTimestamp's maybeOffsetsError: just after an election the high
   * watermark may lag the start of this leader epoch (the new leader's is a fetch behind); a
   * consumer's ListOffsets is then OFFSET_NOT_AVAILABLE, retried, rather than an offset below
   * records already acknowledged.
   */
  checkHighWatermarkCaughtUp(): void {
    const start = this.leaderEpochStartOffset;
    if (start === null || start <= this.log.highWatermark) return;
    throw new TributaryError(
      `the high watermark ${this.log.highWatermark} of ${this.topic}-${this.index} lags the start ${start} ` +
        `of leader epoch ${this.epoch}`,
      'ERR_OFFSET_NOT_AVAILABLE',
    );
  }

  /**
   * A coordinator's append with acks=-1 (Partition.appendReplicated): a DelayedProduce of this
   * partition alone; its error, if any, as a typed one.
   */
  private readonly awaitReplicated = async (requiredOffset: number, timeoutMs: number): Promise<void> => {
    const [error] = await delayedProduce([{ partition: this, requiredOffset }], timeoutMs, NEVER_ABORTED);
    if (error !== KafkaErrors.NONE) throw kafkaResponseError(error!.code, `the append to ${this.topic}-${this.index}`);
  };

  /** Registers a delayed operation to check again when the high watermark or the leadership changes. */
  watch(check: () => void): () => void {
    this.delayedOperations.add(check);
    return () => this.delayedOperations.delete(check);
  }

  /** DelayedOperations.checkAndCompleteAll. */
  private tryCompleteDelayedRequests(): void {
    for (const check of [...this.delayedOperations]) check();
  }

  /**
   * Partition.lastOffsetForLeaderEpoch (OffsetForLeaderEpoch): where `leaderEpoch` ends in this
   * log, after the current leader epoch's check; -1 and -1 for an epoch the log does not know.
   */
  lastOffsetForLeaderEpoch(
    currentLeaderEpoch: number,
    leaderEpoch: number,
    fetchOnlyFromLeader: boolean,
  ): EpochEndOffset {
    try {
      if (fetchOnlyFromLeader) this.checkLeader(currentLeaderEpoch);
      else this.checkCurrentLeaderEpoch(currentLeaderEpoch);
    } catch (error) {
      const kafka = isTributaryError(error) ? error.kafka : KafkaErrors.UNKNOWN_SERVER_ERROR;
      return { error: kafka, leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    }
    const end = this.log.endOffsetForEpoch(leaderEpoch);
    return { error: KafkaErrors.NONE, leaderEpoch: end.leaderEpoch, endOffset: end.endOffset };
  }
}
