/**
 * The groups and their membership (Kafka's newer GroupMetadataManager, for classic
 * groups): JoinGroup (ClassicGroupJoin), SyncGroup, Heartbeat and LeaveGroup drive each
 * group's state machine (ClassicGroup) through its rebalances (ClassicGroupRebalance);
 * groups are listed, described and deleted here. Committed offsets are the
 * OffsetMetadataManager's, which finds the groups here. Requests arrive already checked
 * by the GroupCoordinator (a valid group id, an active coordinator).
 */
import { KafkaErrors } from '../errors.js';
import { ClassicGroup } from './ClassicGroup.js';
import {
  failedJoin,
  failedSync,
  UNKNOWN_MEMBER_ID,
  type ClassicGroupMember,
  type JoinGroupResult,
  type SyncGroupResult,
} from './ClassicGroupMember.js';
import { ClassicGroupJoin } from './ClassicGroupJoin.js';
import { ClassicGroupRebalance } from './ClassicGroupRebalance.js';
import type {
  DescribedGroup,
  HeartbeatRequest,
  JoinGroupRequest,
  LeaveGroupMember,
  LeaveGroupResult,
  ListGroupsResult,
  SyncGroupRequest,
} from './GroupRequests.js';
import type { OffsetsTopicStore } from './OffsetsTopicStore.js';

const E = KafkaErrors;
const NONE = E.NONE.code;
const EMPTY = Buffer.alloc(0);

/** The group.* broker settings membership depends on. */
export interface GroupConfig {
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupInitialRebalanceDelayMs: number;
  groupMaxSize: number;
}

/** A DescribeGroups answer carrying only an error (or, with NONE, a group that does not exist). */
export function failedDescribe(groupId: string, errorCode: number, groupState = ''): DescribedGroup {
  return { errorCode, groupId, groupState, protocolType: '', protocolData: '', members: [] };
}

export class GroupMetadataManager {
  private readonly rebalance: ClassicGroupRebalance;
  private readonly join: ClassicGroupJoin;

  /** `groups` as loaded from `__consumer_offsets`: their members' sessions start now. */
  constructor(
    store: OffsetsTopicStore,
    private readonly groups: Map<string, ClassicGroup>,
    private readonly config: GroupConfig,
    private readonly now: () => number,
  ) {
    this.rebalance = new ClassicGroupRebalance(store, config.groupInitialRebalanceDelayMs, now);
    this.join = new ClassicGroupJoin(this.rebalance, store, config.groupMaxSize);
    for (const group of groups.values()) this.onGroupLoaded(group);
  }

  private onGroupLoaded(group: ClassicGroup): void {
    if (group.size > this.config.groupMaxSize) this.rebalance.prepareRebalance(group);
    for (const member of group.members.values())
      this.rebalance.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
  }

  // ---- the groups ----

  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  allGroups(): Iterable<ClassicGroup> {
    return this.groups.values();
  }

  addGroup(groupId: string): ClassicGroup {
    const group = new ClassicGroup(groupId, 'Empty', this.now());
    this.groups.set(groupId, group);
    return group;
  }

  /**
   * Only an Empty group can be deleted: it goes Dead, and its offsets are then removed
   * (by the OffsetMetadataManager, which drops it from here). The group, or the error.
   */
  deleteGroup(groupId: string): ClassicGroup | number {
    const group = this.groups.get(groupId);
    if (group === undefined || group.is('Dead')) return E.GROUP_ID_NOT_FOUND.code;
    if (!group.is('Empty')) return E.NON_EMPTY_GROUP.code;
    group.transitionTo('Dead', this.now());
    return group;
  }

  /**
   * Kafka's cleanupGroupMetadata, once offsets were removed: an Empty group left without
   * any dies, and a dead group is dropped. True when its metadata then needs a tombstone
   * (it ever had a generation).
   */
  maybeDeleteGroup(group: ClassicGroup): boolean {
    if (group.is('Empty') && !group.hasOffsets) group.transitionTo('Dead', this.now());
    const dead = group.is('Dead') && this.groups.get(group.groupId) === group;
    if (!dead) return false;
    this.groups.delete(group.groupId);
    this.rebalance.forget(group);
    return group.generationId > 0;
  }

  /** A commit from a member shows it is alive, as a heartbeat does. */
  rescheduleHeartbeat(group: ClassicGroup, member: ClassicGroupMember): void {
    this.rebalance.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
  }

  // ---- JoinGroup ----

  joinGroup(r: JoinGroupRequest): Promise<JoinGroupResult> {
    if (
      r.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs ||
      r.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs
    ) {
      return Promise.resolve(failedJoin(r.memberId, E.INVALID_SESSION_TIMEOUT.code));
    }
    const isUnknownMember = r.memberId === UNKNOWN_MEMBER_ID;
    const group = this.groups.get(r.groupId) ?? (isUnknownMember ? this.addGroup(r.groupId) : undefined);
    if (group === undefined) return Promise.resolve(failedJoin(r.memberId, E.UNKNOWN_MEMBER_ID.code));
    return this.join.joinGroup(group, r);
  }

  // ---- SyncGroup ----

  syncGroup(r: SyncGroupRequest): Promise<SyncGroupResult> {
    const group = this.groups.get(r.groupId);
    if (group === undefined) return Promise.resolve(failedSync(E.UNKNOWN_MEMBER_ID.code));
    const invalid = validateSyncGroup(group, r);
    if (invalid !== NONE) return Promise.resolve(failedSync(invalid));
    switch (group.state) {
      case 'Empty':
        return Promise.resolve(failedSync(E.UNKNOWN_MEMBER_ID.code));
      case 'PreparingRebalance':
        return Promise.resolve(failedSync(E.REBALANCE_IN_PROGRESS.code));
      case 'CompletingRebalance':
        return new Promise((resolve) => {
          group.member(r.memberId).awaitingSync = resolve;
          this.rebalance.removePendingSyncMember(group, r.memberId);
          if (group.isLeader(r.memberId)) this.rebalance.completeRebalance(group, r);
        });
      default: {
        this.rebalance.removePendingSyncMember(group, r.memberId);
        const member = group.member(r.memberId);
        this.rebalance.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
        return Promise.resolve({
          errorCode: NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        });
      }
    }
  }

