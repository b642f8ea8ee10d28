/** Consumer-group administration as the `groups` command needs it, on either target. */
import type { PartitionRef } from './TopicAdmin.js';

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The partitions of its consumer-protocol assignment. */
  assignment: PartitionRef[];
}

export interface GroupInfo {
  groupId: string;
  state: string;
  protocolType: string;
  /** The assignor the members chose (empty unless Stable). */
  protocol: string;
  members: GroupMember[];
}

export interface CommittedOffset extends PartitionRef {
  offset: number;
}

export interface GroupAdmin {
  list(): Promise<GroupListing[]>;
  /** State Dead for a group that does not exist. */
  describe(groupId: string): Promise<GroupInfo>;
  committed(groupId: string): Promise<CommittedOffset[]>;
  /** A commit from outside group management (generation -1, no member id): only an Empty group takes it. */
  commit(groupId: string, offsets: CommittedOffset[]): Promise<void>;
  delete(groupId: string): Promise<void>;
}
