/**
 * The member side of Kafka's classic group protocol for an embedded consumer (Kafka's
 * AbstractCoordinator / ConsumerCoordinator): it joins the group through the engine's
 * GroupCoordinator in-process, runs the assignor when it is the leader, syncs,
 * heartbeats, and rejoins as a Java consumer does: on REBALANCE_IN_PROGRESS keeping its
 * member id and generation, on ILLEGAL_GENERATION resetting the generation, on
 * UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID resetting both (its partitions are lost).
 */
import { isRetriable, KafkaErrors, kafkaResponseError } from '../errors.js';
import { CONSUMER_PROTOCOL_TYPE } from '../group/ConsumerProtocol.js';
import type { GroupCoordinator, JoinGroupResult } from '../group/GroupCoordinator.js';

/** The GroupCoordinator calls a member makes. */
export type GroupCoordinatorApi = Pick<
  GroupCoordinator,
  'joinGroup' | 'syncGroup' | 'heartbeat' | 'leaveGroup' | 'commitOffsets' | 'fetchOffsets'
>;

export type JoinedMember = JoinGroupResult['members'][number];

/** What the consumer does at each step of a rebalance (Kafka's onJoinPrepare, performAssignment, onJoinComplete). */
export interface MembershipHooks {
  /** Before (re)joining; `generationValid` is false when the partitions were lost rather than given up. */
  onJoinPrepare(generationValid: boolean): Promise<void>;
  /** The subscription metadata per assignor, in preference order. */
  protocols(): { name: string; metadata: Buffer }[];
  /** As leader: each member's assignment bytes. */
  performAssignment(protocolName: string, members: JoinedMember[]): Map<string, Buffer>;
  onJoinComplete(generationId: number, assignment: Buffer): Promise<void>;
}

export interface MembershipOptions {
  groupId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  clientId: string;
}

const NO_GENERATION = -1;
const NO_MEMBER_ID = '';
/** Kafka's retry.backoff.ms. */
const RETRY_BACKOFF_MS = 100;
const E = KafkaErrors;
const RETRIABLE_JOIN = new Set<number>([
  E.REBALANCE_IN_PROGRESS.code,
  E.COORDINATOR_NOT_AVAILABLE.code,
  E.NOT_COORDINATOR.code,
  E.COORDINATOR_LOAD_IN_PROGRESS.code,
]);

/** A sleep that rejoin requests and close() cut short. */
class Sleep {
  private wake: (() => void) | null = null;

  async for(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }

  interrupt(): void {
    this.wake?.();
  }
}

export class ConsumerCoordinator {
  memberId = NO_MEMBER_ID;
  generationId = NO_GENERATION;
  private rejoinNeeded = true;
  /** Set once onJoinPrepare ran for the coming join, so retries do not run it again. */
  private joinPrepared = false;
  private stopped = false;
  private readonly sleep = new Sleep();
  private running: Promise<void> | null = null;

  constructor(
    private readonly coordinator: GroupCoordinatorApi,
    private readonly options: MembershipOptions,
    private readonly hooks: MembershipHooks,
    private readonly onFatal: (error: unknown) => void,
  ) {}

  get groupId(): string {
    return this.options.groupId;
  }

  get groupInstanceId(): string | null {
    return this.options.groupInstanceId;
  }

  start(): void {
    this.running ??= this.run().catch((error: unknown) => this.onFatal(error));
  }

