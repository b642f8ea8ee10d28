/**
 * Kafka's group coordinator for one node, which owns every group (Kafka's newer
 * GroupCoordinatorService and GroupCoordinatorShard in one): it loads the groups and
 * offsets `__consumer_offsets` holds (the OffsetsTopicStore), checks what every request
 * shares (a valid group id, an active coordinator) and routes it: membership (JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, listing, describing and deleting groups) to the
 * GroupMetadataManager, committed offsets (OffsetCommit, OffsetFetch, OffsetDelete, lag)
 * to the OffsetMetadataManager. Transport-agnostic: the broker and the embedded consumer
 * call it alike, and every answer carries Kafka error codes.
 */
import type { Engine } from '../engine/Engine.js';
import { InternalTopicOwnership } from '../engine/InternalTopicOwnership.js';
import { KafkaErrors } from '../errors.js';
import type { ClassicGroup } from './ClassicGroup.js';
import { failedJoin, failedSync, type JoinGroupResult, type SyncGroupResult } from './ClassicGroupMember.js';
import { failedDescribe, GroupMetadataManager } from './GroupMetadataManager.js';
import type {
  DescribedGroup,
  FetchedOffset,
  HeartbeatRequest,
  JoinGroupRequest,
  LeaveGroupMember,
  LeaveGroupResult,
  ListGroupsResult,
  OffsetCommitRequest,
  OffsetDeleteResult,
  OffsetFetchRequest,
  PartitionError,
  SyncGroupRequest,
  TxnOffsetCommitRequest,
} from './GroupRequests.js';
import { OffsetMetadataManager, type GroupLag } from './OffsetMetadataManager.js';
import { OffsetsTopicStore, type TopicPartitionRef } from './OffsetsTopicStore.js';

export type { GroupProtocol, JoinGroupResult, SyncGroupResult } from './ClassicGroupMember.js';
export type { GroupState } from './ClassicGroup.js';
export type * from './GroupRequests.js';
export type { GroupLag } from './OffsetMetadataManager.js';

export interface GroupCoordinatorOptions {
  engine: Engine;
  /** offsets.topic.num.partitions, default 50. */
  offsetsTopicPartitions?: number;
  /** offsets.commit.timeout.ms, default 5000: how long a write waits for the in-sync replicas. */
  offsetCommitTimeoutMs?: number;
  /** group.min.session.timeout.ms, default 6000. */
  groupMinSessionTimeoutMs?: number;
  /** group.max.session.timeout.ms, default 1800000. */
  groupMaxSessionTimeoutMs?: number;
  /** group.initial.rebalance.delay.ms: Kafka's default is 3000, ours 0. */
  groupInitialRebalanceDelayMs?: number;
  /** group.max.size, default unbounded. */
  groupMaxSize?: number;
  now?: () => number;
  /**
   * A broker of a ZooKeeper cluster: the coordinator serves the groups of the
   * `__consumer_offsets` partitions this broker leads (onElection, onResignation) instead
   * of every group.
   */
  cluster?: GroupClusterView;
  logger?: GroupLogger;
}

/** What the coordinator of a cluster's broker reads from the cluster's metadata. */
export interface GroupClusterView {
  /** `__consumer_offsets`' partition count in the cluster, when the topic exists. */
  offsetsTopicPartitionCount(): number | undefined;
  /** Whether the partition exists in the cluster (an offset commit for another is UNKNOWN_TOPIC_OR_PARTITION). */
  containsPartition(topic: string, partition: number): boolean;
}

/** What the coordinator tells of the partitions it loads and unloads (the broker's Logger fits). */
export interface GroupLogger {
  info(message: string, fields?: Record<string, unknown>): void;
}

const E = KafkaErrors;
const NONE = E.NONE.code;

type Api = 'join' | 'sync' | 'heartbeat' | 'leave' | 'commit' | 'fetch' | 'describe' | 'delete' | 'offsetDelete';

export class GroupCoordinator {
  private active = true;

  private constructor(
    private readonly store: OffsetsTopicStore,
    private readonly groupManager: GroupMetadataManager,
    private readonly offsetManager: OffsetMetadataManager,
    private readonly ownership: InternalTopicOwnership,
    private readonly logger: GroupLogger | undefined,
  ) {}

