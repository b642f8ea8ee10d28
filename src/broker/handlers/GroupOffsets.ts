/** OffsetCommit, TxnOffsetCommit, OffsetFetch, OffsetDelete: committed offsets through the GroupCoordinator. */
import type { OffsetCommitPartition, PartitionError } from '../../group/GroupCoordinator.js';
import type { EncodableResponse } from '../../protocol/index.js';
import { OffsetCommit } from '../../protocol/messages/OffsetCommit.js';
import { OffsetDelete } from '../../protocol/messages/OffsetDelete.js';
import { OffsetFetch } from '../../protocol/messages/OffsetFetch.js';
import { TxnOffsetCommit } from '../../protocol/messages/TxnOffsetCommit.js';
import { byTopic } from '../../protocol/TopicGroups.js';
import { handler, type RequestContext } from '../RequestContext.js';

/** One group's committed offsets: the whole v0-7 response, or one entry of v8's groups. */
type GroupOffsets = Pick<NonNullable<EncodableResponse<typeof OffsetFetch>['groups']>[number], 'errorCode' | 'topics'>;

/** The partitions of an OffsetCommit or TxnOffsetCommit request, as the group coordinator takes them. */
interface CommitRequestTopic {
  name: string;
  partitions: {
    partitionIndex: number;
    committedOffset: number;
    committedLeaderEpoch: number;
    committedMetadata: string | null;
  }[];
}

function committedOffsets(topics: readonly CommitRequestTopic[]): OffsetCommitPartition[] {
  return topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      offset: p.committedOffset,
      leaderEpoch: p.committedLeaderEpoch,
      metadata: p.committedMetadata,
    })),
  );
}

function commitResponse(results: readonly PartitionError[]) {
  return {
    throttleTimeMs: 0,
    topics: byTopic(results, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
  };
}

export const handleOffsetCommit = handler(OffsetCommit, async (context, request) => {
  const results = await context.groups.commitOffsets({
    groupId: request.groupId,
    generationId: request.generationIdOrMemberEpoch,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    offsets: committedOffsets(request.topics),
  });
  return commitResponse(results);
});

/** TxnOffsetCommit: offsets in the producer's transaction, pending in the group until its marker. */
export const handleTxnOffsetCommit = handler(TxnOffsetCommit, async (context, request) => {
  const results = await context.groups.commitTransactionalOffsets({
    groupId: request.groupId,
    generationId: request.generationId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    producerId: request.producerId,
    producerEpoch: request.producerEpoch,
    offsets: committedOffsets(request.topics),
  });
  return commitResponse(results);
});

type RequestedTopics = { name: string; partitionIndexes: number[] }[] | null;

async function fetchGroupOffsets(
  context: RequestContext,
  groupId: string,
  topics: RequestedTopics,
  requireStable: boolean,
): Promise<GroupOffsets> {
  const partitions =
    topics === null
      ? null
      : topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
  const result = await context.groups.fetchOffsets({ groupId, partitions, requireStable });
  const topicsOut = byTopic(result.offsets, (o) => ({
    partitionIndex: o.partition,
    committedOffset: o.offset,
    committedLeaderEpoch: o.leaderEpoch,
    metadata: o.metadata,
    errorCode: o.errorCode || result.errorCode,
  }));
  return { errorCode: result.errorCode, topics: topicsOut };
}

/** OffsetFetch v8 batched groups. */
const BATCH_FETCH_VERSION = 8;

export const handleOffsetFetch = handler(OffsetFetch, async (context, request) => {
  const { requireStable } = request;
  if (context.header.apiVersion >= BATCH_FETCH_VERSION) {
    const results = await Promise.all(
      request.groups.map(async (g) => ({
        groupId: g.groupId,
        ...(await fetchGroupOffsets(context, g.groupId, g.topics, requireStable)),
      })),
    );
    return { throttleTimeMs: 0, groups: results };
  }
  const result = await fetchGroupOffsets(context, request.groupId, request.topics, requireStable);
  return { throttleTimeMs: 0, ...result };
});

export const handleOffsetDelete = handler(OffsetDelete, async (context, request) => {
  const result = await context.groups.deleteOffsets({
    groupId: request.groupId,
    partitions: request.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })),
    ),
  });
  return {
    errorCode: result.errorCode,
    throttleTimeMs: 0,
    topics: byTopic(result.partitions, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
  };
});
