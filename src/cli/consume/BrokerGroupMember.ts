/**
 * `tributary consume --bootstrap --group`: membership through ConsumerCoordinator, with
 * the group's coordinator reached over the network (RemoteGroupCoordinator). Eager, as
 * Kafka's default assignors: every partition is committed and given up before each
 * rebalance, and starts again at the group's committed offset.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ConsumerCoordinator, type JoinedMember } from '../../client/ConsumerCoordinator.js';
import { RemoteGroupCoordinator } from '../../client/RemoteGroupCoordinator.js';
import type { BrokerConnection } from '../../network/BrokerConnection.js';
import { isTributaryError } from '../../errors.js';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  flatten,
  groupByTopic,
} from '../../group/ConsumerProtocol.js';
import { assignorByName } from '../../group/assignors/Assignors.js';
import type { BrokerSource } from './BrokerSource.js';
import type { StartSpec } from './RecordSource.js';

/** Kafka's default partition.assignment.strategy. */
const ASSIGNORS = ['range', 'cooperative-sticky'].map(assignorByName);
/** session.timeout.ms within the broker's default bounds; a short heartbeat so that a rebalance is noticed within a second. */
const TIMEOUTS = { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, heartbeatIntervalMs: 1_000 };
const RESPONSE_MARGIN_MS = 5_000;
/** Kafka's retry.backoff.ms. */
const RETRY_BACKOFF_MS = 100;
/** How long leaving retries its commit: Kafka's consumer close timeout (DEFAULT_CLOSE_TIMEOUT_MS). */
const CLOSE_TIMEOUT_MS = 30_000;

export interface GroupMemberOptions {
  group: string;
  topic: string;
  partitionCount: number;
  start: StartSpec;
}

export class BrokerGroupMember {
  private readonly membership: ConsumerCoordinator;

  private constructor(
    private readonly coordinator: RemoteGroupCoordinator,
    private readonly source: BrokerSource,
    private readonly options: GroupMemberOptions,
  ) {
    this.membership = new ConsumerCoordinator(
      coordinator,
      { ...TIMEOUTS, groupId: options.group, groupInstanceId: null, clientId: 'tributary-cli' },
      {
        onJoinPrepare: (generationValid) => this.onJoinPrepare(generationValid),
        protocols: () => this.protocols(),
        performAssignment: (name, members) => this.performAssignment(name, members),
        onJoinComplete: (_generation, assignment) => this.onJoinComplete(assignment),
      },
      (error) => source.fail(error),
    );
  }

  /** Joins the group; the source's assignment follows the group's from then on. */
  static async join(
    connection: BrokerConnection,
    source: BrokerSource,
    options: GroupMemberOptions,
  ): Promise<BrokerGroupMember> {
    const coordinator = await RemoteGroupCoordinator.open(
      connection,
      options.group,
      TIMEOUTS.rebalanceTimeoutMs + RESPONSE_MARGIN_MS,
    );
    const member = new BrokerGroupMember(coordinator, source, options);
    source.member = member;
    member.membership.start();
    return member;
  }

  /**
   * Commits; a commit that fails (a rebalance under way, the coordinator moving) is dropped:
   * the rebalance, or leaving, commits the positions.
   */
  async commit(offsets: { partition: number; offset: number }[]): Promise<void> {
    await this.tryCommit(offsets);
  }

  /**
   * Commits every position, then leaves, as Kafka's ConsumerCoordinator.close does
   * (maybeAutoCommitOffsetsSync: commitOffsetsSync sends again after retry.backoff.ms while the
   * error is retriable, a coordinator moved or still loading among them, until the close
   * timeout), so that a batch's commit dropped while the coordinator moved is made up for.
   */
  async leave(): Promise<void> {
    try {
      const deadline = Date.now() + CLOSE_TIMEOUT_MS;
      const positions = this.source.positions();
      while ((await this.tryCommit(positions)) && Date.now() < deadline) await delay(RETRY_BACKOFF_MS);
      await this.membership.leave();
    } finally {
      this.coordinator.close();
    }
  }

  /** One commit of `offsets`: true if it failed with a retriable error (worth sending again). */
  private async tryCommit(offsets: { partition: number; offset: number }[]): Promise<boolean> {
    try {
      await this.membership.commit(
        offsets.map(({ partition, offset }) => ({ topic: this.options.topic, partition, offset })),
      );
      return false;
    } catch (error) {
      if (!isTributaryError(error)) throw error;
      return error.kafka?.retriable === true;
    }
  }

  private async onJoinPrepare(generationValid: boolean): Promise<void> {
    if (generationValid) await this.commit(this.source.positions());
    this.source.revokeAll();
  }

  private protocols(): { name: string; metadata: Buffer }[] {
    const metadata = encodeSubscription({
      topics: [this.options.topic],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
    return ASSIGNORS.map((a) => ({ name: a.name, metadata }));
  }

  /** As leader: only this member's topic is known to it, as for a console consumer. */
  private performAssignment(name: string, members: JoinedMember[]): Map<string, Buffer> {
    const subscribed = members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      subscription: decodeSubscription(m.metadata),
    }));
    const assignment = assignorByName(name).assign(
      subscribed,
      new Map([[this.options.topic, this.options.partitionCount]]),
    );
    return new Map(
      [...assignment].map(([memberId, partitions]) => [
        memberId,
        encodeAssignment({ assignedPartitions: groupByTopic(partitions), userData: null }),
      ]),
    );
  }

  private async onJoinComplete(assignment: Buffer): Promise<void> {
    const { topic, start } = this.options;
    const partitions = flatten(decodeAssignment(assignment).assignedPartitions)
      .filter((tp) => tp.topic === topic)
      .map((tp) => tp.partition);
    const committed =
      partitions.length === 0
        ? []
        : await this.membership.committed(partitions.map((partition) => ({ topic, partition })));
    const known = new Map(committed.filter((c) => c.offset >= 0).map((c) => [c.partition, c.offset]));
    this.source.assign(await this.source.startPositions(partitions, start, known));
  }
}