  /**
   * A single node creates `__consumer_offsets` if missing, then loads every group and offset
   * it holds. A cluster's broker loads nothing yet: each partition is loaded when this broker
   * comes to lead it (onElection); the partition count is the cluster's topic's, else
   * offsets.topic.num.partitions (GroupMetadataManager.retrieveGroupMetadataTopicPartitionCount).
   */
  static async open(options: GroupCoordinatorOptions): Promise<GroupCoordinator> {
    const now = options.now ?? Date.now;
    const configured = options.offsetsTopicPartitions ?? 50;
    const cluster = options.cluster;
    const store =
      cluster === undefined
        ? OffsetsTopicStore.open(options.engine, configured, now, options.offsetCommitTimeoutMs)
        : OffsetsTopicStore.inCluster(
            options.engine,
            () => cluster.offsetsTopicPartitionCount() ?? configured,
            now,
            options.offsetCommitTimeoutMs,
          );
    const config = {
      groupMinSessionTimeoutMs: options.groupMinSessionTimeoutMs ?? 6000,
      groupMaxSessionTimeoutMs: options.groupMaxSessionTimeoutMs ?? 1800000,
      groupInitialRebalanceDelayMs: options.groupInitialRebalanceDelayMs ?? 0,
      groupMaxSize: options.groupMaxSize ?? Number.MAX_SAFE_INTEGER,
    };
    const groups = cluster === undefined ? store.loadGroups() : new Map<string, ClassicGroup>();
    const groupManager = new GroupMetadataManager(store, groups, config, now);
    const partitionExists =
      cluster && ((topic: string, partition: number) => cluster.containsPartition(topic, partition));
    const offsetManager = new OffsetMetadataManager(options.engine, store, groupManager, now, partitionExists);
    const ownership = new InternalTopicOwnership(cluster === undefined);
    return new GroupCoordinator(store, groupManager, offsetManager, ownership, options.logger);
  }

  /**
   * GroupCoordinator.onElection: this broker became leader of `__consumer_offsets`
   * partition `partition` at leader epoch `epoch`; its groups and offsets are loaded
   * (GroupMetadataManager.scheduleLoadGroupAndOffsets: on the scheduler, so the
   * LeaderAndIsr is answered first), their requests answered COORDINATOR_LOAD_IN_PROGRESS
   * meanwhile. Resolves once loaded.
   */
  onElection(partition: number, epoch: number): Promise<void> {
    if (!this.active || !this.ownership.beginLoading(partition, epoch)) return Promise.resolve();
    return new Promise((resolve) =>
      setImmediate(() => {
        this.loadPartition(partition, epoch);
        resolve();
      }),
    );
  }

  private loadPartition(partition: number, epoch: number): void {
    if (!this.active) return;
    const started = Date.now();
    const groups = this.store.loadGroups([partition]);
    // Resigned while waiting for its turn: what was read is not this broker's to serve.
    if (!this.ownership.completeLoading(partition)) return;
    this.groupManager.addLoadedGroups(groups);
    this.logger?.info('loaded groups and offsets', {
      partition,
      epoch,
      groups: groups.size,
      ms: Date.now() - started,
    });
  }

  /**
   * GroupCoordinator.onResignation: this broker no longer leads `__consumer_offsets`
   * partition `partition` (a follower now, or stopped); its groups are unloaded
   * (removeGroupsForPartition), unless `epoch` is older than the partition's last election.
   */
  onResignation(partition: number, epoch: number | undefined): void {
    if (!this.ownership.resign(partition, epoch)) return;
    const unloaded = this.groupManager.unloadGroups((groupId) => this.store.partitionFor(groupId) === partition);
    this.logger?.info('unloaded groups', { partition, epoch, groups: unloaded });
  }

  /** The `__consumer_offsets` partition holding the group. */
  partitionFor(groupId: string): number {
    return this.store.partitionFor(groupId);
  }

  // ---- membership ----

  joinGroup(r: JoinGroupRequest): Promise<JoinGroupResult> {
    const error = this.validateGroupStatus(r.groupId, 'join');
    if (error !== NONE) return Promise.resolve(failedJoin(r.memberId, error));
    return this.groupManager.joinGroup(r);
  }

  syncGroup(r: SyncGroupRequest): Promise<SyncGroupResult> {
    const error = this.validateGroupStatus(r.groupId, 'sync');
    if (error !== NONE) return Promise.resolve(failedSync(error));
    return this.groupManager.syncGroup(r);
  }

  heartbeat(r: HeartbeatRequest): Promise<{ errorCode: number }> {
    const error = this.validateGroupStatus(r.groupId, 'heartbeat');
    return Promise.resolve({ errorCode: error !== NONE ? error : this.groupManager.heartbeat(r) });
  }