  /** Rejoins at the next step (a subscription change, or partitions revoked cooperatively). */
  requestRejoin(): void {
    this.rejoinNeeded = true;
    this.sleep.interrupt();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.rejoinNeeded) await this.joinGroup();
      else {
        await this.sleep.for(this.options.heartbeatIntervalMs);
        if (!this.stopped && !this.rejoinNeeded) await this.heartbeat();
      }
    }
  }

  private async joinGroup(): Promise<void> {
    if (!this.joinPrepared) {
      await this.hooks.onJoinPrepare(this.generationId !== NO_GENERATION);
      this.joinPrepared = true;
    }
    const { groupId, groupInstanceId, sessionTimeoutMs, rebalanceTimeoutMs, clientId } = this.options;
    const joined = await this.coordinator.joinGroup({
      groupId,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      memberId: this.memberId,
      groupInstanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocols: this.hooks.protocols(),
      clientId,
      clientHost: 'in-process',
      requireKnownMemberId: true,
    });
    if (this.stopped) return;
    if (joined.errorCode !== E.NONE.code) return this.onJoinError(joined.errorCode, joined.memberId);
    this.memberId = joined.memberId;
    const assignments =
      joined.leader === joined.memberId && !joined.skipAssignment
        ? this.hooks.performAssignment(joined.protocolName!, joined.members)
        : new Map<string, Buffer>();
    const synced = await this.coordinator.syncGroup({
      groupId,
      generationId: joined.generationId,
      memberId: this.memberId,
      groupInstanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: joined.protocolName,
      assignments: [...assignments].map(([memberId, assignment]) => ({ memberId, assignment })),
    });
    if (this.stopped) return;
    if (synced.errorCode !== E.NONE.code) return this.onJoinError(synced.errorCode, this.memberId);
    this.generationId = joined.generationId;
    this.rejoinNeeded = false;
    this.joinPrepared = false;
    await this.hooks.onJoinComplete(joined.generationId, synced.assignment);
  }

  private async onJoinError(errorCode: number, memberId: string): Promise<void> {
    if (errorCode === E.MEMBER_ID_REQUIRED.code) {
      this.memberId = memberId;
      return;
    }
    if (errorCode === E.UNKNOWN_MEMBER_ID.code || errorCode === E.ILLEGAL_GENERATION.code) {
      this.resetGeneration(errorCode === E.UNKNOWN_MEMBER_ID.code);
      return;
    }
    if (!RETRIABLE_JOIN.has(errorCode)) throw kafkaResponseError(errorCode, `joining group ${this.groupId}`);
    await this.sleep.for(RETRY_BACKOFF_MS);
  }

  private async heartbeat(): Promise<void> {
    const { errorCode } = await this.coordinator.heartbeat({
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.options.groupInstanceId,
    });
    if (errorCode === E.NONE.code || this.stopped) return;
    if (errorCode === E.REBALANCE_IN_PROGRESS.code) return this.requestRejoin();
    if (
      errorCode === E.ILLEGAL_GENERATION.code ||
      errorCode === E.UNKNOWN_MEMBER_ID.code ||
      errorCode === E.FENCED_INSTANCE_ID.code
    ) {
      this.resetGeneration(errorCode !== E.ILLEGAL_GENERATION.code);
      return this.requestRejoin();
    }
    if (!RETRIABLE_JOIN.has(errorCode)) throw kafkaResponseError(errorCode, `heartbeat in group ${this.groupId}`);
  }

  /** The partitions are lost: the next onJoinPrepare is told the generation is gone. */
  private resetGeneration(resetMemberId: boolean): void {
    this.generationId = NO_GENERATION;
    if (resetMemberId) this.memberId = NO_MEMBER_ID;
    this.rejoinNeeded = true;
    this.joinPrepared = false;
  }

  /** Commits as this member; a stale generation or a rebalance under way fails with Kafka's error. */
  async commit(offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
    if (offsets.length === 0) return;
    if (this.generationId === NO_GENERATION)
      throw kafkaResponseError(E.REBALANCE_IN_PROGRESS.code, `committing for group ${this.groupId} before joining it`);
    const results = await this.coordinator.commitOffsets({
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.options.groupInstanceId,
      offsets: offsets.map((o) => ({ ...o, leaderEpoch: -1, metadata: '' })),
    });
    const failed = results.find((r) => r.errorCode !== E.NONE.code);
    if (failed === undefined) return;
    if (failed.errorCode === E.REBALANCE_IN_PROGRESS.code || failed.errorCode === E.ILLEGAL_GENERATION.code)
      this.requestRejoin();
    if (failed.errorCode === E.UNKNOWN_MEMBER_ID.code) this.resetGeneration(true);
    throw kafkaResponseError(
      failed.errorCode,
      `committing ${failed.topic}-${failed.partition} for group ${this.groupId}`,
    );
  }

  /**
   * The group's committed offsets for the partitions; -1 where there is none. A retriable
   * error (the coordinator loading the group, or moved) is asked again after a backoff, as
   * Kafka's fetchCommittedOffsets does, within the rebalance timeout.
   */
  async committed(
    partitions: { topic: string; partition: number }[],
  ): Promise<{ topic: string; partition: number; offset: number }[]> {
    const deadline = Date.now() + this.options.rebalanceTimeoutMs;
    for (;;) {
      const fetched = await this.coordinator.fetchOffsets({ groupId: this.groupId, partitions, requireStable: true });
      const failed = fetched.offsets.find((o) => o.errorCode !== E.NONE.code);
      const errorCode = fetched.errorCode !== E.NONE.code ? fetched.errorCode : (failed?.errorCode ?? E.NONE.code);
      if (errorCode === E.NONE.code) return fetched.offsets;
      if (!isRetriable(errorCode) || this.stopped || Date.now() > deadline)
        throw kafkaResponseError(
          errorCode,
          failed === undefined || fetched.errorCode !== E.NONE.code
            ? `fetching offsets of group ${this.groupId}`
            : `fetching the offset of ${failed.topic}-${failed.partition}`,
        );
      await this.sleep.for(RETRY_BACKOFF_MS);
    }
  }

  /** Stops heartbeating and rejoining; the loop ends once its call under way returns. */
  stop(): void {
    this.stopped = true;
    this.sleep.interrupt();
  }

  /**
   * Leaves the group (LeaveGroup), which also ends a join under way, and waits for the
   * loop to end. A static member does not leave, as in Kafka: restarted within the
   * session timeout under the same group.instance.id, it gets its partitions back
   * without a rebalance.
   */
  async leave(): Promise<void> {
    this.stop();
    const isStatic = this.options.groupInstanceId !== null;
    if (this.memberId !== NO_MEMBER_ID && !isStatic) {
      await this.coordinator.leaveGroup({
        groupId: this.groupId,
        members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'the consumer is closing' }],
      });
    }
    // A static member's join under way ends only with the rebalance, so it is not waited for.
    if (!isStatic) await this.running;
    this.memberId = NO_MEMBER_ID;
    this.generationId = NO_GENERATION;
  }
}
