/**
 * A cluster's group coordinator serves only the `__consumer_offsets` partitions its broker
 * leads, as Kafka's GroupCoordinator.onElection / onResignation (GroupMetadataManager's
 * ownedPartitions, loadingPartitions and epochForPartitionId): NOT_COORDINATOR before an
 * election, COORDINATOR_LOAD_IN_PROGRESS while the partition loads, the group and its
 * offsets as the log holds them after, NOT_COORDINATOR again (and a waiting JoinGroup
 * answered so) once resigned; a resignation older than the last election changes nothing.
 */
import { describe, expect, test } from 'vitest';
import { KafkaErrors as E } from '../../src/errors.js';
import type { GroupCoordinator } from '../../src/group/GroupCoordinator.js';
import { joinRequest, setup, stableGroup } from '../helpers/groups.js';

const commit = (c: GroupCoordinator, offset: number) =>
  c.commitOffsets({
    groupId: 'g',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    offsets: [{ topic: 'orders', partition: 0, offset, leaderEpoch: -1, metadata: null }],
  });
const fetchOffset = async (c: GroupCoordinator) => {
  const r = await c.fetchOffsets({
    groupId: 'g',
    partitions: [{ topic: 'orders', partition: 0 }],
    requireStable: false,
  });
  return [r.errorCode, r.offsets[0]?.offset ?? null];
};

async function clusterCoordinator(dataDir?: string) {
  const fixture = await setup(
    {
      cluster: { offsetsTopicPartitionCount: () => 5, containsPartition: (t, p) => t === 'orders' && p < 6 },
    },
    dataDir,
  );
  // LeaderAndIsr creates the partition's log on a cluster's broker.
  if (!fixture.engine.hasTopic('__consumer_offsets'))
    fixture.engine.createTopic('__consumer_offsets', { partitions: 5 });
  return fixture;
}

describe('GroupCoordinator in a cluster: onElection and onResignation', () => {
  test('NOT_COORDINATOR, then COORDINATOR_LOAD_IN_PROGRESS while loading, then served; unloaded on resignation', async () => {
    const { coordinator: c } = await clusterCoordinator();
    const p = c.partitionFor('g');
    expect(await commit(c, 5)).toEqual([{ topic: 'orders', partition: 0, errorCode: E.NOT_COORDINATOR.code }]);
    const loaded = c.onElection(p, 3);
    expect(await fetchOffset(c)).toEqual([E.COORDINATOR_LOAD_IN_PROGRESS.code, null]);
    expect(c.listGroups({ statesFilter: [] }).errorCode).toBe(E.COORDINATOR_LOAD_IN_PROGRESS.code);
    await loaded;
    expect(await commit(c, 5)).toEqual([{ topic: 'orders', partition: 0, errorCode: 0 }]);
    expect(await fetchOffset(c)).toEqual([0, 5]);
    // Another partition's groups are not served here.
    const other = ['a', 'b', 'c', 'd', 'e', 'f'].find((id) => c.partitionFor(id) !== p)!;
    const join = await c.joinGroup(joinRequest({ groupId: other }));
    expect(join.errorCode).toBe(E.NOT_COORDINATOR.code);

    // A resignation older than the election is stale; a newer one unloads the group.
    c.onResignation(p, 2);
    expect(await fetchOffset(c)).toEqual([0, 5]);
    c.onResignation(p, 4);
    expect(await fetchOffset(c)).toEqual([E.NOT_COORDINATOR.code, null]);

    // Elected again: the group and its offsets come back from the log.
    await c.onElection(p, 5);
    expect(await fetchOffset(c)).toEqual([0, 5]);
  });

  test('a resignation answers the waiting JoinGroup with NOT_COORDINATOR and stops the group', async () => {
    const { coordinator: c } = await clusterCoordinator();
    const p = c.partitionFor('g');
    await c.onElection(p, 0);
    const [member] = await stableGroup(c, [{ clientId: 'a' }]);
    // A second member's join waits for the first to rejoin.
    const waiting = c.joinGroup(joinRequest({ clientId: 'b' }));
    c.onResignation(p, undefined);
    expect((await waiting).errorCode).toBe(E.NOT_COORDINATOR.code);
    const hb = await c.heartbeat({ groupId: 'g', generationId: 1, memberId: member!.memberId, groupInstanceId: null });
    expect(hb.errorCode).toBe(E.NOT_COORDINATOR.code);
    // Loaded again: the stable group and its member, as its metadata record left them.
    await c.onElection(p, 1);
    const described = c.describeGroups(['g'])[0]!;
    expect([described.groupState, described.members.map((m) => m.memberId)]).toEqual(['Stable', [member!.memberId]]);
  });
});
