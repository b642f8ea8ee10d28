/**
 * Kafka's classic group coordinator for one node, which owns every group: JoinGroup,
 * SyncGroup, Heartbeat and LeaveGroup drive each group's state machine (ClassicGroup);
 * offsets are committed and fetched; groups are listed, described and deleted. State is
 * kept in `__consumer_offsets` by the OffsetsTopicStore. Transport-agnostic: the
 * broker and the embedded consumer call it alike, and every answer carries Kafka error
 * codes. Follows core/.../coordinator/group/GroupCoordinator.scala, including its
 * delayed operations (timers here).
 */
import type { Engine } from '../engine/Engine.js';
import { isTributaryError, KafkaErrors } from '../errors.js';
import { ClassicGroup, topicPartitionKey, type CommittedOffset } from './ClassicGroup.js';
import {
  ClassicGroupMember,
  failedJoin,
  failedSync,
  type JoinCallback,
  type JoinGroupResult,
  type SyncGroupResult,
} from './ClassicGroupMember.js';
import { OffsetsTopicStore, type TopicPartitionRef } from './OffsetsTopicStore.js';
import { GroupTimers } from './GroupTimers.js';

import type {
  DescribedGroup,
  FetchedOffset,
  HeartbeatRequest,
  JoinGroupRequest,
  LeaveGroupMember,
  LeaveGroupResult,
  ListGroupsResult,
  OffsetCommitPartition,
  OffsetCommitRequest,
  OffsetDeleteResult,
  OffsetFetchRequest,
  PartitionError,
  SyncGroupRequest,
} from './GroupRequests.js';

export type { GroupProtocol, JoinGroupResult, SyncGroupResult } from './ClassicGroupMember.js';
export type { GroupState } from './ClassicGroup.js';
export type * from './GroupRequests.js';

/** A group's committed offset of one partition against that partition's log end offset. */
export interface GroupLag {
  groupId: string;
  topic: string;
  partition: number;
  committedOffset: number;
  logEndOffset: number;
  /** logEndOffset - committedOffset. */
  lag: number;
}

export interface GroupCoordinatorOptions {
  engine: Engine;
  /** offsets.topic.num.partitions, default 50. */
  offsetsTopicPartitions?: number;
  /** group.min.session.timeout.ms, default 6000. */
  groupMinSessionTimeoutMs?: number;
  /** group.max.session.timeout.ms, default 1800000. */
  groupMaxSessionTimeoutMs?: number;
  /** group.initial.rebalance.delay.ms: Kafka's default is 3000, ours 0. */
  groupInitialRebalanceDelayMs?: number;
  /** group.max.size, default unbounded. */
  groupMaxSize?: number;
  now?: () => number;
}

const E = KafkaErrors;
const NONE = E.NONE.code;
const UNKNOWN_MEMBER_ID = '';
/** New members cannot heartbeat until their join completes; a join that long is given up (the client retries). */
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;
/** offset.metadata.max.bytes. */
const OFFSET_METADATA_MAX_BYTES = 4096;
const EMPTY = Buffer.alloc(0);

/** The pending join of a group leaving Empty: it waits groupInitialRebalanceDelayMs for more members. */
interface InitialDelayedJoin {
  delayMs: number;
  remainingMs: number;
}

type Api = 'join' | 'sync' | 'heartbeat' | 'leave' | 'commit' | 'fetch' | 'describe' | 'delete' | 'offsetDelete';

export class GroupCoordinator {
  private readonly timers = new GroupTimers();
  /** Groups in PreparingRebalance whose join is the initial delay rather than a normal DelayedJoin. */
  private readonly initialJoins = new Map<string, InitialDelayedJoin>();
  private active = true;

  private constructor(
    private readonly engine: Engine,
    private readonly manager: OffsetsTopicStore,
    private readonly groups: Map<string, ClassicGroup>,
    private readonly config: Required<Omit<GroupCoordinatorOptions, 'engine' | 'now' | 'offsetsTopicPartitions'>>,
    private readonly now: () => number,
  ) {}

  /** Creates `__consumer_offsets` if missing, then loads every group and offset it holds. */
  static async open(options: GroupCoordinatorOptions): Promise<GroupCoordinator> {
    const now = options.now ?? Date.now;
    const manager = OffsetsTopicStore.open(options.engine, options.offsetsTopicPartitions ?? 50, now);
    const groups = manager.loadGroups();
    const coordinator = new GroupCoordinator(
      options.engine,
      manager,
      groups,
      {
        groupMinSessionTimeoutMs: options.groupMinSessionTimeoutMs ?? 6000,
        groupMaxSessionTimeoutMs: options.groupMaxSessionTimeoutMs ?? 1800000,
        groupInitialRebalanceDelayMs: options.groupInitialRebalanceDelayMs ?? 0,
        groupMaxSize: options.groupMaxSize ?? Number.MAX_SAFE_INTEGER,
      },
      now,
    );
    for (const group of groups.values()) coordinator.onGroupLoaded(group);
    return coordinator;
  }

