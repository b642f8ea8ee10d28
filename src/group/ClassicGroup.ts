/**
 * A classic group's state (Kafka's GroupMetadata / ClassicGroup): its state machine,
 * generation, members (with the static ones by instance id, and the KIP-394 pending
 * ones), the protocol votes, and the group's committed offsets. No timers and no I/O:
 * the GroupMetadataManager drives it.
 */
import { randomUUID } from 'node:crypto';
import { KafkaErrors } from '../errors.js';
import {
  ClassicGroupMember,
  failedJoin,
  failedSync,
  type JoinCallback,
  type JoinGroupResult,
  type SyncGroupResult,
} from './ClassicGroupMember.js';
import { CONSUMER_PROTOCOL_TYPE, decodeSubscription } from './ConsumerProtocol.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

const VALID_PREVIOUS_STATES: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1 unless the commit asked for its own retention (OffsetCommit v2-v4). */
  expireTimestamp: number;
  /**
   * Where in `__consumer_offsets` it was written (Kafka's CommitRecordMetadataAndOffset.appendedBatchOffset):
   * a transaction's offset replaces a committed one only if written after it.
   */
  appendedBatchOffset?: number;
}

export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class ClassicGroup {
  state: GroupState;
  stateTimestamp: number;
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  /** More members joined during the initial rebalance delay, so it may be extended. */
  newMemberAdded = false;
  readonly members = new Map<string, ClassicGroupMember>();
  readonly offsets = new Map<string, CommittedOffset>();
  private readonly staticMembers = new Map<string, string>();
  private readonly pendingMembers = new Set<string>();
  private readonly pendingSyncMembers = new Set<string>();
  private readonly protocolVotes = new Map<string, number>();
  /** Offsets being written, by topicPartitionKey: a fetch that requires stable offsets must wait for them. */
  private readonly pendingOffsetCommits = new Map<string, number>();
  /** Transactional offset commits by producer id, waiting for their transaction's marker. */
  private readonly pendingTransactionalOffsets = new Map<number, Map<string, CommittedOffset>>();
  private awaitingJoinCount = 0;
  /** For a consumer-protocol group: the union of the members' subscriptions; null when unknown. */
  private subscribed: Set<string> | null = null;

  constructor(
    readonly groupId: string,
    state: GroupState,
    now: number,
  ) {
    this.state = state;
    this.stateTimestamp = now;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupState, now: number): void {
    if (!VALID_PREVIOUS_STATES[state].includes(this.state)) {
      throw new Error(`group ${this.groupId} cannot go from ${this.state} to ${state}`);
    }
    this.state = state;
    this.stateTimestamp = now;
  }

  get canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.state);
  }

  get size(): number {
    return this.members.size;
  }

  get numAwaitingJoin(): number {
    return this.awaitingJoinCount;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): ClassicGroupMember {
    const member = this.members.get(memberId);
    if (member === undefined) throw new Error(`group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get isConsumerGroup(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  /** The member id must be in the group and, with an instance id, be that instance's current member id. */
  validateMember(memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = this.staticMemberId(groupInstanceId);
      if (current === undefined) return KafkaErrors.UNKNOWN_MEMBER_ID.code;
      if (current !== memberId) return KafkaErrors.FENCED_INSTANCE_ID.code;
      return KafkaErrors.NONE.code;
    }
    return this.has(memberId) ? KafkaErrors.NONE.code : KafkaErrors.UNKNOWN_MEMBER_ID.code;
  }

  generateMemberId(clientId: string, groupInstanceId: string | null): string {
    return `${groupInstanceId ?? clientId}-${randomUUID()}`;
  }

  add(member: ClassicGroupMember, callback: JoinCallback | null): void {
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.leaderId ??= member.memberId;
    this.members.set(member.memberId, member);
    this.countVotes(member, 1);
    member.awaitingJoin = callback;
    if (callback !== null) this.awaitingJoinCount++;
    this.pendingMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member !== undefined) {
      this.members.delete(memberId);
      this.countVotes(member, -1);
      if (member.isAwaitingJoin) this.awaitingJoinCount--;
      if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /** Gives the static member's slot to a new member id, fencing whoever waits under the old one. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const member = this.member(oldMemberId);
    this.members.delete(oldMemberId);
    this.invokeJoinCallback(member, failedJoin(oldMemberId, KafkaErrors.FENCED_INSTANCE_ID.code));
    this.invokeSyncCallback(member, failedSync(KafkaErrors.FENCED_INSTANCE_ID.code));
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  updateMember(
    member: ClassicGroupMember,
    protocols: ClassicGroupMember['protocols'],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    callback: JoinCallback | null,
  ): void {
    this.countVotes(member, -1);
    member.protocols = protocols;
    this.countVotes(member, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (callback !== null && !member.isAwaitingJoin) this.awaitingJoinCount++;
    else if (callback === null && member.isAwaitingJoin) this.awaitingJoinCount--;
    member.awaitingJoin = callback;
  }

  private countVotes(member: ClassicGroupMember, delta: number): void {
    for (const p of member.protocols) this.protocolVotes.set(p.name, (this.protocolVotes.get(p.name) ?? 0) + delta);
  }

  /** Answers the member's pending JoinGroup, if any. */
  invokeJoinCallback(member: ClassicGroupMember, result: JoinGroupResult): void {
    const callback = member.awaitingJoin;
    if (callback === null) return;
    member.awaitingJoin = null;
    this.awaitingJoinCount--;
    callback(result);
  }

  /** Answers the member's pending SyncGroup, if any; true if there was one. */
  invokeSyncCallback(member: ClassicGroupMember, result: SyncGroupResult): boolean {
    const callback = member.awaitingSync;
    if (callback === null) return false;
    member.awaitingSync = null;
    callback(result);
    return true;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  addPendingMember(memberId: string): void {
    this.pendingMembers.add(memberId);
  }

  addPendingSyncMember(memberId: string): void {
    this.pendingSyncMembers.add(memberId);
  }

  removePendingSyncMember(memberId: string): void {
    this.pendingSyncMembers.delete(memberId);
  }

  clearPendingSyncMembers(): void {
    this.pendingSyncMembers.clear();
  }

  get allPendingSyncMembers(): string[] {
    return [...this.pendingSyncMembers];
  }

  get hasReceivedSyncFromAllMembers(): boolean {
    return this.pendingSyncMembers.size === 0;
  }

  get hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount && this.pendingMembers.size === 0;
  }

  get notYetRejoinedMembers(): ClassicGroupMember[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  /** The largest rebalance timeout among the members: how long a rebalance waits for them. */
  get rebalanceTimeoutMs(): number {
    let timeout = 0;
    for (const m of this.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
    return timeout;
  }

  /**
   * Keeps the leader if it rejoined, else hands leadership to any member that did; false
   * when the group has no leader or nobody rejoined.
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.member(this.leaderId).isAwaitingJoin) return true;
    const joined = [...this.members.values()].find((m) => m.isAwaitingJoin);
    if (joined === undefined) return false;
    this.leaderId = joined.memberId;
    return true;
  }

  /** Whether a joiner with these protocols fits: an empty group takes any, else one protocol all members share. */
  supportsProtocols(protocolType: string, protocols: readonly { name: string }[]): boolean {
    if (this.is('Empty')) return protocolType !== '' && protocols.length > 0;
    return (
      this.protocolType === protocolType && protocols.some((p) => this.protocolVotes.get(p.name) === this.members.size)
    );
  }

  /** Among the protocols every member supports, the one most members prefer (Kafka's selectProtocol). */
  selectProtocol(): string {
    const candidates = new Set(
      [...this.protocolVotes].filter(([, votes]) => votes === this.members.size).map(([name]) => name),
    );
    const tally = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      tally.set(choice, (tally.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const [name, votes] of tally) if (best === null || votes > tally.get(best)!) best = name;
    if (best === null) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    return best;
  }

  initNextGeneration(now: number): void {
    this.generationId++;
    this.protocolName = this.members.size > 0 ? this.selectProtocol() : null;
    this.subscribed = this.computeSubscribedTopics();
    this.transitionTo(this.members.size > 0 ? 'CompletingRebalance' : 'Empty', now);
    this.clearPendingSyncMembers();
  }

  /** Restores the state a GroupMetadata record describes (a loaded group is Stable or Empty). */
  restore(
    generationId: number,
    protocolType: string | null,
    protocolName: string | null,
    leaderId: string | null,
    stateTimestamp: number,
  ): void {
    this.generationId = generationId;
    this.protocolType = protocolType;
    this.protocolName = protocolName;
    this.leaderId = leaderId;
    this.state = this.members.size > 0 ? 'Stable' : 'Empty';
    this.stateTimestamp = stateTimestamp;
    this.subscribed = this.computeSubscribedTopics();
  }

  private computeSubscribedTopics(): Set<string> | null {
    if (!this.isConsumerGroup) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const member of this.members.values()) {
      const subscription = subscribedTopics(member.metadata(this.protocolName));
      if (subscription === null) return null;
      for (const topic of subscription) topics.add(topic);
    }
    return topics;
  }

  preparePendingOffsets(keys: readonly string[]): void {
    for (const key of keys) this.pendingOffsetCommits.set(key, (this.pendingOffsetCommits.get(key) ?? 0) + 1);
  }

  completePendingOffsets(keys: readonly string[]): void {
    for (const key of keys) {
      const count = this.pendingOffsetCommits.get(key)! - 1;
      if (count === 0) this.pendingOffsetCommits.delete(key);
      else this.pendingOffsetCommits.set(key, count);
    }
  }

  /** True while a commit of the partition is being written or a transaction's commit of it waits for its marker. */
  hasPendingOffsets(key: string): boolean {
    if (this.pendingOffsetCommits.has(key)) return true;
    for (const offsets of this.pendingTransactionalOffsets.values()) if (offsets.has(key)) return true;
    return false;
  }

  /** Committed offsets, or commits still being written or waiting for their transaction (GroupMetadata.hasOffsets). */
  get hasOffsets(): boolean {
    return this.offsets.size > 0 || this.pendingOffsetCommits.size > 0 || this.pendingTransactionalOffsets.size > 0;
  }

  /** Offsets a transaction committed (TxnOffsetCommit), kept aside until its marker (Kafka's prepareTxnOffsetCommit). */
  addPendingTransactionalOffsets(producerId: number, offsets: readonly CommittedOffset[]): void {
    let pending = this.pendingTransactionalOffsets.get(producerId);
    if (pending === undefined) this.pendingTransactionalOffsets.set(producerId, (pending = new Map()));
    for (const o of offsets) pending.set(topicPartitionKey(o.topic, o.partition), o);
  }

  hasPendingTransactionalOffsets(producerId: number): boolean {
    return this.pendingTransactionalOffsets.has(producerId);
  }

  /**
   * The producer's transaction ended: on commit its offsets become the committed ones
   * (unless a commit written later is there), on abort they are dropped (Kafka's
   * GroupMetadata.completePendingTxnOffsetCommit).
   */
  completePendingTransactionalOffsets(producerId: number, commit: boolean): void {
    const pending = this.pendingTransactionalOffsets.get(producerId);
    if (pending === undefined) return;
    this.pendingTransactionalOffsets.delete(producerId);
    if (!commit) return;
    for (const [key, offset] of pending) {
      const current = this.offsets.get(key);
      if (current === undefined || (current.appendedBatchOffset ?? -1) < (offset.appendedBatchOffset ?? -1))
        this.offsets.set(key, offset);
    }
  }

  /** True when unknown (not a consumer group yet, or unreadable metadata), to be safe. */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribed === null || this.subscribed.has(topic);
  }

  /** The members and their metadata for the chosen protocol, as the leader receives them. */
  currentMemberMetadata(): JoinGroupResult['members'] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata(this.protocolName!),
    }));
  }
}

/** The topics a consumer-protocol member subscribes to, or null when its metadata is not a subscription. */
function subscribedTopics(metadata: Buffer): string[] | null {
  try {
    return decodeSubscription(metadata).topics;
  } catch {
    return null;
  }
}
