/**
 * The GroupCoordinatorApi of a group coordinated by a broker: each call is the Kafka
 * request (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch) on a
 * connection of its own to the coordinator FindCoordinator names, so that a JoinGroup
 * waiting for a rebalance holds up no fetch, as in Kafka's clients. The coordinator moves
 * in a cluster (its `__consumer_offsets` partition gets another leader): as Kafka's
 * AbstractCoordinator, an answer NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE, or a lost
 * connection, marks it unknown (markCoordinatorUnknown) and the next call finds it again
 * (ensureCoordinatorReady: FindCoordinator retried while no coordinator is available, as
 * while `__consumer_offsets` is being created). A lost connection answers the call
 * COORDINATOR_NOT_AVAILABLE (RequestFuture.coordinatorNotAvailable), which the member retries.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isRetriable, KafkaErrors, kafkaResponseError } from '../errors.js';
import type {
  FetchedOffset,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResult,
  LeaveGroupMember,
  LeaveGroupResult,
  OffsetCommitRequest,
  OffsetFetchRequest,
  PartitionError,
  SyncGroupRequest,
  SyncGroupResult,
} from '../group/GroupCoordinator.js';
import { ApiKey } from '../protocol/index.js';
import { FindCoordinator } from '../protocol/messages/FindCoordinator.js';
import { Heartbeat } from '../protocol/messages/Heartbeat.js';
import { JoinGroup } from '../protocol/messages/JoinGroup.js';
import { LeaveGroup } from '../protocol/messages/LeaveGroup.js';
import { OffsetCommit } from '../protocol/messages/OffsetCommit.js';
import { OffsetFetch } from '../protocol/messages/OffsetFetch.js';
import { SyncGroup } from '../protocol/messages/SyncGroup.js';
import { byTopic } from '../protocol/TopicGroups.js';
import { BrokerConnection } from '../network/BrokerConnection.js';
import { isConnectionFailure } from './ConnectionFailure.js';
import type { GroupCoordinatorApi } from './ConsumerCoordinator.js';

const GROUP_KEY_TYPE = 0;
/** FindCoordinator v4 batched keys; LeaveGroup v3 batched members; OffsetFetch v8 batched groups. */
const BATCH_FIND_VERSION = 4;
const BATCH_LEAVE_VERSION = 3;
const BATCH_OFFSET_FETCH_VERSION = 8;

/** Kafka's retry.backoff.ms. */
const RETRY_BACKOFF_MS = 100;
/** The answer a call gets when the coordinator cannot be reached. */
const UNAVAILABLE = KafkaErrors.COORDINATOR_NOT_AVAILABLE.code;
/** Answers that say the coordinator is elsewhere or not yet elected (AbstractCoordinator: markCoordinatorUnknown). */
const MOVED = new Set<number>([KafkaErrors.NOT_COORDINATOR.code, UNAVAILABLE]);

/** Asks `bootstrap` which broker coordinates `groupId`: [error code, address]. */
async function findCoordinatorOnce(
  bootstrap: BrokerConnection,
  groupId: string,
): Promise<{ errorCode: number; nodeId: number; host: string; port: number }> {
  const batched = bootstrap.versionOf(ApiKey.FindCoordinator) >= BATCH_FIND_VERSION;
  const response = await bootstrap.request(
    FindCoordinator,
    batched ? { keyType: GROUP_KEY_TYPE, coordinatorKeys: [groupId] } : { key: groupId, keyType: GROUP_KEY_TYPE },
  );
  return batched ? response.coordinators[0]! : response;
}

/**
 * `groupId`'s coordinator (its node id and address), asked of `bootstrap` again after a backoff while
 * the answer is a retriable error (COORDINATOR_NOT_AVAILABLE while `__consumer_offsets` is
 * created and its leaders elected), for up to `timeoutMs`; any other error is thrown.
 */
