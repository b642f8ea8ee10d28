/** A DescribeGroups member as the CLI shows it: its consumer-protocol assignment decoded. */
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, flatten } from '../../group/ConsumerProtocol.js';
import type { GroupMember } from './GroupAdmin.js';

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
