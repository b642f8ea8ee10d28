/** GroupAdmin over the Kafka protocol: ListGroups, DescribeGroups, OffsetFetch, OffsetCommit, DeleteGroups (the broker is the coordinator). */
import type { BrokerConnection } from '../../client/BrokerConnection.js';
import { groupByTopic } from '../../group/ConsumerProtocol.js';
import { ApiKey } from '../../protocol/index.js';
import { DeleteGroups } from '../../protocol/messages/DeleteGroups.js';
import { DescribeGroups } from '../../protocol/messages/DescribeGroups.js';
import { ListGroups } from '../../protocol/messages/ListGroups.js';
import { OffsetCommit } from '../../protocol/messages/OffsetCommit.js';
import { OffsetFetch } from '../../protocol/messages/OffsetFetch.js';
import { describedGroup } from './DescribedMembers.js';
import type { CommittedOffset, GroupAdmin, GroupInfo, GroupListing } from './GroupAdmin.js';
import { checkErrorCode } from './KafkaFailure.js';

/** OffsetFetch v8 asks per group; older versions for one group at the top level. */
const OFFSET_FETCH_GROUPS_VERSION = 8;

export class BrokerGroupAdmin implements GroupAdmin {
  constructor(private readonly connection: BrokerConnection) {}

  async list(): Promise<GroupListing[]> {
    const response = await this.connection.request(ListGroups, { statesFilter: [] });
    checkErrorCode('list groups', response.errorCode);
    return response.groups.map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType,
      state: g.groupState,
    }));
  }

  async describe(groupId: string): Promise<GroupInfo> {
    const response = await this.connection.request(DescribeGroups, {
      groups: [groupId],
      includeAuthorizedOperations: false,
    });
    return describedGroup(groupId, response.groups[0]!);
  }

  async committed(groupId: string): Promise<CommittedOffset[]> {
    const what = `fetch offsets of group '${groupId}'`;
    const perGroup = this.connection.versionOf(ApiKey.OffsetFetch) >= OFFSET_FETCH_GROUPS_VERSION;
    const request = perGroup
      ? { groups: [{ groupId, topics: null }], requireStable: false }
      : { groupId, topics: null, requireStable: false };
    const response = await this.connection.request(OffsetFetch, request);
    const result = perGroup ? response.groups[0]! : response;
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
    const response = await this.connection.request(OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics,
    });
    for (const t of response.topics) {
      for (const p of t.partitions)
        checkErrorCode(`commit offset of ${t.name}-${p.partitionIndex} for group '${groupId}'`, p.errorCode);
    }
  }

  async delete(groupId: string): Promise<void> {
    const response = await this.connection.request(DeleteGroups, { groupsNames: [groupId] });
    const [result] = response.results;
    checkErrorCode(`delete group '${groupId}'`, result!.errorCode);
  }
}