export async function findCoordinator(
  bootstrap: BrokerConnection,
  groupId: string,
  timeoutMs: number,
): Promise<{ nodeId: number; host: string; port: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await findCoordinatorOnce(bootstrap, groupId);
    if (found.errorCode === KafkaErrors.NONE.code) return { nodeId: found.nodeId, host: found.host, port: found.port };
    if (!isRetriable(found.errorCode) || Date.now() > deadline)
      throw kafkaResponseError(found.errorCode, `finding the coordinator of group ${groupId}`);
    await delay(RETRY_BACKOFF_MS);
  }
}

export class RemoteGroupCoordinator implements GroupCoordinatorApi {
  /** The coordinator's connection once found; null while unknown. */
  private coordinator: Promise<BrokerConnection> | null = null;

  private constructor(
    private readonly bootstrap: BrokerConnection,
    private readonly groupId: string,
    private readonly timeoutMs: number,
  ) {}

  /** Connects to the coordinator of `groupId`; `timeoutMs` must outlast a JoinGroup's wait (the rebalance timeout). */
  static async open(bootstrap: BrokerConnection, groupId: string, timeoutMs: number): Promise<RemoteGroupCoordinator> {
    const coordinator = new RemoteGroupCoordinator(bootstrap, groupId, timeoutMs);
    await coordinator.connection();
    return coordinator;
  }

  close(): void {
    this.markCoordinatorUnknown();
  }

  private connection(): Promise<BrokerConnection> {
    if (this.coordinator === null) {
      const found = findCoordinator(this.bootstrap, this.groupId, this.timeoutMs).then(({ host, port }) =>
        BrokerConnection.open({ host, port }, { timeoutMs: this.timeoutMs }),
      );
      this.coordinator = found;
      // A failed lookup is not kept: the next call looks again.
      found.catch(() => {
        if (this.coordinator === found) this.coordinator = null;
      });
    }
    return this.coordinator;
  }

  private markCoordinatorUnknown(): void {
    const known = this.coordinator;
    this.coordinator = null;
    known?.then(
      (connection) => connection.close(),
      () => undefined,
    );
  }

  /**
   * `send` on the coordinator's connection; `errorCodes` of its answer that say the coordinator
   * moved forget it, and a lost connection (forgotten too) answers `unavailable()`.
   */
  private async call<T>(
    send: (connection: BrokerConnection) => Promise<T>,
    errorCodes: (answer: T) => number[],
    unavailable: () => T,
  ): Promise<T> {
    let answer: T;
    try {
      answer = await send(await this.connection());
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      this.markCoordinatorUnknown();
      return unavailable();
    }
    if (errorCodes(answer).some((code) => MOVED.has(code))) this.markCoordinatorUnknown();
    return answer;
  }

  joinGroup(r: JoinGroupRequest): Promise<JoinGroupResult> {
    return this.call(
      (connection) => joinGroupOn(connection, r),
      (answer) => [answer.errorCode],
      () => ({
        errorCode: UNAVAILABLE,
        generationId: -1,
        protocolType: null,
        protocolName: null,
        leader: '',
        memberId: r.memberId,
        members: [],
        skipAssignment: false,
      }),
    );
  }

  syncGroup(r: SyncGroupRequest): Promise<SyncGroupResult> {
    return this.call(
      (connection) => syncGroupOn(connection, r),
      (answer) => [answer.errorCode],
      () => ({ errorCode: UNAVAILABLE, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }),
    );
  }

  heartbeat(r: HeartbeatRequest): Promise<{ errorCode: number }> {
    return this.call(
      async (connection) => ({ errorCode: (await connection.request(Heartbeat, { ...r })).errorCode }),
      (answer) => [answer.errorCode],
      () => ({ errorCode: UNAVAILABLE }),
    );
  }

  leaveGroup(r: { groupId: string; members: LeaveGroupMember[] }): Promise<LeaveGroupResult> {
    return this.call(
      (connection) => leaveGroupOn(connection, r),
      (answer) => [answer.errorCode],
      () => ({ errorCode: UNAVAILABLE, members: [] }),
    );
  }