  /** The `__consumer_offsets` partition holding the group. */
  partitionFor(groupId: string): number {
    return this.manager.partitionFor(groupId);
  }

  // ---- JoinGroup ----

  joinGroup(r: JoinGroupRequest): Promise<JoinGroupResult> {
    const error = this.validateGroupStatus(r.groupId, 'join');
    if (error !== NONE) return Promise.resolve(failedJoin(r.memberId, error));
    if (
      r.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs ||
      r.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs
    ) {
      return Promise.resolve(failedJoin(r.memberId, E.INVALID_SESSION_TIMEOUT.code));
    }
    const isUnknownMember = r.memberId === UNKNOWN_MEMBER_ID;
    const group = this.groups.get(r.groupId) ?? (isUnknownMember ? this.addGroup(r.groupId) : undefined);
    if (group === undefined) return Promise.resolve(failedJoin(r.memberId, E.UNKNOWN_MEMBER_ID.code));
    return new Promise<JoinGroupResult>((resolve) => {
      if (!this.acceptJoiningMember(group, r.memberId)) {
        group.remove(r.memberId);
        resolve(failedJoin(UNKNOWN_MEMBER_ID, E.GROUP_MAX_SIZE_REACHED.code));
      } else if (isUnknownMember) {
        this.doNewMemberJoinGroup(group, r, resolve);
      } else {
        this.doCurrentMemberJoinGroup(group, r, resolve);
      }
      if (group.is('PreparingRebalance')) this.checkJoinComplete(group);
    });
  }

  private addGroup(groupId: string): ClassicGroup {
    const group = new ClassicGroup(groupId, 'Empty', this.now());
    this.groups.set(groupId, group);
    return group;
  }

