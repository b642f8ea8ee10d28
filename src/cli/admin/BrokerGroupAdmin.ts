/**
 * GroupAdmin over the Kafka protocol, routed as Kafka's admin client routes it: ListGroups
 * to every live broker, each listing the groups it coordinates (listConsumerGroups);
 * DescribeGroups, OffsetFetch, OffsetCommit and DeleteGroups to the group's coordinator, which
 * FindCoordinator names (CoordinatorStrategy), found again and asked again while it answers
 * that it is not (or not yet) the coordinator. A single node coordinates every group.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { BrokerConnection } from '../../network/BrokerConnection.js';
import { findCoordinator } from '../../client/RemoteGroupCoordinator.js';
import { KafkaErrors } from '../../errors.js';
import { groupByTopic } from '../../group/ConsumerProtocol.js';
import { ApiKey } from '../../protocol/index.js';
import { DeleteGroups } from '../../protocol/messages/DeleteGroups.js';
import { DescribeGroups } from '../../protocol/messages/DescribeGroups.js';
import { ListGroups } from '../../protocol/messages/ListGroups.js';
import { Metadata } from '../../protocol/messages/Metadata.js';
import { OffsetCommit } from '../../protocol/messages/OffsetCommit.js';
import { OffsetFetch } from '../../protocol/messages/OffsetFetch.js';
import { describedGroup } from './DescribedMembers.js';
import type { CommittedOffset, GroupAdmin, GroupInfo, GroupListing } from './GroupAdmin.js';
import { checkErrorCode } from './KafkaFailure.js';
import { NodeConnections } from './NodeConnections.js';

/** OffsetFetch v8 asks per group; older versions for one group at the top level. */
const OFFSET_FETCH_GROUPS_VERSION = 8;
/** Kafka's retry.backoff.ms, and how long the admin client retries (default.api.timeout.ms is 60 s). */
const RETRY_BACKOFF_MS = 100;
const RETRY_TIMEOUT_MS = 30_000;
/** Answers after which Kafka's CoordinatorStrategy asks again: the coordinator moved, is not elected, or is loading. */
const COORDINATOR_RETRIES = new Set<number>([
  KafkaErrors.NOT_COORDINATOR.code,
  KafkaErrors.COORDINATOR_NOT_AVAILABLE.code,
  KafkaErrors.COORDINATOR_LOAD_IN_PROGRESS.code,
]);

export class BrokerGroupAdmin implements GroupAdmin {
  constructor(private readonly connection: BrokerConnection) {}

  /** `work` with connections to the live brokers Metadata lists. */
  private async withBrokers<T>(
    work: (nodes: NodeConnections, brokers: readonly { nodeId: number }[]) => Promise<T>,
  ): Promise<T> {
    const { brokers } = await this.connection.request(Metadata, { topics: [], allowAutoTopicCreation: false });
    const nodes = new NodeConnections(this.connection, brokers);
    try {
      return await work(nodes, brokers);
    } finally {
      await nodes.close();
    }
  }

  /**
   * `send` to `groupId`'s coordinator; while `errorCode` of the answer is one of
   * COORDINATOR_RETRIES, the coordinator is found and asked again after a backoff, for up to
   * RETRY_TIMEOUT_MS (then the last answer is returned, for the caller to report).
   */
  private atCoordinator<T>(
    groupId: string,
    what: string,
    send: (connection: BrokerConnection) => Promise<T>,
    errorCode: (answer: T) => number,
  ): Promise<T> {
    const deadline = Date.now() + RETRY_TIMEOUT_MS;
    return this.withBrokers(async (nodes) => {
      for (;;) {
        const { nodeId } = await findCoordinator(this.connection, groupId, RETRY_TIMEOUT_MS);
        const answer = await send(await nodes.to(nodeId, what));
        if (!COORDINATOR_RETRIES.has(errorCode(answer)) || Date.now() > deadline) return answer;
        await delay(RETRY_BACKOFF_MS);
      }
    });
  }

  /** ListGroups to every live broker: each lists the groups it coordinates. */
  async list(): Promise<GroupListing[]> {
    const lists = await this.withBrokers((nodes, brokers) =>
      Promise.all(
        brokers.map(async ({ nodeId }) => {
          const connection = await nodes.to(nodeId, 'list groups');
          const response = await connection.request(ListGroups, { statesFilter: [] });
          checkErrorCode('list groups', response.errorCode);
          return response.groups;
        }),
      ),
    );
    return lists.flat().map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType,
      state: g.groupState,
    }));
  }

  async describe(groupId: string): Promise<GroupInfo> {
    const group = await this.atCoordinator(
      groupId,
      `describe group '${groupId}'`,
      async (connection) =>
        (await connection.request(DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false }))
          .groups[0]!,
      (g) => g.errorCode,
    );
    return describedGroup(groupId, group);
  }

  async committed(groupId: string): Promise<CommittedOffset[]> {
    const what = `fetch offsets of group '${groupId}'`;
    const result = await this.atCoordinator(
      groupId,
      what,
      async (connection) => {
        const perGroup = connection.versionOf(ApiKey.OffsetFetch) >= OFFSET_FETCH_GROUPS_VERSION;
        const request = perGroup
          ? { groups: [{ groupId, topics: null }], requireStable: false }
          : { groupId, topics: null, requireStable: false };
        const response = await connection.request(OffsetFetch, request);
        return perGroup ? response.groups[0]! : response;
      },
      (r) => r.errorCode,
    );
    checkErrorCode(what, result.errorCode);
    return result.topics.flatMap((t) =>
      t.partitions.flatMap((p) => {
        checkErrorCode(what, p.errorCode);
        return p.committedOffset < 0 ? [] : [{ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset }];
      }),
    );
  }

  async commit(groupId: string, offsets: CommittedOffset[]): Promise<void> {
    const at = new Map(offsets.map((o) => [`${o.topic}-${o.partition}`, o.offset]));
    const topics = groupByTopic(offsets).map(({ topic, partitions }) => ({
      name: topic,
      partitions: partitions.map((partitionIndex) => ({
        partitionIndex,
        committedOffset: at.get(`${topic}-${partitionIndex}`)!,
        committedLeaderEpoch: -1,
        committedMetadata: '',
      })),
    }));
    const response = await this.atCoordinator(
      groupId,
      `commit offsets for group '${groupId}'`,
      (connection) =>
        connection.request(OffsetCommit, {
          groupId,
          generationIdOrMemberEpoch: -1,
          memberId: '',
          groupInstanceId: null,
          topics,
        }),
      (r) => r.topics[0]?.partitions[0]?.errorCode ?? KafkaErrors.NONE.code,
    );
    for (const t of response.topics) {
      for (const p of t.partitions)
        checkErrorCode(`commit offset of ${t.name}-${p.partitionIndex} for group '${groupId}'`, p.errorCode);
    }
  }

  async delete(groupId: string): Promise<void> {
    const result = await this.atCoordinator(
      groupId,
      `delete group '${groupId}'`,
      async (connection) => (await connection.request(DeleteGroups, { groupsNames: [groupId] })).results[0]!,
      (r) => r.errorCode,
    );
    checkErrorCode(`delete group '${groupId}'`, result.errorCode);
  }
}