  commitOffsets(r: OffsetCommitRequest): Promise<PartitionError[]> {
    return this.call(
      (connection) => commitOffsetsOn(connection, r),
      (answer) => answer.map((p) => p.errorCode),
      () => r.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode: UNAVAILABLE })),
    );
  }

  fetchOffsets(r: OffsetFetchRequest): Promise<{ errorCode: number; offsets: FetchedOffset[] }> {
    return this.call(
      (connection) => fetchOffsetsOn(connection, r),
      (answer) => [answer.errorCode, ...answer.offsets.map((o) => o.errorCode)],
      () => ({ errorCode: UNAVAILABLE, offsets: [] }),
    );
  }
}

async function joinGroupOn(connection: BrokerConnection, r: JoinGroupRequest): Promise<JoinGroupResult> {
  const response = await connection.request(JoinGroup, {
    groupId: r.groupId,
    sessionTimeoutMs: r.sessionTimeoutMs,
    rebalanceTimeoutMs: r.rebalanceTimeoutMs,
    memberId: r.memberId,
    groupInstanceId: r.groupInstanceId,
    protocolType: r.protocolType,
    protocols: r.protocols,
    reason: r.reason ?? null,
  });
  const { errorCode, generationId, protocolType, protocolName, leader, memberId, members, skipAssignment } = response;
  return { errorCode, generationId, protocolType, protocolName, leader, memberId, members, skipAssignment };
}

async function syncGroupOn(connection: BrokerConnection, r: SyncGroupRequest): Promise<SyncGroupResult> {
  const { errorCode, protocolType, protocolName, assignment } = await connection.request(SyncGroup, { ...r });
  return { errorCode, protocolType, protocolName, assignment };
}

async function leaveGroupOn(
  connection: BrokerConnection,
  r: { groupId: string; members: LeaveGroupMember[] },
): Promise<LeaveGroupResult> {
  const batched = connection.versionOf(ApiKey.LeaveGroup) >= BATCH_LEAVE_VERSION;
  const members = r.members.map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    reason: m.reason ?? null,
  }));
  const response = await connection.request(LeaveGroup, {
    groupId: r.groupId,
    memberId: r.members[0]?.memberId ?? '',
    members,
  });
  return {
    errorCode: response.errorCode,
    members: batched ? response.members : [],
  };
}

async function commitOffsetsOn(connection: BrokerConnection, r: OffsetCommitRequest): Promise<PartitionError[]> {
  const response = await connection.request(OffsetCommit, {
    groupId: r.groupId,
    generationIdOrMemberEpoch: r.generationId,
    memberId: r.memberId,
    groupInstanceId: r.groupInstanceId,
    topics: byTopic(r.offsets, (o) => ({
      partitionIndex: o.partition,
      committedOffset: o.offset,
      committedLeaderEpoch: o.leaderEpoch,
      committedMetadata: o.metadata,
    })),
  });
  return response.topics.flatMap((t) =>
    t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })),
  );
}

async function fetchOffsetsOn(
  connection: BrokerConnection,
  r: OffsetFetchRequest,
): Promise<{ errorCode: number; offsets: FetchedOffset[] }> {
  const topics =
    r.partitions === null
      ? null
      : byTopic(r.partitions, (p) => p.partition).map(({ name, partitions }) => ({
          name,
          partitionIndexes: partitions,
        }));
  const batched = connection.versionOf(ApiKey.OffsetFetch) >= BATCH_OFFSET_FETCH_VERSION;
  const request = batched
    ? { groups: [{ groupId: r.groupId, topics }], requireStable: r.requireStable }
    : { groupId: r.groupId, topics, requireStable: r.requireStable };
  const response = await connection.request(OffsetFetch, request);
  const result = batched ? response.groups[0]! : response;
  const offsets = result.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      offset: p.committedOffset,
      leaderEpoch: p.committedLeaderEpoch,
      metadata: p.metadata,
      errorCode: p.errorCode,
    })),
  );
  return { errorCode: result.errorCode, offsets };
}