  // ---- Heartbeat ----

  heartbeat(r: HeartbeatRequest): number {
    const group = this.groups.get(r.groupId);
    if (group === undefined) return E.UNKNOWN_MEMBER_ID.code;
    if (group.is('Dead')) return E.COORDINATOR_NOT_AVAILABLE.code;
    const invalid = group.validateMember(r.memberId, r.groupInstanceId);
    if (invalid !== NONE) return invalid;
    if (r.generationId !== group.generationId) return E.ILLEGAL_GENERATION.code;
    if (group.is('Empty')) return E.UNKNOWN_MEMBER_ID.code;
    const member = group.member(r.memberId);
    this.rebalance.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
    return group.is('PreparingRebalance') ? E.REBALANCE_IN_PROGRESS.code : NONE;
  }

  // ---- LeaveGroup ----

  leaveGroup(r: { groupId: string; members: LeaveGroupMember[] }): LeaveGroupResult {
    const group = this.groups.get(r.groupId);
    const answer = (m: LeaveGroupMember, errorCode: number) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode,
    });
    if (group === undefined)
      return { errorCode: NONE, members: r.members.map((m) => answer(m, E.UNKNOWN_MEMBER_ID.code)) };
    if (group.is('Dead')) return { errorCode: E.COORDINATOR_NOT_AVAILABLE.code, members: [] };
    return { errorCode: NONE, members: r.members.map((m) => answer(m, this.removeLeavingMember(group, m))) };
  }

  /** By member id, or (administrative removal, KIP-345) by instance id alone. */
  private removeLeavingMember(group: ClassicGroup, leaving: LeaveGroupMember): number {
    if (leaving.memberId === UNKNOWN_MEMBER_ID) {
      const memberId = leaving.groupInstanceId === null ? undefined : group.staticMemberId(leaving.groupInstanceId);
      if (memberId === undefined) return E.UNKNOWN_MEMBER_ID.code;
      this.rebalance.removeMemberAndUpdateGroup(group, group.member(memberId));
      return NONE;
    }
    if (group.isPendingMember(leaving.memberId)) {
      this.rebalance.removePendingMemberAndUpdateGroup(group, leaving.memberId);
      return NONE;
    }
    const error = group.validateMember(leaving.memberId, leaving.groupInstanceId);
    if (error === NONE) this.rebalance.removeMemberAndUpdateGroup(group, group.member(leaving.memberId));
    return error;
  }

  // ---- ListGroups, DescribeGroups ----

  listGroups(statesFilter: string[]): ListGroupsResult {
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const groups = [...this.groups.values()]
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state }));
    return { errorCode: NONE, groups };
  }

  describeGroup(groupId: string): DescribedGroup {
    const group = this.groups.get(groupId);
    if (group === undefined) return failedDescribe(groupId, NONE, 'Dead');
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

  /** Groups read from a `__consumer_offsets` partition this coordinator now serves: their members' sessions start now. */
  addLoadedGroups(groups: ReadonlyMap<string, ClassicGroup>): void {
    for (const group of groups.values()) {
      this.groups.set(group.groupId, group);
      this.onGroupLoaded(group);
    }
  }

  /**
   * GroupMetadataManager.removeGroupsForPartition and GroupCoordinator.onGroupUnloaded: the
   * groups `isUnloaded` picks go Dead and are dropped with their timers, and their waiting
   * JoinGroup and SyncGroup are answered NOT_COORDINATOR (the members find the new coordinator).
   */
  unloadGroups(isUnloaded: (groupId: string) => boolean): number {
    let unloaded = 0;
    for (const group of [...this.groups.values()]) {
      if (!isUnloaded(group.groupId)) continue;
      this.rebalance.unload(group);
      answerNotCoordinator(group);
      group.transitionTo('Dead', this.now());
      this.groups.delete(group.groupId);
      unloaded++;
    }
    return unloaded;
  }

  /** Stops the timers and answers every waiting JoinGroup and SyncGroup with NOT_COORDINATOR, as Kafka does on unload. */
  close(): void {
    this.rebalance.close();
    for (const group of this.groups.values()) answerNotCoordinator(group);
  }
}

function answerNotCoordinator(group: ClassicGroup): void {
  for (const member of group.members.values()) {
    group.invokeJoinCallback(member, failedJoin(member.memberId, E.NOT_COORDINATOR.code));
    group.invokeSyncCallback(member, failedSync(E.NOT_COORDINATOR.code));
  }
}

function validateSyncGroup(group: ClassicGroup, r: SyncGroupRequest): number {
  if (group.is('Dead')) return E.COORDINATOR_NOT_AVAILABLE.code;
  const error = group.validateMember(r.memberId, r.groupInstanceId);
  if (error !== NONE) return error;
  if (r.generationId !== group.generationId) return E.ILLEGAL_GENERATION.code;
  if (r.protocolType !== null && r.protocolType !== group.protocolType) return E.INCONSISTENT_GROUP_PROTOCOL.code;
  if (r.protocolName !== null && r.protocolName !== group.protocolName) return E.INCONSISTENT_GROUP_PROTOCOL.code;
  return NONE;
}
