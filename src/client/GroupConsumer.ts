/**
 * The embedded consumer in a group (Kafka's KafkaConsumer with subscribe()): the group's
 * assignment drives an assign-based Consumer, which does the fetching. Partitions start
 * at the group's committed offset, or where `autoOffsetReset` says when there is none.
 *
 * The rebalance protocol is the one every configured assignor supports, as in Kafka: the
 * default ['range', 'cooperative-sticky'] is eager (all partitions revoked before each
 * rebalance); ['cooperative-sticky'] alone is cooperative (only partitions that move are
 * revoked, then the member rejoins so they can be handed over).
 *
 * With autoCommit (the default) the positions are committed every autoCommitIntervalMs,
 * before partitions are revoked, and on close().
 */
import type { Engine } from '../engine/Engine.js';
import type { ConsumerGroupMetadata } from './TransactionManager.js';
import { invalidArgument, isTributaryError, TributaryError } from '../errors.js';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  flatten,
  groupByTopic,
  compareStrings,
} from '../group/ConsumerProtocol.js';
import { assignorByName } from '../group/assignors/Assignors.js';
import type { AssignorName, PartitionAssignor, RebalanceProtocol } from '../group/assignors/PartitionAssignor.js';
import {
  checkArray,
  checkBoolean,
  checkNonEmptyString,
  checkNonNegativeInteger,
  checkPositiveInteger,
  checkTopicPartition,
} from './Arguments.js';
import {
  Consumer,
  type ConsumerBatch,
  type ConsumerOptions,
  type ConsumerRecord,
  type OffsetResetStrategy,
  type TopicPartition,
} from './Consumer.js';
import { ConsumerCoordinator, type GroupCoordinatorApi, type JoinedMember } from './ConsumerCoordinator.js';

export interface GroupConsumerOptions extends ConsumerOptions {
  groupId: string;
  /** Kafka's session.timeout.ms: without a heartbeat for this long the member is evicted; default 45000. */
  sessionTimeoutMs?: number;
  /** Kafka's max.poll.interval.ms as the rebalance timeout: how long the group waits for members to rejoin; default 300000. */
  rebalanceTimeoutMs?: number;
  /** Kafka's heartbeat.interval.ms; default 3000. */
  heartbeatIntervalMs?: number;
  /** Kafka's group.instance.id: a static member. */
  groupInstanceId?: string;
  /** Kafka's partition.assignment.strategy, in preference order; default ['range', 'cooperative-sticky']. */
  assignors?: AssignorName[];
  /** Kafka's enable.auto.commit; default true. */
  autoCommit?: boolean;
  /** Kafka's auto.commit.interval.ms; default 5000. */
  autoCommitIntervalMs?: number;
  /** Kafka's client.id, shown in the group's member list; default 'tributary'. */
  clientId?: string;
}

/** Kafka's ConsumerRebalanceListener; each may be async, and the rebalance waits for it. */
export interface RebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions taken away without a chance to commit (the member was evicted); by default onPartitionsRevoked runs. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface TopicPartitionOffsetAndNumber extends TopicPartition {
  offset: number;
}

const DEFAULTS = {
  sessionTimeoutMs: 45_000,
  rebalanceTimeoutMs: 300_000,
  heartbeatIntervalMs: 3_000,
  autoCommitIntervalMs: 5_000,
};

