/**
 * The classic group protocol over time: a rebalance is prepared, waits for the members
 * to rejoin (Kafka's DelayedJoin, or InitialDelayedJoin for a group leaving Empty), hands
 * out the new generation, then waits for the leader's assignment (DelayedSync); each
 * member's session expires unless it shows it is alive (DelayedHeartbeat), and losing a
 * member starts the next rebalance. In Kafka's newer coordinator these are the timer
 * operations of GroupMetadataManager; here they sit apart from the request handling
 * (ClassicGroupJoin, GroupMetadataManager) that sets them off.
 */
import { KafkaErrors } from '../errors.js';
import type { ClassicGroup } from './ClassicGroup.js';
import {
  failedJoin,
  failedSync,
  UNKNOWN_MEMBER_ID,
  type ClassicGroupMember,
  type JoinGroupResult,
} from './ClassicGroupMember.js';
import type { SyncGroupRequest } from './GroupRequests.js';
import { GroupTimers } from './GroupTimers.js';
import { appendErrorCode, type OffsetsTopicStore } from './OffsetsTopicStore.js';

const E = KafkaErrors;
const NONE = E.NONE.code;
const EMPTY = Buffer.alloc(0);

/** Join and sync timers end a rebalance members are waiting on: they keep the process alive. */
const MEMBERS_WAIT = { keepAlive: true };

/** The pending join of a group leaving Empty: it waits groupInitialRebalanceDelayMs for more members. */
interface InitialDelayedJoin {
  delayMs: number;
  remainingMs: number;
}

/** The member's JoinGroup answer for the group's current generation; only the leader gets the members. */
export function joinResult(group: ClassicGroup, member: ClassicGroupMember, withMembers: boolean): JoinGroupResult {
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

export class ClassicGroupRebalance {
  private readonly timers = new GroupTimers();
  /** Groups in PreparingRebalance whose join is the initial delay rather than a normal DelayedJoin. */
  private readonly initialJoins = new Map<string, InitialDelayedJoin>();

  constructor(
    private readonly store: OffsetsTopicStore,
    /** group.initial.rebalance.delay.ms */
    private readonly initialRebalanceDelayMs: number,
    private readonly now: () => number,
  ) {}

  // ---- the join phase ----

  maybePrepareRebalance(group: ClassicGroup): void {
    if (group.canRebalance) this.prepareRebalance(group);
  }

  prepareRebalance(group: ClassicGroup): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, E.REBALANCE_IN_PROGRESS.code);
    this.removeSyncExpiration(group);
    const wasEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.now());
    if (wasEmpty) {
      const delayMs = this.initialRebalanceDelayMs;
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
      const delayMs = Math.min(this.initialRebalanceDelayMs, join.remainingMs);
      this.scheduleInitialJoin(group, { delayMs, remainingMs: Math.max(join.remainingMs - join.delayMs, 0) });
    } else {
      this.onCompleteJoin(group);
    }
  }

  /** Completes the pending DelayedJoin early when nobody is left to wait for (the initial delay always runs out). */
  checkJoinComplete(group: ClassicGroup): void {
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
      this.store.storeGroup(group, new Map()).catch(() => {});
      return;
    }
    for (const member of group.members.values()) {
      group.invokeJoinCallback(member, joinResult(group, member, group.isLeader(member.memberId)));
      this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
      member.isNew = false;
      group.addPendingSyncMember(member.memberId);
    }
    this.schedulePendingSync(group);
  }

  // ---- the sync phase ----

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

  removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.removePendingSyncMember(memberId);
    if (group.hasReceivedSyncFromAllMembers) this.timers.cancel(syncKey(group));
  }

  private removeSyncExpiration(group: ClassicGroup): void {
    group.clearPendingSyncMembers();
    this.timers.cancel(syncKey(group));
  }

  /** The leader's assignment: write the group, then hand every member its part (members left out get nothing). */
  completeRebalance(group: ClassicGroup, r: SyncGroupRequest): void {
    const assignment = new Map<string, Buffer>();
    for (const memberId of group.members.keys()) assignment.set(memberId, EMPTY);
    for (const a of r.assignments) if (group.has(a.memberId)) assignment.set(a.memberId, a.assignment);
    const generationId = group.generationId;
    const stillCurrent = () => group.is('CompletingRebalance') && group.generationId === generationId;
    this.store.storeGroup(group, assignment).then(
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

  // ---- sessions and member expiry ----

  /** Marks the member alive and sets its next deadline (Kafka's completeAndScheduleNextExpiration). */
  scheduleHeartbeatExpiration(group: ClassicGroup, member: ClassicGroupMember, timeoutMs: number): void {
    member.heartbeatSatisfied = false;
    this.timers.schedule(heartbeatKey(group, member.memberId), timeoutMs, () =>
      this.onExpireHeartbeat(group, member.memberId),
    );
  }

  cancelHeartbeatExpiration(group: ClassicGroup, memberId: string): void {
    this.timers.cancel(heartbeatKey(group, memberId));
  }

  /** A KIP-394 pending member that does not rejoin with its new id within the session timeout is forgotten. */
  schedulePendingMemberExpiration(group: ClassicGroup, memberId: string, timeoutMs: number): void {
    this.timers.schedule(pendingKey(group, memberId), timeoutMs, () => this.onExpirePendingMember(group, memberId));
  }

  cancelPendingMemberExpiration(group: ClassicGroup, memberId: string): void {
    this.timers.cancel(pendingKey(group, memberId));
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

  removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember): void {
    // A new member may be waiting in a JoinGroup: answer it so the client retries.
    group.invokeJoinCallback(member, failedJoin(UNKNOWN_MEMBER_ID, E.UNKNOWN_MEMBER_ID.code));
    group.remove(member.memberId);
    this.timers.cancel(heartbeatKey(group, member.memberId));
    if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalance(group);
    else if (group.is('PreparingRebalance')) this.checkJoinComplete(group);
  }

  removePendingMemberAndUpdateGroup(group: ClassicGroup, memberId: string): void {
    group.remove(memberId);
    this.timers.cancel(pendingKey(group, memberId));
    if (group.is('PreparingRebalance')) this.checkJoinComplete(group);
  }

  /** A deleted group's rebalance ends here (its members' timers find it Dead). */
  forget(group: ClassicGroup): void {
    this.initialJoins.delete(group.groupId);
    this.timers.cancel(joinKey(group));
    this.timers.cancel(syncKey(group));
  }

  /** An unloaded group's timers go: its rebalance's and its members' sessions, which would write to a partition led elsewhere. */
  unload(group: ClassicGroup): void {
    this.forget(group);
    for (const memberId of group.members.keys()) this.timers.cancel(heartbeatKey(group, memberId));
  }

  /** Stops every timer; none can be scheduled after. */
  close(): void {
    this.timers.close();
    this.initialJoins.clear();
  }
}

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
