/** A DescribeGroups group as the CLI shows it: each member's consumer-protocol assignment decoded. */
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, flatten } from '../../group/ConsumerProtocol.js';
import type { GroupInfo, GroupMember } from './GroupAdmin.js';
import { checkErrorCode } from './KafkaFailure.js';

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberAssignment: Buffer;
}

export function groupMember(protocolType: string, m: DescribedMember): GroupMember {
  const assignment =
    protocolType === CONSUMER_PROTOCOL_TYPE ? flatten(decodeAssignment(m.memberAssignment).assignedPartitions) : [];
  return {
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    assignment,
  };
}

/** A described group (over the wire or in-process, the same fields), or its error as a KafkaFailure. */
export interface DescribedGroup {
  errorCode: number;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: readonly DescribedMember[];
}

export function describedGroup(groupId: string, g: DescribedGroup): GroupInfo {
  checkErrorCode(`describe group '${groupId}'`, g.errorCode);
  return {
    groupId,
    state: g.groupState,
    protocolType: g.protocolType,
    protocol: g.protocolData,
    members: g.members.map((m) => groupMember(g.protocolType, m)),
  };
}