function keyOf(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

function minus(a: readonly TopicPartition[], b: readonly TopicPartition[]): TopicPartition[] {
  const drop = new Set(b.map(keyOf));
  return a.filter((tp) => !drop.has(keyOf(tp)));
}

/** Kafka's choice: the newest rebalance protocol every assignor supports. */
function commonProtocol(assignors: readonly PartitionAssignor[]): RebalanceProtocol {
  return assignors.every((a) => a.supportedProtocols.includes('cooperative')) ? 'cooperative' : 'eager';
}

export class GroupConsumer implements AsyncIterable<ConsumerRecord> {
  private readonly consumer: Consumer;
  private readonly assignors: PartitionAssignor[];
  private readonly protocol: RebalanceProtocol;
  private readonly membership: ConsumerCoordinator;
  private readonly autoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private readonly autoOffsetReset: OffsetResetStrategy;
  private topics: string[] = [];
  private listener: RebalanceListener = {};
  private owned: TopicPartition[] = [];
  private lastCommitted = new Map<string, number>();
  private autoCommitTimer: NodeJS.Timeout | null = null;
  private failure: unknown = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly engine: Engine,
    coordinator: GroupCoordinatorApi,
    options: GroupConsumerOptions,
  ) {
    const {
      groupId,
      groupInstanceId = null,
      assignors = ['range', 'cooperative-sticky'],
      autoCommit = true,
      clientId = 'tributary',
    } = options;
    checkNonEmptyString('groupId', groupId);
    if (groupInstanceId !== null) checkNonEmptyString('groupInstanceId', groupInstanceId);
    checkNonEmptyString('clientId', clientId);
    checkBoolean('autoCommit', autoCommit);
    if (checkArray('assignors', assignors).length === 0)
      throw invalidArgument('assignors must name at least one assignor');
    const timeouts = { ...DEFAULTS };
    for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[])
      timeouts[name] = checkPositiveInteger(name, options[name] ?? DEFAULTS[name]);
    this.consumer = new Consumer(engine, options);
    this.assignors = assignors.map(assignorByName);
    this.protocol = commonProtocol(this.assignors);
    this.autoCommit = autoCommit;
    this.autoOffsetReset = options.autoOffsetReset ?? 'latest';
    this.autoCommitIntervalMs = timeouts.autoCommitIntervalMs;
    this.membership = new ConsumerCoordinator(
      coordinator,
      { ...timeouts, groupId, groupInstanceId, clientId },
      {
        onJoinPrepare: (valid) => this.onJoinPrepare(valid),
        protocols: () => this.protocols(),
        performAssignment: (name, members) => this.performAssignment(name, members),
        onJoinComplete: (generation, assignment) => this.onJoinComplete(generation, assignment),
      },
      (error) => this.fail(error),
    );
  }

  get groupId(): string {
    return this.membership.groupId;
  }

  /**
   * KafkaConsumer.groupMetadata: the member and generation a transactional producer's
   * sendOffsetsToTransaction commits as, so the group refuses them from a member it dropped.
   */
  groupMetadata(): ConsumerGroupMetadata {
    const m = this.membership;
    return {
      groupId: m.groupId,
      generationId: m.generationId,
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
    };
  }

  /** Joins the group for these topics (replacing any earlier subscription); the listener hears of every assignment change. */
  subscribe(topics: readonly string[], listener: RebalanceListener = {}): void {
    this.checkOpen();
    checkArray('subscribe: topics', topics).forEach((t, i) => checkNonEmptyString(`subscribe: topics[${i}]`, t));
    this.topics = [...new Set(topics)].sort(compareStrings);
    this.listener = listener;
    this.membership.requestRejoin();
    this.membership.start();
    this.startAutoCommit();
  }

  /** The partitions the group assigned to this member. */
  assignment(): TopicPartition[] {
    return this.consumer.assignment();
  }

  /** The offset of the next record to hand out from an assigned partition. */
  position(tp: TopicPartition): number {
    return this.consumer.position(tp);
  }

  /** Each partition's end at this consumer's isolation level (Consumer.endOffsets). */
  endOffsets(partitions: readonly TopicPartition[]): (TopicPartition & { offset: number })[] {
    return this.consumer.endOffsets(partitions);
  }

  /**
   * Commits offsets for the group: by default the positions of every assigned partition
   * (the offset after the last record handed out). Fails with Kafka's error
   * (ERR_REBALANCE_IN_PROGRESS, ERR_ILLEGAL_GENERATION, ERR_UNKNOWN_MEMBER_ID) when the
   * member is not in the group's current generation.
   */
  async commit(offsets?: readonly TopicPartitionOffsetAndNumber[]): Promise<void> {
    this.checkOpen();
    const toCommit =
      offsets === undefined
        ? this.positions(this.consumer.assignment())
        : checkArray('commit: offsets', offsets).map((o) => ({
            ...checkTopicPartition('commit', o),
            offset: checkNonNegativeInteger('commit: offset', (o as TopicPartitionOffsetAndNumber).offset),
          }));
    await this.membership.commit(toCommit);
    for (const o of toCommit) this.lastCommitted.set(keyOf(o), o.offset);
  }

  /** The group's committed offsets for these partitions (-1 where there is none). */
  committed(partitions: readonly TopicPartition[]): Promise<TopicPartitionOffsetAndNumber[]> {
    const checked = checkArray('committed: partitions', partitions).map((tp) => checkTopicPartition('committed', tp));
    return this.membership.committed(checked);
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerRecord> {
    const inner = this.consumer[Symbol.asyncIterator]();
    return {
      next: async () => this.checkFailure(await inner.next()),
      return: () => inner.return!(),
    };
  }

  async *batches(): AsyncGenerator<ConsumerBatch> {
    for await (const batch of this.consumer.batches()) yield batch;
    this.checkFailure({ done: true, value: undefined });
  }

  /** Commits (with autoCommit), revokes the partitions, leaves the group and ends every iteration. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    this.stopAutoCommit();
    this.membership.stop();
    if (this.failure === null && this.membership.generationId >= 0) await this.revoke(this.owned);
    await this.membership.leave();
    await this.consumer.close();
  }

  private positions(partitions: readonly TopicPartition[]): TopicPartitionOffsetAndNumber[] {
    return partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: this.consumer.position(tp) }));
  }

  private protocols(): { name: string; metadata: Buffer }[] {
    const ownedPartitions = this.protocol === 'cooperative' ? groupByTopic(this.owned) : [];
    const metadata = encodeSubscription({
      topics: this.topics,
      userData: null,
      ownedPartitions,
      generationId: this.membership.generationId,
      rackId: null,
    });
    return this.assignors.map((a) => ({ name: a.name, metadata }));
  }

  private performAssignment(protocolName: string, members: JoinedMember[]): Map<string, Buffer> {
    const assignor = this.assignors.find((a) => a.name === protocolName);
    if (assignor === undefined)
      throw new TributaryError(
        `the group chose assignor '${protocolName}', which this consumer does not have`,
        'ERR_INCONSISTENT_GROUP_PROTOCOL',
      );
    const subscribed = members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      subscription: decodeSubscription(m.metadata),
    }));
    const partitionsPerTopic = new Map<string, number>();
    for (const topic of new Set(subscribed.flatMap((m) => m.subscription.topics))) {
      if (this.engine.hasTopic(topic)) partitionsPerTopic.set(topic, this.engine.partitionCount(topic));
    }
    const assignment = assignor.assign(subscribed, partitionsPerTopic);
    return new Map(
      [...assignment].map(([memberId, partitions]) => [
        memberId,
        encodeAssignment({ assignedPartitions: groupByTopic(partitions), userData: null }),
      ]),
    );
  }

  /** Kafka's onJoinPrepare: eager gives every partition up first; a lost generation loses them. */
  private async onJoinPrepare(generationValid: boolean): Promise<void> {
    if (!generationValid) return this.lose(this.owned);
    if (this.protocol === 'eager') await this.revoke(this.owned);
  }

  private async onJoinComplete(generationId: number, assignmentBytes: Buffer): Promise<void> {
    const assigned = flatten(decodeAssignment(assignmentBytes).assignedPartitions);
    const revoked = minus(this.owned, assigned);
    await this.revoke(revoked);
    const added = minus(assigned, this.owned);
    const committed = added.length === 0 ? [] : await this.membership.committed(added);
    this.consumer.assign(
      committed.map(({ topic, partition, offset }) => ({
        topic,
        partition,
        offset: offset >= 0 ? offset : this.startWithoutCommit(topic, partition),
      })),
    );
    this.owned = [...this.owned, ...added];
    for (const o of committed) if (o.offset >= 0) this.lastCommitted.set(keyOf(o), o.offset);
    await this.listener.onPartitionsAssigned?.(added);
    // Cooperative: what this member gave up can only move once the group rebalances again.
    if (revoked.length > 0 && this.protocol === 'cooperative' && generationId >= 0) this.membership.requestRejoin();
  }

  /** Where a partition the group has no offset for starts: Kafka's auto.offset.reset, 'none' refusing as NoOffsetForPartitionException does. */
  private startWithoutCommit(topic: string, partition: number): 'earliest' | 'latest' {
    if (this.autoOffsetReset !== 'none') return this.autoOffsetReset;
    throw new TributaryError(
      `group ${this.groupId} has no committed offset for ${topic}-${partition} and autoOffsetReset is 'none'`,
      'ERR_OFFSET_OUT_OF_RANGE',
    );
  }

  /** Commits (with autoCommit) and gives up partitions: onPartitionsRevoked, then they leave the fetch. */
  private async revoke(partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    if (this.autoCommit) await this.commitQuietly(this.positions(partitions));
    await this.listener.onPartitionsRevoked?.(partitions);
    this.drop(partitions);
  }

  private async lose(partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const { onPartitionsLost, onPartitionsRevoked } = this.listener;
    await (onPartitionsLost ?? onPartitionsRevoked)?.call(this.listener, partitions);
    this.drop(partitions);
  }

  private drop(partitions: TopicPartition[]): void {
    this.consumer.unassign(partitions);
    this.owned = minus(this.owned, partitions);
    for (const tp of partitions) this.lastCommitted.delete(keyOf(tp));
  }

  /** An automatic commit: a failure (a rebalance under way) is not the caller's; the next commit or the rebalance settles it. */
  private async commitQuietly(offsets: TopicPartitionOffsetAndNumber[]): Promise<void> {
    const changed = offsets.filter((o) => this.lastCommitted.get(keyOf(o)) !== o.offset);
    try {
      await this.membership.commit(changed);
      for (const o of changed) this.lastCommitted.set(keyOf(o), o.offset);
    } catch (error) {
      if (!isTributaryError(error)) throw error;
    }
  }

  private startAutoCommit(): void {
    if (!this.autoCommit || this.autoCommitTimer !== null) return;
    this.autoCommitTimer = setInterval(() => {
      if (this.membership.generationId >= 0)
        void this.commitQuietly(this.positions(this.consumer.assignment())).catch((error: unknown) => this.fail(error));
    }, this.autoCommitIntervalMs);
    this.autoCommitTimer.unref();
  }

  private stopAutoCommit(): void {
    if (this.autoCommitTimer !== null) clearInterval(this.autoCommitTimer);
    this.autoCommitTimer = null;
  }

  /** The group cannot go on (e.g. INCONSISTENT_GROUP_PROTOCOL): iterations end with the error. */
  private fail(error: unknown): void {
    this.failure ??= error;
    this.stopAutoCommit();
    void this.consumer.close();
  }

  private checkFailure<T>(result: IteratorResult<T>): IteratorResult<T> {
    if (result.done === true && this.failure !== null) throw this.failure;
    return result;
  }

  private checkOpen(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closing !== null) throw new TributaryError('the consumer is closed', 'ERR_CONSUMER_CLOSED');
  }
}