  /** Existing members always; new ones up to group.max.size (counting only rejoined members while preparing). */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (
          (group.has(memberId) && group.member(memberId).isAwaitingJoin) ||
          group.numAwaitingJoin < this.config.groupMaxSize
        );
      default:
        return group.has(memberId) || group.size < this.config.groupMaxSize;
    }
  }

  private doNewMemberJoinGroup(group: ClassicGroup, r: JoinGroupRequest, respond: JoinCallback): void {
    if (group.is('Dead')) return respond(failedJoin(UNKNOWN_MEMBER_ID, E.COORDINATOR_NOT_AVAILABLE.code));
    if (!group.supportsProtocols(r.protocolType, r.protocols))
      return respond(failedJoin(UNKNOWN_MEMBER_ID, E.INCONSISTENT_GROUP_PROTOCOL.code));
    const newMemberId = group.generateMemberId(r.clientId, r.groupInstanceId);
    if (r.groupInstanceId !== null) {
      const oldMemberId = group.staticMemberId(r.groupInstanceId);
      if (oldMemberId !== undefined)
        return this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, r, respond);
      return this.addMemberAndRebalance(group, newMemberId, r, respond);
    }
    if (r.requireKnownMemberId) {
      group.addPendingMember(newMemberId);
      this.timers.schedule(pendingKey(group, newMemberId), r.sessionTimeoutMs, () =>
        this.onExpirePendingMember(group, newMemberId),
      );
      return respond(failedJoin(newMemberId, E.MEMBER_ID_REQUIRED.code));
    }
    this.addMemberAndRebalance(group, newMemberId, r, respond);
  }

  private doCurrentMemberJoinGroup(group: ClassicGroup, r: JoinGroupRequest, respond: JoinCallback): void {
    const { memberId } = r;
    if (group.is('Dead')) return respond(failedJoin(memberId, E.COORDINATOR_NOT_AVAILABLE.code));
    if (!group.supportsProtocols(r.protocolType, r.protocols))
      return respond(failedJoin(memberId, E.INCONSISTENT_GROUP_PROTOCOL.code));
    if (group.isPendingMember(memberId)) {
      this.timers.cancel(pendingKey(group, memberId));
      return this.addMemberAndRebalance(group, memberId, { ...r, groupInstanceId: null }, respond);
    }
    const error = this.validateCurrentMember(group, memberId, r.groupInstanceId);
    if (error !== NONE) return respond(failedJoin(memberId, error));
    const member = group.member(memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, r, respond);
      case 'CompletingRebalance':
        // Same metadata: it lost the first answer, so give it the current generation again.
        if (member.matches(r.protocols)) return respond(this.joinResult(group, member, group.isLeader(memberId)));
        return this.updateMemberAndRebalance(group, member, r, respond);
      case 'Stable':
        // The leader rejoining forces a rebalance: that is how it reacts to metadata changes.
        if (group.isLeader(memberId) || !member.matches(r.protocols))
          return this.updateMemberAndRebalance(group, member, r, respond);
        return respond(this.joinResult(group, member, false));
      default:
        return respond(failedJoin(memberId, E.UNKNOWN_MEMBER_ID.code));
    }
  }

  private joinResult(group: ClassicGroup, member: ClassicGroupMember, withMembers: boolean): JoinGroupResult {
    return {
      errorCode: NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: withMembers ? group.currentMemberMetadata() : [],
      skipAssignment: false,
    };
  }

  private addMemberAndRebalance(
    group: ClassicGroup,
    memberId: string,
    r: JoinGroupRequest,
    respond: JoinCallback,
  ): void {
    const member = new ClassicGroupMember(
      memberId,
      r.groupInstanceId,
      r.clientId,
      r.clientHost,
      r.rebalanceTimeoutMs,
      r.sessionTimeoutMs,
      r.protocolType,
      r.protocols,
    );
    member.isNew = true;
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, respond);
    this.scheduleHeartbeatExpiration(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.maybePrepareRebalance(group);
  }

  private updateMemberAndRebalance(
    group: ClassicGroup,
    member: ClassicGroupMember,
    r: JoinGroupRequest,
    respond: JoinCallback,
  ): void {
    group.updateMember(member, r.protocols, r.rebalanceTimeoutMs, r.sessionTimeoutMs, respond);
    this.maybePrepareRebalance(group);
  }

  /**
   * A static member rejoined without its member id: it takes over the old id's place. In
   * a Stable group whose protocol would not change, that needs no rebalance, only the
   * group's metadata written again.
   */
  private updateStaticMemberAndRebalance(
    group: ClassicGroup,
    oldMemberId: string,
    newMemberId: string,
    r: JoinGroupRequest,
    respond: JoinCallback,
  ): void {
    const currentLeader = group.leaderId ?? '';
    const member = group.replaceStaticMember(r.groupInstanceId!, oldMemberId, newMemberId);
    this.timers.cancel(heartbeatKey(group, oldMemberId));
    this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
    const old = {
      protocols: member.protocols,
      rebalanceTimeoutMs: member.rebalanceTimeoutMs,
      sessionTimeoutMs: member.sessionTimeoutMs,
    };
    group.updateMember(member, r.protocols, r.rebalanceTimeoutMs, r.sessionTimeoutMs, respond);
    switch (group.state) {
      case 'Stable':
        if (group.protocolName !== group.selectProtocol()) return this.maybePrepareRebalance(group);
        this.persistStaticReplacement(group, member, oldMemberId, old, currentLeader, r);
        return;
      case 'CompletingRebalance':
        // The leader may already be assigning to the old member id: start over.
        return this.prepareRebalance(group);
      default:
        return;
    }
  }

  private persistStaticReplacement(
    group: ClassicGroup,
    member: ClassicGroupMember,
    oldMemberId: string,
    old: Pick<ClassicGroupMember, 'protocols' | 'rebalanceTimeoutMs' | 'sessionTimeoutMs'>,
    currentLeader: string,
    r: JoinGroupRequest,
  ): void {
    const newMemberId = member.memberId;
    const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
    this.manager.storeGroup(group, assignment).then(
      () => {
        const isLeader = group.isLeader(newMemberId);
        const skip = r.supportSkippingAssignment === true;
        group.invokeJoinCallback(member, {
          ...this.joinResult(group, member, skip && isLeader),
          // Before JoinGroup v9 the old leader id is returned so that a rejoining leader does not assign for a stable group.
          leader: skip ? (group.leaderId ?? '') : currentLeader,
          skipAssignment: skip && isLeader,
        });
      },
      (error: unknown) => {
        const respond = member.awaitingJoin;
        group.updateMember(member, old.protocols, old.rebalanceTimeoutMs, old.sessionTimeoutMs, null);
        const restored = group.replaceStaticMember(r.groupInstanceId!, newMemberId, oldMemberId);
        this.scheduleHeartbeatExpiration(group, restored, restored.sessionTimeoutMs);
        respond?.({
          ...this.joinResult(group, restored, false),
          memberId: UNKNOWN_MEMBER_ID,
          leader: currentLeader,
          errorCode: appendErrorCode(error, false),
        });
      },
    );
  }

  // ---- rebalance ----

  private maybePrepareRebalance(group: ClassicGroup): void {
    if (group.canRebalance) this.prepareRebalance(group);
  }

  private prepareRebalance(group: ClassicGroup): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, E.REBALANCE_IN_PROGRESS.code);
    this.removeSyncExpiration(group);
    const wasEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.now());
    if (wasEmpty) {
      const delayMs = this.config.groupInitialRebalanceDelayMs;
      this.scheduleInitialJoin(group, { delayMs, remainingMs: Math.max(group.rebalanceTimeoutMs - delayMs, 0) });
    } else {
      this.scheduleJoin(group);
    }
  }

  /** A DelayedJoin: completes once every member rejoined, or when the rebalance timeout expires. */
  private scheduleJoin(group: ClassicGroup): void {
    this.initialJoins.delete(group.groupId);
    this.timers.schedule(joinKey(group), group.rebalanceTimeoutMs, () => this.onCompleteJoin(group), MEMBERS_WAIT);
    this.checkJoinComplete(group);
  }

  private scheduleInitialJoin(group: ClassicGroup, join: InitialDelayedJoin): void {
    this.initialJoins.set(group.groupId, join);
    this.timers.schedule(joinKey(group), join.delayMs, () => this.onInitialJoinExpired(group, join), MEMBERS_WAIT);
  }

  /** Kafka's InitialDelayedJoin: while new members keep arriving, wait another delay, up to the rebalance timeout. */
  private onInitialJoinExpired(group: ClassicGroup, join: InitialDelayedJoin): void {
    this.initialJoins.delete(group.groupId);
    if (group.newMemberAdded && join.remainingMs !== 0) {
      group.newMemberAdded = false;
      const delayMs = Math.min(this.config.groupInitialRebalanceDelayMs, join.remainingMs);
      this.scheduleInitialJoin(group, { delayMs, remainingMs: Math.max(join.remainingMs - join.delayMs, 0) });
    } else {
      this.onCompleteJoin(group);
    }
  }

  /** Completes the pending DelayedJoin early when nobody is left to wait for (the initial delay always runs out). */
  private checkJoinComplete(group: ClassicGroup): void {
    if (this.initialJoins.has(group.groupId) || !this.timers.has(joinKey(group)) || !group.hasAllMembersJoined) return;
    this.timers.cancel(joinKey(group));
    this.onCompleteJoin(group);
  }

  private onCompleteJoin(group: ClassicGroup): void {
    for (const member of group.notYetRejoinedMembers) {
      if (member.isStatic) continue;
      group.remove(member.memberId);
      this.timers.cancel(heartbeatKey(group, member.memberId));
    }
    if (group.is('Dead')) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Nobody rejoined: wait again, until session timeouts remove the silent members.
      this.scheduleJoin(group);
      return;
    }
    group.initNextGeneration(this.now());
    if (group.is('Empty')) {
      // Losing this write only leaves the previous generation, which has no members left to use it.
      this.manager.storeGroup(group, new Map()).catch(() => {});
      return;
    }
    for (const member of group.members.values()) {
      group.invokeJoinCallback(member, this.joinResult(group, member, group.isLeader(member.memberId)));
      this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
      member.isNew = false;
      group.addPendingSyncMember(member.memberId);
    }
    this.schedulePendingSync(group);
  }

  /** Members that do not send SyncGroup within the rebalance timeout are removed and the group rebalances. */
  private schedulePendingSync(group: ClassicGroup): void {
    const generationId = group.generationId;
    this.timers.schedule(
      syncKey(group),
      group.rebalanceTimeoutMs,
      () => {
        if (generationId !== group.generationId || !(group.is('CompletingRebalance') || group.is('Stable'))) return;
        if (group.hasReceivedSyncFromAllMembers) return;
        for (const memberId of group.allPendingSyncMembers) {
          group.remove(memberId);
          this.timers.cancel(heartbeatKey(group, memberId));
        }
        this.prepareRebalance(group);
      },
      MEMBERS_WAIT,
    );
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.removePendingSyncMember(memberId);
    if (group.hasReceivedSyncFromAllMembers) this.timers.cancel(syncKey(group));
  }

  private removeSyncExpiration(group: ClassicGroup): void {
    group.clearPendingSyncMembers();
    this.timers.cancel(syncKey(group));
  }

  // ---- heartbeats and member expiry ----

  /** Marks the member alive and sets its next deadline (Kafka's completeAndScheduleNextExpiration). */
  private scheduleHeartbeatExpiration(group: ClassicGroup, member: ClassicGroupMember, timeoutMs: number): void {
    member.heartbeatSatisfied = false;
    this.timers.schedule(heartbeatKey(group, member.memberId), timeoutMs, () =>
      this.onExpireHeartbeat(group, member.memberId),
    );
  }

  private onExpireHeartbeat(group: ClassicGroup, memberId: string): void {
    if (group.is('Dead') || !group.has(memberId)) return;
    const member = group.member(memberId);
    if (!member.hasSatisfiedHeartbeat) this.removeMemberAndUpdateGroup(group, member);
  }

  private onExpirePendingMember(group: ClassicGroup, memberId: string): void {
    if (group.is('Dead')) return;
    this.removePendingMemberAndUpdateGroup(group, memberId);
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember): void {
    // A new member may be waiting in a JoinGroup: answer it so the client retries.
    group.invokeJoinCallback(member, failedJoin(UNKNOWN_MEMBER_ID, E.UNKNOWN_MEMBER_ID.code));
    group.remove(member.memberId);
    this.timers.cancel(heartbeatKey(group, member.memberId));
    if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalance(group);
    else if (group.is('PreparingRebalance')) this.checkJoinComplete(group);
  }

  private removePendingMemberAndUpdateGroup(group: ClassicGroup, memberId: string): void {
    group.remove(memberId);
    this.timers.cancel(pendingKey(group, memberId));
    if (group.is('PreparingRebalance')) this.checkJoinComplete(group);
  }

  private onGroupLoaded(group: ClassicGroup): void {
    if (group.size > this.config.groupMaxSize) this.prepareRebalance(group);
    for (const member of group.members.values())
      this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
  }

  // ---- SyncGroup ----

  syncGroup(r: SyncGroupRequest): Promise<SyncGroupResult> {
    const error = this.validateGroupStatus(r.groupId, 'sync');
    if (error !== NONE) return Promise.resolve(failedSync(error));
    const group = this.groups.get(r.groupId);
    if (group === undefined) return Promise.resolve(failedSync(E.UNKNOWN_MEMBER_ID.code));
    const invalid = this.validateSyncGroup(group, r);
    if (invalid !== NONE) return Promise.resolve(failedSync(invalid));
    switch (group.state) {
      case 'Empty':
        return Promise.resolve(failedSync(E.UNKNOWN_MEMBER_ID.code));
      case 'PreparingRebalance':
        return Promise.resolve(failedSync(E.REBALANCE_IN_PROGRESS.code));
      case 'CompletingRebalance':
        return new Promise((resolve) => {
          group.member(r.memberId).awaitingSync = resolve;
          this.removePendingSyncMember(group, r.memberId);
          if (group.isLeader(r.memberId)) this.completeRebalance(group, r);
        });
      default: {
        this.removePendingSyncMember(group, r.memberId);
        const member = group.member(r.memberId);
        this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
        return Promise.resolve({
          errorCode: NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        });
      }
    }
  }

  private validateSyncGroup(group: ClassicGroup, r: SyncGroupRequest): number {
    if (group.is('Dead')) return E.COORDINATOR_NOT_AVAILABLE.code;
    const error = this.validateCurrentMember(group, r.memberId, r.groupInstanceId);
    if (error !== NONE) return error;
    if (r.generationId !== group.generationId) return E.ILLEGAL_GENERATION.code;
    if (r.protocolType !== null && r.protocolType !== group.protocolType) return E.INCONSISTENT_GROUP_PROTOCOL.code;
    if (r.protocolName !== null && r.protocolName !== group.protocolName) return E.INCONSISTENT_GROUP_PROTOCOL.code;
    return NONE;
  }

  /** The leader's assignment: write the group, then hand every member its part (members left out get nothing). */
  private completeRebalance(group: ClassicGroup, r: SyncGroupRequest): void {
    const assignment = new Map<string, Buffer>();
    for (const memberId of group.members.keys()) assignment.set(memberId, EMPTY);
    for (const a of r.assignments) if (group.has(a.memberId)) assignment.set(a.memberId, a.assignment);
    const generationId = group.generationId;
    const stillCurrent = () => group.is('CompletingRebalance') && group.generationId === generationId;
    this.manager.storeGroup(group, assignment).then(
      () => {
        if (!stillCurrent()) return;
        for (const member of group.members.values()) member.assignment = assignment.get(member.memberId) ?? EMPTY;
        this.propagateAssignment(group, NONE);
        group.transitionTo('Stable', this.now());
      },
      (error: unknown) => {
        if (!stillCurrent()) return;
        this.resetAndPropagateAssignmentError(group, appendErrorCode(error, false));
        this.maybePrepareRebalance(group);
      },
    );
  }

  private resetAndPropagateAssignmentError(group: ClassicGroup, errorCode: number): void {
    for (const member of group.members.values()) member.assignment = EMPTY;
    this.propagateAssignment(group, errorCode);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === NONE;
    for (const member of group.members.values()) {
      const result = ok
        ? {
            errorCode,
            protocolType: group.protocolType,
            protocolName: group.protocolName,
            assignment: member.assignment,
          }
        : failedSync(errorCode);
      // The session clock restarts once the member has its assignment: it may have expired while waiting.
      if (group.invokeSyncCallback(member, result))
        this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
    }
  }

  // ---- Heartbeat ----

  heartbeat(r: HeartbeatRequest): Promise<{ errorCode: number }> {
    return Promise.resolve({ errorCode: this.doHeartbeat(r) });
  }

  private doHeartbeat(r: HeartbeatRequest): number {
    const error = this.validateGroupStatus(r.groupId, 'heartbeat');
    if (error !== NONE) return error;
    const group = this.groups.get(r.groupId);
    if (group === undefined) return E.UNKNOWN_MEMBER_ID.code;
    if (group.is('Dead')) return E.COORDINATOR_NOT_AVAILABLE.code;
    const invalid = this.validateCurrentMember(group, r.memberId, r.groupInstanceId);
    if (invalid !== NONE) return invalid;
    if (r.generationId !== group.generationId) return E.ILLEGAL_GENERATION.code;
    if (group.is('Empty')) return E.UNKNOWN_MEMBER_ID.code;
    const member = group.member(r.memberId);
    this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
    return group.is('PreparingRebalance') ? E.REBALANCE_IN_PROGRESS.code : NONE;
  }

  // ---- LeaveGroup ----

  leaveGroup(r: { groupId: string; members: LeaveGroupMember[] }): Promise<LeaveGroupResult> {
    const error = this.validateGroupStatus(r.groupId, 'leave');
    if (error !== NONE) return Promise.resolve({ errorCode: error, members: [] });
    const group = this.groups.get(r.groupId);
    const answer = (m: LeaveGroupMember, errorCode: number) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode,
    });
    if (group === undefined)
      return Promise.resolve({ errorCode: NONE, members: r.members.map((m) => answer(m, E.UNKNOWN_MEMBER_ID.code)) });
    if (group.is('Dead')) return Promise.resolve({ errorCode: E.COORDINATOR_NOT_AVAILABLE.code, members: [] });
    return Promise.resolve({
      errorCode: NONE,
      members: r.members.map((m) => answer(m, this.removeLeavingMember(group, m))),
    });
  }

  /** By member id, or (administrative removal, KIP-345) by instance id alone. */
  private removeLeavingMember(group: ClassicGroup, leaving: LeaveGroupMember): number {
    if (leaving.memberId === UNKNOWN_MEMBER_ID) {
      const memberId = leaving.groupInstanceId === null ? undefined : group.staticMemberId(leaving.groupInstanceId);
      if (memberId === undefined) return E.UNKNOWN_MEMBER_ID.code;
      this.removeMemberAndUpdateGroup(group, group.member(memberId));
      return NONE;
    }
    if (group.isPendingMember(leaving.memberId)) {
      this.removePendingMemberAndUpdateGroup(group, leaving.memberId);
      return NONE;
    }
    const error = this.validateCurrentMember(group, leaving.memberId, leaving.groupInstanceId);
    if (error === NONE) this.removeMemberAndUpdateGroup(group, group.member(leaving.memberId));
    return error;
  }

  // ---- offsets ----

  /** Resolves once the commit is in the `__consumer_offsets` log (as durable as that log makes it). */
  async commitOffsets(r: OffsetCommitRequest): Promise<PartitionError[]> {
    const status = this.validateGroupStatus(r.groupId, 'commit');
    if (status !== NONE) return r.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode: status }));
    const errors = new Map<OffsetCommitPartition, number>();
    for (const o of r.offsets) {
      const error = this.checkCommittedPartition(o);
      if (error !== NONE) errors.set(o, error);
    }
    const valid = r.offsets.filter((o) => !errors.has(o));
    if (valid.length > 0) {
      const error = await this.doCommitOffsets(r, valid);
      for (const o of valid) errors.set(o, error);
    }
    return r.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode: errors.get(o)! }));
  }

  private checkCommittedPartition(o: OffsetCommitPartition): number {
    if (!this.engine.hasTopic(o.topic) || o.partition < 0 || o.partition >= this.engine.partitionCount(o.topic))
      return E.UNKNOWN_TOPIC_OR_PARTITION.code;
    if (o.metadata !== null && Buffer.byteLength(o.metadata, 'utf8') > OFFSET_METADATA_MAX_BYTES)
      return E.OFFSET_METADATA_TOO_LARGE.code;
    return NONE;
  }

  private async doCommitOffsets(r: OffsetCommitRequest, offsets: OffsetCommitPartition[]): Promise<number> {
    let group = this.groups.get(r.groupId);
    if (group === undefined) {
      // A group not using group management may commit; anything else is from a generation that no longer exists.
      if (r.generationId >= 0) return E.ILLEGAL_GENERATION.code;
      group = this.addGroup(r.groupId);
    }
    const invalid = this.validateOffsetCommit(group, r);
    if (invalid !== NONE) return invalid;
    if (group.is('CompletingRebalance')) return E.REBALANCE_IN_PROGRESS.code;
    if (!group.is('Empty')) {
      // Also while preparing a rebalance: the heartbeat answer tells the member about it.
      const member = group.member(r.memberId);
      this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
    }
    return this.storeOffsets(group, r, offsets);
  }

  private validateOffsetCommit(group: ClassicGroup, r: OffsetCommitRequest): number {
    if (group.is('Dead')) return E.COORDINATOR_NOT_AVAILABLE.code;
    if (r.generationId < 0 && group.is('Empty')) return NONE;
    if (r.generationId >= 0 || r.memberId !== UNKNOWN_MEMBER_ID || r.groupInstanceId !== null) {
      const error = this.validateCurrentMember(group, r.memberId, r.groupInstanceId);
      if (error !== NONE) return error;
      return r.generationId === group.generationId ? NONE : E.ILLEGAL_GENERATION.code;
    }
    return group.is('Empty') ? NONE : E.UNKNOWN_MEMBER_ID.code;
  }

  private async storeOffsets(
    group: ClassicGroup,
    r: OffsetCommitRequest,
    offsets: OffsetCommitPartition[],
  ): Promise<number> {
    const commitTimestamp = this.now();
    const retention = r.retentionTimeMs ?? -1;
    const committed: CommittedOffset[] = offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
      leaderEpoch: o.leaderEpoch,
      metadata: o.metadata ?? '',
      commitTimestamp,
      expireTimestamp: retention === -1 ? -1 : commitTimestamp + retention,
    }));
    const keys = committed.map((o) => topicPartitionKey(o.topic, o.partition));
    group.preparePendingOffsets(keys);
    try {
      await this.manager.storeOffsets(group.groupId, committed);
    } catch (error) {
      return appendErrorCode(error, true);
    } finally {
      group.completePendingOffsets(keys);
    }
    if (group.is('Dead')) return NONE;
    committed.forEach((o, i) => group.offsets.set(keys[i]!, o));
    return NONE;
  }

  fetchOffsets(r: OffsetFetchRequest): Promise<{ errorCode: number; offsets: FetchedOffset[] }> {
    const error = this.validateGroupStatus(r.groupId, 'fetch');
    if (error !== NONE) return Promise.resolve({ errorCode: error, offsets: [] });
    const group = this.groups.get(r.groupId);
    const none = (tp: TopicPartitionRef, errorCode: number): FetchedOffset => ({
      topic: tp.topic,
      partition: tp.partition,
      offset: -1,
      leaderEpoch: -1,
      metadata: '',
      errorCode,
    });
    if (group === undefined || group.is('Dead'))
      return Promise.resolve({ errorCode: NONE, offsets: (r.partitions ?? []).map((tp) => none(tp, NONE)) });
    const partitions = r.partitions ?? [...group.offsets.values()];
    const offsets = partitions.map((tp) => {
      const key = topicPartitionKey(tp.topic, tp.partition);
      if (r.requireStable && group.hasPendingOffsets(key)) return none(tp, E.UNSTABLE_OFFSET_COMMIT.code);
      const committed = group.offsets.get(key);
      if (committed === undefined) return none(tp, NONE);
      return {
        topic: tp.topic,
        partition: tp.partition,
        offset: committed.offset,
        leaderEpoch: committed.leaderEpoch,
        metadata: committed.metadata,
        errorCode: NONE,
      };
    });
    return Promise.resolve({ errorCode: NONE, offsets });
  }

  // ---- admin ----

  listGroups(r: { statesFilter: string[] }): ListGroupsResult {
    if (!this.active) return { errorCode: E.COORDINATOR_NOT_AVAILABLE.code, groups: [] };
    const states = new Set(r.statesFilter.map((s) => s.toLowerCase()));
    const groups = [...this.groups.values()]
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state }));
    return { errorCode: NONE, groups };
  }

  describeGroups(groupIds: string[]): DescribedGroup[] {
    return groupIds.map((groupId) => this.describeGroup(groupId));
  }

  private describeGroup(groupId: string): DescribedGroup {
    const error = this.validateGroupStatus(groupId, 'describe');
    if (error !== NONE)
      return { errorCode: error, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
    const group = this.groups.get(groupId);
    if (group === undefined)
      return { errorCode: NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    // Metadata and assignments are only meaningful once the group is Stable.
    const stable = group.is('Stable');
    const members = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? m.metadata(group.protocolName!) : EMPTY,
      memberAssignment: stable ? m.assignment : EMPTY,
    }));
    return {
      errorCode: NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? group.protocolName! : '',
      members,
    };
  }

  /** Every live group's committed offsets of partitions that exist, with their lag, by group, topic and partition. */
  lag(): GroupLag[] {
    const lags: GroupLag[] = [];
    for (const group of this.groups.values()) {
      if (group.is('Dead')) continue;
      for (const { topic, partition, offset } of group.offsets.values()) {
        if (!this.engine.hasTopic(topic) || partition >= this.engine.partitionCount(topic)) continue;
        const logEndOffset = this.engine.partition(topic, partition).logEndOffset;
        lags.push({
          groupId: group.groupId,
          topic,
          partition,
          committedOffset: offset,
          logEndOffset,
          lag: logEndOffset - offset,
        });
      }
    }
    return lags.sort(
      (a, b) => a.groupId.localeCompare(b.groupId) || a.topic.localeCompare(b.topic) || a.partition - b.partition,
    );
  }

  /** Only Empty groups can go; their offsets and metadata get tombstones. */
  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        const error = this.validateGroupStatus(groupId, 'delete');
        if (error !== NONE) return { groupId, errorCode: error };
        const group = this.groups.get(groupId);
        if (group === undefined || group.is('Dead')) return { groupId, errorCode: E.GROUP_ID_NOT_FOUND.code };
        if (!group.is('Empty')) return { groupId, errorCode: E.NON_EMPTY_GROUP.code };
        group.transitionTo('Dead', this.now());
        return { groupId, errorCode: await this.removeOffsets(group, [...group.offsets.values()]) };
      }),
    );
  }

  async deleteOffsets(r: { groupId: string; partitions: TopicPartitionRef[] }): Promise<OffsetDeleteResult> {
    const error = this.validateGroupStatus(r.groupId, 'offsetDelete');
    if (error !== NONE) return { errorCode: error, partitions: [] };
    const group = this.groups.get(r.groupId);
    if (group === undefined || group.is('Dead')) return { errorCode: E.GROUP_ID_NOT_FOUND.code, partitions: [] };
    if (!group.is('Empty') && !group.isConsumerGroup) return { errorCode: E.NON_EMPTY_GROUP.code, partitions: [] };
    // A consumer group keeps the offsets of topics its members still subscribe to.
    const subscribed = (tp: TopicPartitionRef) => !group.is('Empty') && group.isSubscribedToTopic(tp.topic);
    const eligible = r.partitions.filter((tp) => !subscribed(tp));
    const errorCode = eligible.length > 0 ? await this.removeOffsets(group, eligible) : NONE;
    const partitions = r.partitions.map((tp) => ({
      topic: tp.topic,
      partition: tp.partition,
      errorCode: subscribed(tp) ? E.GROUP_SUBSCRIBED_TO_TOPIC.code : errorCode,
    }));
    return { errorCode: NONE, partitions };
  }

  /**
   * Kafka's cleanupGroupMetadata: removes the offsets; an Empty group left without any
   * dies. Tombstones follow for the offsets that were there and, for a dead group that
   * ever had a generation, its metadata.
   */
  private async removeOffsets(group: ClassicGroup, partitions: TopicPartitionRef[]): Promise<number> {
    const removed = partitions.filter((tp) => group.offsets.delete(topicPartitionKey(tp.topic, tp.partition)));
    if (group.is('Empty') && group.offsets.size === 0) group.transitionTo('Dead', this.now());
    const dead = group.is('Dead') && this.groups.get(group.groupId) === group;
    if (dead) this.dropGroup(group);
    try {
      await this.manager.storeTombstones(group.groupId, removed, dead && group.generationId > 0);
      return NONE;
    } catch (error) {
      return appendErrorCode(error, false);
    }
  }

  private dropGroup(group: ClassicGroup): void {
    this.groups.delete(group.groupId);
    this.initialJoins.delete(group.groupId);
    this.timers.cancel(joinKey(group));
    this.timers.cancel(syncKey(group));
  }

  // ---- shared checks ----

  private validateGroupStatus(groupId: string, api: Api): number {
    // Offset and admin APIs accept the empty group id, for old clients and to manage any group.
    const allowsEmpty = api === 'commit' || api === 'fetch' || api === 'describe' || api === 'delete';
    if (typeof groupId !== 'string' || (groupId === '' && !allowsEmpty)) return E.INVALID_GROUP_ID.code;
    if (!this.active) return E.COORDINATOR_NOT_AVAILABLE.code;
    return NONE;
  }

  /** The member id must be in the group and, with an instance id, be that instance's current member id. */
  private validateCurrentMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = group.staticMemberId(groupInstanceId);
      if (current === undefined) return E.UNKNOWN_MEMBER_ID.code;
      if (current !== memberId) return E.FENCED_INSTANCE_ID.code;
      return NONE;
    }
    return group.has(memberId) ? NONE : E.UNKNOWN_MEMBER_ID.code;
  }

  /** Stops the timers and answers every waiting JoinGroup and SyncGroup with NOT_COORDINATOR, as Kafka does on unload. */
  async close(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.timers.close();
    this.initialJoins.clear();
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) {
        group.invokeJoinCallback(member, failedJoin(member.memberId, E.NOT_COORDINATOR.code));
        group.invokeSyncCallback(member, failedSync(E.NOT_COORDINATOR.code));
      }
    }
    await Promise.resolve();
  }
}