  leaveGroup(r: { groupId: string; members: LeaveGroupMember[] }): Promise<LeaveGroupResult> {
    const error = this.validateGroupStatus(r.groupId, 'leave');
    if (error !== NONE) return Promise.resolve({ errorCode: error, members: [] });
    return Promise.resolve(this.groupManager.leaveGroup(r));
  }

  // ---- offsets ----

  /** Resolves once the commit is in the `__consumer_offsets` log (as durable as that log makes it). */
  commitOffsets(r: OffsetCommitRequest): Promise<PartitionError[]> {
    const error = this.validateGroupStatus(r.groupId, 'commit');
    if (error !== NONE)
      return Promise.resolve(r.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode: error })));
    return this.offsetManager.commitOffsets(r);
  }

  /** TxnOffsetCommit: pending until the transaction's marker, invisible to OffsetFetch until a commit marker. */
  commitTransactionalOffsets(r: TxnOffsetCommitRequest): Promise<PartitionError[]> {
    const error = this.validateGroupStatus(r.groupId, 'commit');
    if (error !== NONE)
      return Promise.resolve(r.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode: error })));
    return this.offsetManager.commitTransactionalOffsets(r);
  }

  /**
   * A transaction marker of `producerId` was written to `__consumer_offsets` partition
   * `partition`: its pending offsets there become committed or are dropped (Kafka's
   * GroupCoordinator.scheduleHandleTxnCompletion).
   */
  onTransactionCompleted(producerId: number, partition: number, commit: boolean): void {
    this.offsetManager.completeTransaction(producerId, partition, commit);
  }

  fetchOffsets(r: OffsetFetchRequest): Promise<{ errorCode: number; offsets: FetchedOffset[] }> {
    const error = this.validateGroupStatus(r.groupId, 'fetch');
    if (error !== NONE) return Promise.resolve({ errorCode: error, offsets: [] });
    return Promise.resolve(this.offsetManager.fetchOffsets(r));
  }

  deleteOffsets(r: { groupId: string; partitions: TopicPartitionRef[] }): Promise<OffsetDeleteResult> {
    const error = this.validateGroupStatus(r.groupId, 'offsetDelete');
    if (error !== NONE) return Promise.resolve({ errorCode: error, partitions: [] });
    return this.offsetManager.deleteOffsets(r);
  }

  /** Every live group's committed offsets of partitions that exist, with their lag, by group, topic and partition. */
  lag(): GroupLag[] {
    return this.offsetManager.lag();
  }

  // ---- admin ----

  listGroups(r: { statesFilter: string[] }): ListGroupsResult {
    if (!this.active) return { errorCode: E.COORDINATOR_NOT_AVAILABLE.code, groups: [] };
    // GroupCoordinator.handleListGroups: a partition still loading would leave its groups out.
    if (this.ownership.isLoading) return { errorCode: E.COORDINATOR_LOAD_IN_PROGRESS.code, groups: [] };
    return this.groupManager.listGroups(r.statesFilter);
  }

  describeGroups(groupIds: string[]): DescribedGroup[] {
    return groupIds.map((groupId) => {
      const error = this.validateGroupStatus(groupId, 'describe');
      return error !== NONE ? failedDescribe(groupId, error) : this.groupManager.describeGroup(groupId);
    });
  }

  /** Only Empty groups can go: their offsets and metadata get tombstones. */
  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        const error = this.validateGroupStatus(groupId, 'delete');
        if (error !== NONE) return { groupId, errorCode: error };
        const deleted = this.groupManager.deleteGroup(groupId);
        if (typeof deleted === 'number') return { groupId, errorCode: deleted };
        return { groupId, errorCode: await this.offsetManager.deleteAllOffsets(deleted) };
      }),
    );
  }

  private validateGroupStatus(groupId: string, api: Api): number {
    // Offset and admin APIs accept the empty group id, for old clients and to manage any group.
    const allowsEmpty = api === 'commit' || api === 'fetch' || api === 'describe' || api === 'delete';
    if (typeof groupId !== 'string' || (groupId === '' && !allowsEmpty)) return E.INVALID_GROUP_ID.code;
    if (!this.active) return E.COORDINATOR_NOT_AVAILABLE.code;
    // isCoordinatorLoadInProgress, then isCoordinatorForGroup.
    return this.ownership.status(this.store.partitionFor(groupId));
  }

  /** Stops the timers and answers every waiting JoinGroup and SyncGroup with NOT_COORDINATOR, as Kafka does on unload. */
  async close(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.groupManager.close();
    await Promise.resolve();
  }
}
