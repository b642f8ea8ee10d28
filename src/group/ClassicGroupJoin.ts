/**
 * JoinGroup for a classic group (Kafka's classicGroupJoin in GroupMetadataManager): a
 * new member is admitted (after KIP-394's MEMBER_ID_REQUIRED round trip when asked), a
 * static member (KIP-345) takes over its instance's old member id, a known member
 * updates its protocols; each may start a rebalance, and the answer waits for the join
 * phase to complete (ClassicGroupRebalance).
 */
import { KafkaErrors } from '../errors.js';
import type { ClassicGroup } from './ClassicGroup.js';
import {
  ClassicGroupMember,
  failedJoin,
  UNKNOWN_MEMBER_ID,
  type JoinCallback,
  type JoinGroupResult,
} from './ClassicGroupMember.js';
import { joinResult, type ClassicGroupRebalance } from './ClassicGroupRebalance.js';
import type { JoinGroupRequest } from './GroupRequests.js';
import { appendErrorCode, type OffsetsTopicStore } from './OffsetsTopicStore.js';

const E = KafkaErrors;
const NONE = E.NONE.code;
/** New members cannot heartbeat until their join completes; a join that long is given up (the client retries). */
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export class ClassicGroupJoin {
  constructor(
    private readonly rebalance: ClassicGroupRebalance,
    private readonly store: OffsetsTopicStore,
    /** group.max.size */
    private readonly maxSize: number,
  ) {}

  /** The request is valid and the group exists (created for a new member): admit the member, answer when joined. */
  joinGroup(group: ClassicGroup, r: JoinGroupRequest): Promise<JoinGroupResult> {
    return new Promise<JoinGroupResult>((resolve) => {
      if (!this.acceptJoiningMember(group, r.memberId)) {
        group.remove(r.memberId);
        resolve(failedJoin(UNKNOWN_MEMBER_ID, E.GROUP_MAX_SIZE_REACHED.code));
      } else if (r.memberId === UNKNOWN_MEMBER_ID) {
        this.doNewMemberJoinGroup(group, r, resolve);
      } else {
        this.doCurrentMemberJoinGroup(group, r, resolve);
      }
      if (group.is('PreparingRebalance')) this.rebalance.checkJoinComplete(group);
    });
  }

  /** Existing members always; new ones up to group.max.size (counting only rejoined members while preparing). */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (group.has(memberId) && group.member(memberId).isAwaitingJoin) || group.numAwaitingJoin < this.maxSize;
      default:
        return group.has(memberId) || group.size < this.maxSize;
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
      this.rebalance.schedulePendingMemberExpiration(group, newMemberId, r.sessionTimeoutMs);
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
      this.rebalance.cancelPendingMemberExpiration(group, memberId);
      return this.addMemberAndRebalance(group, memberId, { ...r, groupInstanceId: null }, respond);
    }
    const error = group.validateMember(memberId, r.groupInstanceId);
    if (error !== NONE) return respond(failedJoin(memberId, error));
    const member = group.member(memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, r, respond);
      case 'CompletingRebalance':
        // Same metadata: it lost the first answer, so give it the current generation again.
        if (member.matches(r.protocols)) return respond(joinResult(group, member, group.isLeader(memberId)));
        return this.updateMemberAndRebalance(group, member, r, respond);
      case 'Stable':
        // The leader rejoining forces a rebalance: that is how it reacts to metadata changes.
        if (group.isLeader(memberId) || !member.matches(r.protocols))
          return this.updateMemberAndRebalance(group, member, r, respond);
        return respond(joinResult(group, member, false));
      default:
        return respond(failedJoin(memberId, E.UNKNOWN_MEMBER_ID.code));
    }
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
    this.rebalance.scheduleHeartbeatExpiration(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.rebalance.maybePrepareRebalance(group);
  }

  private updateMemberAndRebalance(
    group: ClassicGroup,
    member: ClassicGroupMember,
    r: JoinGroupRequest,
    respond: JoinCallback,
  ): void {
    group.updateMember(member, r.protocols, r.rebalanceTimeoutMs, r.sessionTimeoutMs, respond);
    this.rebalance.maybePrepareRebalance(group);
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
    this.rebalance.cancelHeartbeatExpiration(group, oldMemberId);
    this.rebalance.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
    const old = {
      protocols: member.protocols,
      rebalanceTimeoutMs: member.rebalanceTimeoutMs,
      sessionTimeoutMs: member.sessionTimeoutMs,
    };
    group.updateMember(member, r.protocols, r.rebalanceTimeoutMs, r.sessionTimeoutMs, respond);
    switch (group.state) {
      case 'Stable':
        if (group.protocolName !== group.selectProtocol()) return this.rebalance.maybePrepareRebalance(group);
        this.persistStaticReplacement(group, member, oldMemberId, old, currentLeader, r);
        return;
      case 'CompletingRebalance':
        // The leader may already be assigning to the old member id: start over.
        return this.rebalance.prepareRebalance(group);
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
    this.store.storeGroup(group, assignment).then(
      () => {
        const isLeader = group.isLeader(newMemberId);
        const skip = r.supportSkippingAssignment === true;
        group.invokeJoinCallback(member, {
          ...joinResult(group, member, skip && isLeader),
          // Before JoinGroup v9 the old leader id is returned so that a rejoining leader does not assign for a stable group.
          leader: skip ? (group.leaderId ?? '') : currentLeader,
          skipAssignment: skip && isLeader,
        });
      },
      (error: unknown) => {
        const respond = member.awaitingJoin;
        group.updateMember(member, old.protocols, old.rebalanceTimeoutMs, old.sessionTimeoutMs, null);
        const restored = group.replaceStaticMember(r.groupInstanceId!, newMemberId, oldMemberId);
        this.rebalance.scheduleHeartbeatExpiration(group, restored, restored.sessionTimeoutMs);
        respond?.({
          ...joinResult(group, restored, false),
          memberId: UNKNOWN_MEMBER_ID,
          leader: currentLeader,
          errorCode: appendErrorCode(error, false),
        });
      },
    );
  }
}
