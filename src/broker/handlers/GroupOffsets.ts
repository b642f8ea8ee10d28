/** OffsetCommit, OffsetFetch, OffsetDelete: committed offsets through the GroupCoordinator. */
import type { Struct } from '../../protocol/index.js';
import { byTopic } from '../../protocol/TopicGroups.js';
import type { RequestContext, RequestHandler } from '../RequestContext.js';

interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }[];
  }[];
}

export const handleOffsetCommit: RequestHandler = async (context, body) => {
  const request = body as unknown as OffsetCommitRequest;
  const results = await context.groups.commitOffsets({
    groupId: request.groupId,
    generationId: request.generationIdOrMemberEpoch,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    offsets: request.topics.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata,
      })),
    ),
  });
  return {
    throttleTimeMs: 0,
    topics: byTopic(results, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
  };
};

type RequestedTopics = { name: string; partitionIndexes: number[] }[] | null;

async function fetchGroupOffsets(
  context: RequestContext,
  groupId: string,
  topics: RequestedTopics,
  requireStable: boolean,
): Promise<{ errorCode: number; topics: Struct[] }> {
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

export const handleOffsetFetch: RequestHandler = async (context, body) => {
  const requireStable = body.requireStable as boolean;
  if (context.header.apiVersion >= BATCH_FETCH_VERSION) {
    const groups = body.groups as { groupId: string; topics: RequestedTopics }[];
    const results = await Promise.all(
      groups.map(async (g) => ({
        groupId: g.groupId,
        ...(await fetchGroupOffsets(context, g.groupId, g.topics, requireStable)),
      })),
    );
    return { throttleTimeMs: 0, groups: results };
  }
  const result = await fetchGroupOffsets(
    context,
    body.groupId as string,
    body.topics as RequestedTopics,
    requireStable,
  );
  return { throttleTimeMs: 0, ...result };
};

export const handleOffsetDelete: RequestHandler = async (context, body) => {
  const topics = body.topics as { name: string; partitions: { partitionIndex: number }[] }[];
  const result = await context.groups.deleteOffsets({
    groupId: body.groupId as string,
    partitions: topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex }))),
  });
  return {
    errorCode: result.errorCode,
    throttleTimeMs: 0,
    topics: byTopic(result.partitions, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
  };
};
