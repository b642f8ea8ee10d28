/** JoinGroup, SyncGroup, Heartbeat, LeaveGroup: the wire shapes of the GroupCoordinator's calls. */
import { Heartbeat } from '../../protocol/messages/Heartbeat.js';
import { JoinGroup } from '../../protocol/messages/JoinGroup.js';
import { LeaveGroup } from '../../protocol/messages/LeaveGroup.js';
import { SyncGroup } from '../../protocol/messages/SyncGroup.js';
import { handler } from '../RequestContext.js';

/** JoinGroup v4+ members must rejoin with the id they are given first (KIP-394). */
const KNOWN_MEMBER_ID_VERSION = 4;

export const handleJoinGroup = handler(JoinGroup, async (context, request) => {
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
});

export const handleSyncGroup = handler(SyncGroup, async (context, request) => {
  const result = await context.groups.syncGroup(request);
  return { throttleTimeMs: 0, ...result };
});

export const handleHeartbeat = handler(Heartbeat, async (context, request) => {
  const result = await context.groups.heartbeat(request);
  return { throttleTimeMs: 0, ...result };
});

/** LeaveGroup v3 made it a batch; before, one member id, and its error is the response's. */
const BATCH_LEAVE_VERSION = 3;

export const handleLeaveGroup = handler(LeaveGroup, async (context, request) => {
  const batch = context.header.apiVersion >= BATCH_LEAVE_VERSION;
  const members = batch ? request.members : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
  const result = await context.groups.leaveGroup({ groupId: request.groupId, members });
  const errorCode = batch ? result.errorCode : result.errorCode || (result.members[0]?.errorCode ?? 0);
  return { throttleTimeMs: 0, errorCode, members: result.members };
});
