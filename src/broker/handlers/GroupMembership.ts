/** JoinGroup, SyncGroup, Heartbeat, LeaveGroup: the wire shapes of the GroupCoordinator's calls. */
import type { JoinGroupRequest as GroupJoinRequest } from '../../group/GroupCoordinator.js';
import type { Struct } from '../../protocol/index.js';
import type { RequestHandler } from '../RequestContext.js';

/** What JoinGroup carries; the coordinator's call adds who is asking and the version's rules. */
type JoinGroupRequest = Omit<GroupJoinRequest, 'clientId' | 'clientHost' | 'requireKnownMemberId'>;

/** JoinGroup v4+ members must rejoin with the id they are given first (KIP-394). */
const KNOWN_MEMBER_ID_VERSION = 4;

export const handleJoinGroup: RequestHandler = async (context, body) => {
  const request = body as unknown as JoinGroupRequest;
  const result = await context.groups.joinGroup({
    ...request,
    // JoinGroup v0 has no rebalance timeout: Kafka uses the session timeout.
    rebalanceTimeoutMs: request.rebalanceTimeoutMs < 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
    clientId: context.header.clientId ?? '',
    clientHost: context.clientHost,
    requireKnownMemberId: context.header.apiVersion >= KNOWN_MEMBER_ID_VERSION,
  });
  // Before v7 the protocol name is not nullable.
  const protocolName = result.protocolName ?? (context.header.apiVersion < 7 ? '' : null);
  return { throttleTimeMs: 0, ...result, protocolName };
};

export const handleSyncGroup: RequestHandler = async (context, body) => {
  const result = await context.groups.syncGroup(body as never);
  return { throttleTimeMs: 0, ...result };
};

export const handleHeartbeat: RequestHandler = async (context, body) => {
  const result = await context.groups.heartbeat(body as never);
  return { throttleTimeMs: 0, ...result };
};

interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; reason: string | null }[];
}

/** LeaveGroup v3 made it a batch; before, one member id, and its error is the response's. */
const BATCH_LEAVE_VERSION = 3;

export const handleLeaveGroup: RequestHandler = async (context, body) => {
  const request = body as unknown as LeaveGroupRequest;
  const batch = context.header.apiVersion >= BATCH_LEAVE_VERSION;
  const members = batch ? request.members : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
  const result = await context.groups.leaveGroup({ groupId: request.groupId, members });
  const errorCode = batch ? result.errorCode : result.errorCode || (result.members[0]?.errorCode ?? 0);
  return { throttleTimeMs: 0, errorCode, members: result.members } satisfies Struct;
};
