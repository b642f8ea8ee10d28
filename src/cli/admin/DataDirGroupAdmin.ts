/** GroupAdmin in-process: the data directory's own group coordinator. */
import type { Tributary } from '../../client/Tributary.js';
import type { GroupCoordinator } from '../../group/GroupCoordinator.js';
import { describedGroup } from './DescribedMembers.js';
import type { CommittedOffset, GroupAdmin, GroupInfo, GroupListing } from './GroupAdmin.js';
import { checkErrorCode } from './KafkaFailure.js';

export class DataDirGroupAdmin implements GroupAdmin {
  constructor(private readonly tributary: Tributary) {}

  private coordinator(): Promise<GroupCoordinator> {
    return this.tributary.groupCoordinator();
  }

  async list(): Promise<GroupListing[]> {
    const { errorCode, groups } = (await this.coordinator()).listGroups({ statesFilter: [] });
    checkErrorCode('list groups', errorCode);
    return groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState }));
  }

  async describe(groupId: string): Promise<GroupInfo> {
    return describedGroup(groupId, (await this.coordinator()).describeGroups([groupId])[0]!);
  }

  async committed(groupId: string): Promise<CommittedOffset[]> {
    const { errorCode, offsets } = await (
      await this.coordinator()
    ).fetchOffsets({ groupId, partitions: null, requireStable: false });
    checkErrorCode(`fetch offsets of group '${groupId}'`, errorCode);
    return offsets.filter((o) => o.offset >= 0).map(({ topic, partition, offset }) => ({ topic, partition, offset }));
  }

  async commit(groupId: string, offsets: CommittedOffset[]): Promise<void> {
    const results = await (
      await this.coordinator()
    ).commitOffsets({
      groupId,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: offsets.map((o) => ({ ...o, leaderEpoch: -1, metadata: '' })),
    });
    for (const r of results)
      checkErrorCode(`commit offset of ${r.topic}-${r.partition} for group '${groupId}'`, r.errorCode);
  }

  async delete(groupId: string): Promise<void> {
    const [result] = await (await this.coordinator()).deleteGroups([groupId]);
    checkErrorCode(`delete group '${groupId}'`, result!.errorCode);
  }
}