/** Join and sync timers end a rebalance members are waiting on: they keep the process alive. */
const MEMBERS_WAIT = { keepAlive: true };

function joinKey(group: ClassicGroup): string {
  return `join\u0000${group.groupId}`;
}

function syncKey(group: ClassicGroup): string {
  return `sync\u0000${group.groupId}`;
}

function heartbeatKey(group: ClassicGroup, memberId: string): string {
  return `heartbeat\u0000${group.groupId}\u0000${memberId}`;
}

function pendingKey(group: ClassicGroup, memberId: string): string {
  return `pending\u0000${group.groupId}\u0000${memberId}`;
}

/** The error a failed `__consumer_offsets` append becomes, as Kafka maps its append errors for group writes and commits. */
function appendErrorCode(error: unknown, commit: boolean): number {
  if (!isTributaryError(error)) return E.UNKNOWN_SERVER_ERROR.code;
  switch (error.kafka) {
    case E.UNKNOWN_TOPIC_OR_PARTITION:
      return E.COORDINATOR_NOT_AVAILABLE.code;
    case E.MESSAGE_TOO_LARGE:
    case E.RECORD_LIST_TOO_LARGE:
      return commit ? E.INVALID_COMMIT_OFFSET_SIZE.code : E.UNKNOWN_SERVER_ERROR.code;
    case E.KAFKA_STORAGE_ERROR:
      return error.code === 'ERR_ENGINE_CLOSED' ? E.COORDINATOR_NOT_AVAILABLE.code : E.NOT_COORDINATOR.code;
    default:
      return error.kafka.code;
  }
}
