/** GroupAdmin over the Kafka protocol: ListGroups, DescribeGroups, OffsetFetch, OffsetCommit, DeleteGroups (the broker is the coordinator). */
import type { BrokerConnection } from '../../client/BrokerConnection.js';
import { groupByTopic } from '../../group/ConsumerProtocol.js';
import { ApiKey } from '../../protocol/index.js';
import { groupMember, type DescribedMember } from './DescribedMembers.js';
import type { CommittedOffset, GroupAdmin, GroupInfo, GroupListing } from './GroupAdmin.js';
import { checkErrorCode } from './KafkaFailure.js';

/** OffsetFetch v8 asks per group; older versions for one group at the top level. */
const OFFSET_FETCH_GROUPS_VERSION = 8;

interface FetchedTopic {
  name: string;
  partitions: { partitionIndex: number; committedOffset: number; errorCode: number }[];
}

export class BrokerGroupAdmin implements GroupAdmin {
  constructor(private readonly connection: BrokerConnection) {}

  async list(): Promise<GroupListing[]> {
    const response = await this.connection.request(ApiKey.ListGroups, { statesFilter: [] });
    checkErrorCode('list groups', response.errorCode as number);
    return (response.groups as { groupId: string; protocolType: string; groupState: string }[]).map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType,
      state: g.groupState,
    }));
  }

  async describe(groupId: string): Promise<GroupInfo> {
    const response = await this.connection.request(ApiKey.DescribeGroups, {
      groups: [groupId],
      includeAuthorizedOperations: false,
    });
    const [g] = response.groups as {
      errorCode: number;
      groupState: string;
      protocolType: string;
      protocolData: string;
      members: DescribedMember[];
    }[];
    checkErrorCode(`describe group '${groupId}'`, g!.errorCode);
    return {
      groupId,
      state: g!.groupState,
      protocolType: g!.protocolType,
      protocol: g!.protocolData,
      members: g!.members.map((m) => groupMember(g!.protocolType, m)),
    };
  }

  async committed(groupId: string): Promise<CommittedOffset[]> {
    const what = `fetch offsets of group '${groupId}'`;
    const perGroup = this.connection.versionOf(ApiKey.OffsetFetch) >= OFFSET_FETCH_GROUPS_VERSION;
    const request = perGroup
      ? { groups: [{ groupId, topics: null }], requireStable: false }
      : { groupId, topics: null, requireStable: false };
    const response = await this.connection.request(ApiKey.OffsetFetch, request);
    const result = perGroup
      ? (response.groups as { errorCode: number; topics: FetchedTopic[] }[])[0]!
      : (response as unknown as { errorCode: number; topics: FetchedTopic[] });
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
    const response = await this.connection.request(ApiKey.OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics,
    });
    for (const t of response.topics as {
      name: string;
      partitions: { partitionIndex: number; errorCode: number }[];
    }[]) {
      for (const p of t.partitions)
        checkErrorCode(`commit offset of ${t.name}-${p.partitionIndex} for group '${groupId}'`, p.errorCode);
    }
  }

  async delete(groupId: string): Promise<void> {
    const response = await this.connection.request(ApiKey.DeleteGroups, { groupsNames: [groupId] });
    const [result] = response.results as { errorCode: number }[];
    checkErrorCode(`delete group '${groupId}'`, result!.errorCode);
  }
}
