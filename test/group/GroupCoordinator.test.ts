import { describe, expect, test, vi } from 'vitest';
import { KafkaErrors as E } from '../../src/errors.js';
import type { GroupCoordinator, JoinGroupResult } from '../../src/group/GroupCoordinator.js';
import {
  heartbeat,
  joinAll,
  joinRequest,
  REBALANCE,
  SESSION,
  settle,
  setup,
  stableGroup,
  subscription,
  teardown,
} from '../helpers/groups.js';

describe('GroupCoordinator: join and sync', () => {
  test('three members join one generation, the leader gets every member, and each syncs its own assignment', async () => {
    const { coordinator: c } = await setup({ groupInitialRebalanceDelayMs: 100 });
    const joined = await joinAll(c, [{ clientId: 'a' }, { clientId: 'b' }, { clientId: 'c' }]);
    expect(joined.map((j) => j.errorCode)).toEqual([0, 0, 0]);
    expect(new Set(joined.map((j) => j.generationId))).toEqual(new Set([1]));
    expect(new Set(joined.map((j) => j.leader)).size).toBe(1);
    expect(joined.map((j) => j.memberId.split('-')[0])).toEqual(['a', 'b', 'c']);
    expect(joined[0]!.memberId).toMatch(/^a-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const leader = joined.find((j) => j.memberId === j.leader)!;
    const followers = joined.filter((j) => j !== leader);
    expect(leader.members.map((m) => m.memberId).sort()).toEqual(joined.map((j) => j.memberId).sort());
    expect(leader.members[0]!.metadata).toEqual(subscription('orders'));
    for (const f of followers) expect(f.members).toEqual([]);
    expect(joined.every((j) => j.protocolType === 'consumer' && j.protocolName === 'range')).toBe(true);

    // Followers wait for the leader's assignment.
    const followerSyncs = followers.map((f) =>
      c.syncGroup({
        groupId: 'g',
        generationId: 1,
        memberId: f.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: [],
      }),
    );
    let answered = false;
    void Promise.all(followerSyncs).then(() => (answered = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(answered).toBe(false);
    expect(c.describeGroups(['g'])[0]!.groupState).toBe('CompletingRebalance');

    const assignments = joined.map((j) => ({ memberId: j.memberId, assignment: Buffer.from(`for ${j.memberId}`) }));
    const leaderSync = await c.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: leader.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments,
    });
    expect(leaderSync).toEqual({
      errorCode: 0,
      protocolType: 'consumer',
      protocolName: 'range',
      assignment: Buffer.from(`for ${leader.memberId}`),
    });
    const synced = await Promise.all(followerSyncs);
    synced.forEach((s, i) => expect(s.assignment.toString()).toBe(`for ${followers[i]!.memberId}`));

    const [described] = c.describeGroups(['g']);
    expect(described).toMatchObject({
      errorCode: 0,
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
    });
    expect(described!.members.map((m) => m.memberAssignment.toString()).sort()).toEqual(
      assignments.map((a) => a.assignment.toString()).sort(),
    );
    expect(described!.members[0]).toMatchObject({ clientHost: '/127.0.0.1', groupInstanceId: null });
    for (const j of joined) expect(await heartbeat(c, j)).toBe(0);
  });

  test('a stable follower rejoining with the same metadata gets the current generation without a rebalance', async () => {
    const { coordinator: c } = await setup();
    const [a, b] = await stableGroup(c, [{ clientId: 'a' }, { clientId: 'b' }]).then((j) => [j[0]!, j[1]!] as const);
    const follower = a.memberId === a.leader ? b : a;
    const again = await c.joinGroup(joinRequest({ memberId: follower.memberId }));
    expect(again).toMatchObject({
      errorCode: 0,
      generationId: follower.generationId,
      leader: follower.leader,
      members: [],
    });
    expect(c.describeGroups(['g'])[0]!.groupState).toBe('Stable');
  });

  test('protocol selection: among the protocols all members support, the one most members prefer', async () => {
    const { coordinator: c } = await setup({ groupInitialRebalanceDelayMs: 100 });
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
    const joined = await joinAll(c, [
      { protocols: p('range', 'roundrobin', 'sticky') },
      { protocols: p('roundrobin', 'range') },
      { protocols: p('roundrobin', 'range', 'sticky') },
    ]);
    expect(joined.map((j) => j.protocolName)).toEqual(['roundrobin', 'roundrobin', 'roundrobin']);
    const leader = joined.find((j) => j.memberId === j.leader)!;
    expect(leader.members.map((m) => m.metadata.toString())).toEqual(['roundrobin', 'roundrobin', 'roundrobin']);

    const other = await setup({ groupInitialRebalanceDelayMs: 100 });
    const only = await joinAll(other.coordinator, [{ protocols: p('a', 'b') }, { protocols: p('c', 'b') }]);
    expect(only.map((j) => j.protocolName)).toEqual(['b', 'b']);
  });

  test('a joiner sharing no protocol (or protocol type) with the group gets INCONSISTENT_GROUP_PROTOCOL, and the group goes on', async () => {
    const { coordinator: c } = await setup();
    const [member] = await stableGroup(c, [{}]);
    const noCommon = await c.joinGroup(joinRequest({ protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }));
    expect(noCommon).toMatchObject({ errorCode: E.INCONSISTENT_GROUP_PROTOCOL.code, memberId: '', generationId: -1 });
    const otherType = await c.joinGroup(joinRequest({ protocolType: 'connect' }));
    expect(otherType.errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL.code);
    const none = await c.joinGroup(joinRequest({ groupId: 'fresh', protocols: [] }));
    expect(none.errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL.code);
    expect(c.describeGroups(['g'])[0]).toMatchObject({
      groupState: 'Stable',
      members: [{ memberId: member!.memberId }],
    });
    expect(await heartbeat(c, member!)).toBe(0);
    const badSync = await c.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: member!.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'roundrobin',
      assignments: [],
    });
    expect(badSync.errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL.code);
  });

  test('the initial rebalance delay waits for more members, and again while they keep coming', async () => {
    const { coordinator: c } = await setup({ groupInitialRebalanceDelayMs: 100 });
    const settled: JoinGroupResult[] = [];
    const first = c.joinGroup(joinRequest({ clientId: 'a' })).then((j) => settled.push(j));
    await vi.advanceTimersByTimeAsync(90);
    const second = c.joinGroup(joinRequest({ clientId: 'b' })).then((j) => settled.push(j));
    await vi.advanceTimersByTimeAsync(20);
    expect(settled).toEqual([]);
    await vi.advanceTimersByTimeAsync(90);
    await Promise.all([first, second]);
    expect(settled.map((j) => [j.generationId, j.errorCode])).toEqual([
      [1, 0],
      [1, 0],
    ]);
    expect(settled.find((j) => j.memberId === j.leader)!.members).toHaveLength(2);
  });

  test('KIP-394: a first join without a member id gets MEMBER_ID_REQUIRED and its id, then joins with it', async () => {
    const { coordinator: c } = await setup();
    const first = await c.joinGroup(joinRequest({ clientId: 'kip', requireKnownMemberId: true }));
    expect(first.errorCode).toBe(E.MEMBER_ID_REQUIRED.code);
    expect(first.memberId).toMatch(/^kip-/);
    expect(c.describeGroups(['g'])[0]!.members).toEqual([]);
    const second = await settle(
      c.joinGroup(joinRequest({ clientId: 'kip', memberId: first.memberId, requireKnownMemberId: true })),
    );
    expect(second).toMatchObject({ errorCode: 0, memberId: first.memberId, leader: first.memberId, generationId: 1 });
  });

  test('KIP-394: a pending member id that is not used within the session timeout expires', async () => {
    const { coordinator: c } = await setup();
    const first = await c.joinGroup(joinRequest({ requireKnownMemberId: true }));
    await vi.advanceTimersByTimeAsync(SESSION + 1);
    const late = await c.joinGroup(joinRequest({ memberId: first.memberId, requireKnownMemberId: true }));
    expect(late.errorCode).toBe(E.UNKNOWN_MEMBER_ID.code);
  });
});

describe('GroupCoordinator: liveness', () => {
  test('a member that stops heartbeating is evicted after its session timeout and the others rebalance', async () => {
    const { coordinator: c } = await setup();
    const [a, b] = await stableGroup(c, [{ clientId: 'a' }, { clientId: 'b' }]).then((j) => [j[0]!, j[1]!] as const);
    await vi.advanceTimersByTimeAsync(SESSION / 2);
    expect(await heartbeat(c, a)).toBe(0);
    await vi.advanceTimersByTimeAsync(SESSION / 2 - 10);
    expect(await heartbeat(c, a)).toBe(0);
    await vi.advanceTimersByTimeAsync(20);
    // b said nothing for a whole session timeout: gone, and a is told to rejoin.
    expect(c.describeGroups(['g'])[0]).toMatchObject({
      groupState: 'PreparingRebalance',
      members: [{ memberId: a.memberId }],
    });
    expect(await heartbeat(c, a)).toBe(E.REBALANCE_IN_PROGRESS.code);
    expect(await heartbeat(c, b)).toBe(E.UNKNOWN_MEMBER_ID.code);
    const rejoined = await c.joinGroup(joinRequest({ clientId: 'a', memberId: a.memberId }));
    expect(rejoined).toMatchObject({
      errorCode: 0,
      generationId: 2,
      leader: a.memberId,
      members: [{ memberId: a.memberId }],
    });
  });

  test('members that do not rejoin within the rebalance timeout are removed from the next generation', async () => {
    const { coordinator: c } = await setup();
    const [a, b] = await stableGroup(c, [{ clientId: 'a' }, { clientId: 'b' }]).then((j) => [j[0]!, j[1]!] as const);
    const leader = a.memberId === a.leader ? a : b;
    const follower = leader === a ? b : a;
    const leaderJoin = c.joinGroup(joinRequest({ memberId: leader.memberId }));
    // The follower keeps heartbeating (told to rejoin) but never rejoins.
    for (let t = 0; t < REBALANCE / 500 - 1; t++) {
      await vi.advanceTimersByTimeAsync(500);
      expect(await heartbeat(c, follower)).toBe(E.REBALANCE_IN_PROGRESS.code);
    }
    await vi.advanceTimersByTimeAsync(501);
    expect(await leaderJoin).toMatchObject({ errorCode: 0, generationId: 2, members: [{ memberId: leader.memberId }] });
    expect(await heartbeat(c, follower)).toBe(E.UNKNOWN_MEMBER_ID.code);
  });

  test('a member that never sends SyncGroup is removed after the rebalance timeout', async () => {
    const { coordinator: c } = await setup({ groupInitialRebalanceDelayMs: 100 });
    const joined = await joinAll(c, [{ clientId: 'a' }, { clientId: 'b' }]);
    const leader = joined.find((j) => j.memberId === j.leader)!;
    const silent = joined.find((j) => j !== leader)!;
    const sync = c.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: leader.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    expect((await sync).errorCode).toBe(0);
    for (let t = 0; t < REBALANCE / 500 + 1; t++) {
      await vi.advanceTimersByTimeAsync(500);
      await heartbeat(c, leader);
    }
    expect(c.describeGroups(['g'])[0]!.members.map((m) => m.memberId)).toEqual([leader.memberId]);
    expect(await heartbeat(c, silent)).toBe(E.UNKNOWN_MEMBER_ID.code);
  });
});

describe('GroupCoordinator: static membership', () => {
  test('a static member rejoining without its member id replaces the old id without a rebalance; the old id is fenced', async () => {
    const { coordinator: c } = await setup();
    const [a, b] = await stableGroup(c, [
      { clientId: 'a', groupInstanceId: 'instance-a' },
      { clientId: 'b', groupInstanceId: 'instance-b' },
    ]).then((j) => [j[0]!, j[1]!] as const);
    expect(a.memberId).toMatch(/^instance-a-/);
    const replaced = await c.joinGroup(joinRequest({ clientId: 'a', groupInstanceId: 'instance-a' }));
    expect(replaced).toMatchObject({ errorCode: 0, generationId: 1, leader: a.leader });
    expect(replaced.memberId).not.toBe(a.memberId);
    expect(replaced.memberId).toMatch(/^instance-a-/);
    const [described] = c.describeGroups(['g']);
    expect(described!.groupState).toBe('Stable');
    expect(described!.members.map((m) => m.memberId).sort()).toEqual([replaced.memberId, b.memberId].sort());
    // The replacement keeps the assignment: it syncs in the same generation.
    const sync = await c.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: replaced.memberId,
      groupInstanceId: 'instance-a',
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [],
    });
    expect(sync.errorCode).toBe(0);
    expect(sync.assignment).toEqual(described!.members.find((m) => m.memberId === replaced.memberId)!.memberAssignment);
    expect(await heartbeat(c, a, 'instance-a')).toBe(E.FENCED_INSTANCE_ID.code);
    expect(await heartbeat(c, { ...replaced }, 'instance-a')).toBe(0);
    expect(await heartbeat(c, b, 'instance-b')).toBe(0);
    const fencedCommit = await c.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: a.memberId,
      groupInstanceId: 'instance-a',
      offsets: [{ topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }],
    });
    expect(fencedCommit[0]!.errorCode).toBe(E.FENCED_INSTANCE_ID.code);
  });

  test('a static member rejoining with other protocols triggers a rebalance', async () => {
    const { coordinator: c } = await setup();
    await stableGroup(c, [{ groupInstanceId: 'solo' }]);
    const join = await c.joinGroup(
      joinRequest({
        groupInstanceId: 'solo',
        protocols: [
          { name: 'roundrobin', metadata: Buffer.alloc(0) },
          { name: 'range', metadata: Buffer.alloc(0) },
        ],
      }),
    );
    expect(join).toMatchObject({ errorCode: 0, generationId: 2, protocolName: 'roundrobin' });
  });

  test('static members are not removed for missing a rebalance; leave by instance id removes them', async () => {
    const { coordinator: c } = await setup();
    const [a, b] = await stableGroup(c, [{ groupInstanceId: 'ia' }, { groupInstanceId: 'ib' }]).then(
      (j) => [j[0]!, j[1]!] as const,
    );
    const left = await c.leaveGroup({
      groupId: 'g',
      members: [
        { memberId: '', groupInstanceId: 'ib' },
        { memberId: '', groupInstanceId: 'nobody' },
      ],
    });
    expect(left).toEqual({
      errorCode: 0,
      members: [
        { memberId: '', groupInstanceId: 'ib', errorCode: 0 },
        { memberId: '', groupInstanceId: 'nobody', errorCode: E.UNKNOWN_MEMBER_ID.code },
      ],
    });
    expect(await heartbeat(c, b, 'ib')).toBe(E.UNKNOWN_MEMBER_ID.code);
    expect(await heartbeat(c, a, 'ia')).toBe(E.REBALANCE_IN_PROGRESS.code);
  });
});

describe('GroupCoordinator: leave', () => {
  test('a member leaving by member id triggers a rebalance; the last one leaving empties the group', async () => {
    const { coordinator: c } = await setup();
    const [a, b] = await stableGroup(c, [{ clientId: 'a' }, { clientId: 'b' }]).then((j) => [j[0]!, j[1]!] as const);
    const left = await c.leaveGroup({
      groupId: 'g',
      members: [{ memberId: b.memberId, groupInstanceId: null, reason: 'shutting down' }],
    });
    expect(left.members).toEqual([{ memberId: b.memberId, groupInstanceId: null, errorCode: 0 }]);
    expect(c.describeGroups(['g'])[0]!.groupState).toBe('PreparingRebalance');
    const rejoined = await settle(c.joinGroup(joinRequest({ memberId: a.memberId })));
    expect(rejoined).toMatchObject({ generationId: 2, leader: a.memberId });
    await c.leaveGroup({ groupId: 'g', members: [{ memberId: a.memberId, groupInstanceId: null }] });
    expect(c.describeGroups(['g'])[0]).toMatchObject({ groupState: 'Empty', members: [] });
    expect(c.listGroups({ statesFilter: ['empty'] }).groups).toEqual([
      { groupId: 'g', protocolType: 'consumer', groupState: 'Empty' },
    ]);
  });

  test('unknown members and groups', async () => {
    const { coordinator: c } = await setup();
    const unknownGroup = await c.leaveGroup({ groupId: 'nope', members: [{ memberId: 'm', groupInstanceId: null }] });
    expect(unknownGroup).toEqual({
      errorCode: 0,
      members: [{ memberId: 'm', groupInstanceId: null, errorCode: E.UNKNOWN_MEMBER_ID.code }],
    });
    await stableGroup(c, [{}]);
    const unknownMember = await c.leaveGroup({ groupId: 'g', members: [{ memberId: 'm', groupInstanceId: null }] });
    expect(unknownMember.members[0]!.errorCode).toBe(E.UNKNOWN_MEMBER_ID.code);
  });
});

describe('GroupCoordinator: error codes', () => {
  test('join: INVALID_SESSION_TIMEOUT, UNKNOWN_MEMBER_ID, INVALID_GROUP_ID, GROUP_MAX_SIZE_REACHED', async () => {
    const { coordinator: c } = await setup({
      groupMaxSessionTimeoutMs: 5000,
      groupMaxSize: 2,
      groupInitialRebalanceDelayMs: 100,
    });
    expect((await c.joinGroup(joinRequest({ sessionTimeoutMs: 99 }))).errorCode).toBe(E.INVALID_SESSION_TIMEOUT.code);
    expect((await c.joinGroup(joinRequest({ sessionTimeoutMs: 5001 }))).errorCode).toBe(E.INVALID_SESSION_TIMEOUT.code);
    expect((await c.joinGroup(joinRequest({ memberId: 'made-up' }))).errorCode).toBe(E.UNKNOWN_MEMBER_ID.code);
    expect((await c.joinGroup(joinRequest({ groupId: '' }))).errorCode).toBe(E.INVALID_GROUP_ID.code);
    const joined = await joinAll(c, [{}, {}, {}]);
    expect(joined.map((j) => j.errorCode).sort()).toEqual([0, 0, E.GROUP_MAX_SIZE_REACHED.code]);
    const [member] = joined.filter((j) => j.errorCode === 0);
    // A full group turns away even an unknown member id before looking it up, as Kafka does.
    expect((await c.joinGroup(joinRequest({ memberId: 'made-up' }))).errorCode).toBe(E.GROUP_MAX_SIZE_REACHED.code);
    expect(await heartbeat(c, member!)).toBe(0);
  });

  test('sync and heartbeat: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS', async () => {
    const { coordinator: c } = await setup();
    const [a, b] = await stableGroup(c, [{}, {}]).then((j) => [j[0]!, j[1]!] as const);
    const sync = (memberId: string, generationId: number) =>
      c
        .syncGroup({
          groupId: 'g',
          generationId,
          memberId,
          groupInstanceId: null,
          protocolType: null,
          protocolName: null,
          assignments: [],
        })
        .then((s) => s.errorCode);
    expect(await sync(a.memberId, 7)).toBe(E.ILLEGAL_GENERATION.code);
    expect(await sync('stranger', 1)).toBe(E.UNKNOWN_MEMBER_ID.code);
    expect(
      await c.syncGroup({
        groupId: 'none',
        generationId: 1,
        memberId: 'x',
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      }),
    ).toMatchObject({
      errorCode: E.UNKNOWN_MEMBER_ID.code,
    });
    expect(await heartbeat(c, { ...a, generationId: 0 })).toBe(E.ILLEGAL_GENERATION.code);
    expect(await heartbeat(c, { ...a, memberId: 'stranger' })).toBe(E.UNKNOWN_MEMBER_ID.code);
    expect(
      (await c.heartbeat({ groupId: 'none', generationId: 1, memberId: 'x', groupInstanceId: null })).errorCode,
    ).toBe(E.UNKNOWN_MEMBER_ID.code);
    expect((await c.heartbeat({ groupId: '', generationId: 1, memberId: 'x', groupInstanceId: null })).errorCode).toBe(
      E.INVALID_GROUP_ID.code,
    );
    const leader = a.memberId === a.leader ? a : b;
    const follower = leader === a ? b : a;
    const rejoin = c.joinGroup(joinRequest({ memberId: leader.memberId }));
    expect(await sync(follower.memberId, 1)).toBe(E.REBALANCE_IN_PROGRESS.code);
    expect(await heartbeat(c, follower)).toBe(E.REBALANCE_IN_PROGRESS.code);
    const commit = await c.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: follower.memberId,
      groupInstanceId: null,
      offsets: [{ topic: 'orders', partition: 0, offset: 5, leaderEpoch: -1, metadata: null }],
    });
    expect(commit[0]!.errorCode).toBe(0);
    const followerRejoin = c.joinGroup(joinRequest({ memberId: follower.memberId }));
    const [l2, f2] = await Promise.all([rejoin, followerRejoin]);
    expect(l2.generationId).toBe(2);
    // CompletingRebalance: commits wait for the assignment.
    const early = await c.commitOffsets({
      groupId: 'g',
      generationId: 2,
      memberId: f2.memberId,
      groupInstanceId: null,
      offsets: [{ topic: 'orders', partition: 0, offset: 6, leaderEpoch: -1, metadata: null }],
    });
    expect(early[0]!.errorCode).toBe(E.REBALANCE_IN_PROGRESS.code);
    expect(await heartbeat(c, f2)).toBe(0);
  });

  test('a rebalance while members wait in SyncGroup answers them REBALANCE_IN_PROGRESS', async () => {
    const { coordinator: c } = await setup({ groupInitialRebalanceDelayMs: 100 });
    const joined = await joinAll(c, [{}, {}]);
    const follower = joined.find((j) => j.memberId !== j.leader)!;
    const waiting = c.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: follower.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    void c.joinGroup(joinRequest({ clientId: 'late' }));
    expect((await waiting).errorCode).toBe(E.REBALANCE_IN_PROGRESS.code);
  });

  test('close answers waiting joins with NOT_COORDINATOR and everything after with COORDINATOR_NOT_AVAILABLE', async () => {
    const f = await setup({ groupInitialRebalanceDelayMs: 100 });
    const pending = f.coordinator.joinGroup(joinRequest());
    await teardown(f);
    expect((await pending).errorCode).toBe(E.NOT_COORDINATOR.code);
    expect((await f.coordinator.joinGroup(joinRequest())).errorCode).toBe(E.COORDINATOR_NOT_AVAILABLE.code);
    expect(f.coordinator.listGroups({ statesFilter: [] }).errorCode).toBe(E.COORDINATOR_NOT_AVAILABLE.code);
    expect((await f.coordinator.fetchOffsets({ groupId: 'g', partitions: null, requireStable: false })).errorCode).toBe(
      E.COORDINATOR_NOT_AVAILABLE.code,
    );
    const commit = await f.coordinator.commitOffsets({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: [{ topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }],
    });
    expect(commit).toEqual([{ topic: 'orders', partition: 0, errorCode: E.COORDINATOR_NOT_AVAILABLE.code }]);
  });
});

describe('GroupCoordinator: offsets', () => {
  const commitOne = (c: GroupCoordinator, j: JoinGroupResult, offset: number, metadata: string | null = null) =>
    c.commitOffsets({
      groupId: 'g',
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      offsets: [{ topic: 'orders', partition: 1, offset, leaderEpoch: 3, metadata }],
    });

  test('members commit and fetch; partitions without a commit fetch -1', async () => {
    const { coordinator: c } = await setup();
    const [m] = await stableGroup(c, [{}]);
    expect(await commitOne(c, m!, 42, 'meta')).toEqual([{ topic: 'orders', partition: 1, errorCode: 0 }]);
    expect(await commitOne(c, m!, 43)).toEqual([{ topic: 'orders', partition: 1, errorCode: 0 }]);
    const fetched = await c.fetchOffsets({
      groupId: 'g',
      partitions: [
        { topic: 'orders', partition: 1 },
        { topic: 'orders', partition: 2 },
      ],
      requireStable: true,
    });
    expect(fetched).toEqual({
      errorCode: 0,
      offsets: [
        { topic: 'orders', partition: 1, offset: 43, leaderEpoch: 3, metadata: '', errorCode: 0 },
        { topic: 'orders', partition: 2, offset: -1, leaderEpoch: -1, metadata: '', errorCode: 0 },
      ],
    });
    expect(
      (await c.fetchOffsets({ groupId: 'g', partitions: null, requireStable: false })).offsets.map((o) => o.offset),
    ).toEqual([43]);
    expect(await c.fetchOffsets({ groupId: 'unknown', partitions: null, requireStable: false })).toEqual({
      errorCode: 0,
      offsets: [],
    });
  });

  test('a fetch requiring stable offsets gets UNSTABLE_OFFSET_COMMIT for a partition whose commit is still being written', async () => {
    const { coordinator: c } = await setup();
    const [m] = await stableGroup(c, [{}]);
    await commitOne(c, m!, 1);
    const writing = commitOne(c, m!, 2);
    const partitions = [{ topic: 'orders', partition: 1 }];
    expect((await c.fetchOffsets({ groupId: 'g', partitions, requireStable: true })).offsets[0]).toMatchObject({
      offset: -1,
      errorCode: E.UNSTABLE_OFFSET_COMMIT.code,
    });
    expect((await c.fetchOffsets({ groupId: 'g', partitions, requireStable: false })).offsets[0]).toMatchObject({
      offset: 1,
      errorCode: 0,
    });
    await writing;
    expect((await c.fetchOffsets({ groupId: 'g', partitions, requireStable: true })).offsets[0]).toMatchObject({
      offset: 2,
      errorCode: 0,
    });
  });

  test('commit errors: stale generation, unknown member, unknown group with a generation, unknown partition, metadata too large', async () => {
    const { coordinator: c } = await setup();
    const [m] = await stableGroup(c, [{}]);
    expect((await commitOne(c, { ...m!, generationId: 9 }, 1))[0]!.errorCode).toBe(E.ILLEGAL_GENERATION.code);
    expect((await commitOne(c, { ...m!, memberId: 'x' }, 1))[0]!.errorCode).toBe(E.UNKNOWN_MEMBER_ID.code);
    const unknownGroup = await c.commitOffsets({
      groupId: 'other',
      generationId: 3,
      memberId: 'x',
      groupInstanceId: null,
      offsets: [{ topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }],
    });
    expect(unknownGroup[0]!.errorCode).toBe(E.ILLEGAL_GENERATION.code);
    const mixed = await c.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: m!.memberId,
      groupInstanceId: null,
      offsets: [
        { topic: 'missing', partition: 0, offset: 1, leaderEpoch: -1, metadata: null },
        { topic: 'orders', partition: 6, offset: 1, leaderEpoch: -1, metadata: null },
        { topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: 'x'.repeat(4097) },
        { topic: 'orders', partition: 0, offset: 2, leaderEpoch: -1, metadata: 'ok' },
      ],
    });
    expect(mixed.map((r) => r.errorCode)).toEqual([
      E.UNKNOWN_TOPIC_OR_PARTITION.code,
      E.UNKNOWN_TOPIC_OR_PARTITION.code,
      E.OFFSET_METADATA_TOO_LARGE.code,
      0,
    ]);
    expect((await commitOne(c, m!, 5))[0]!.errorCode).toBe(0);
  });

  test('simple commits (generation -1) create an Empty group and are refused by a group with members', async () => {
    const { coordinator: c } = await setup();
    const simple = (groupId: string, offset: number) =>
      c.commitOffsets({
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        offsets: [{ topic: 'payments', partition: 1, offset, leaderEpoch: -1, metadata: 'simple' }],
      });
    expect((await simple('standalone', 10))[0]!.errorCode).toBe(0);
    expect(c.listGroups({ statesFilter: [] }).groups).toEqual([
      { groupId: 'standalone', protocolType: '', groupState: 'Empty' },
    ]);
    expect((await c.fetchOffsets({ groupId: 'standalone', partitions: null, requireStable: false })).offsets).toEqual([
      { topic: 'payments', partition: 1, offset: 10, leaderEpoch: -1, metadata: 'simple', errorCode: 0 },
    ]);
    await stableGroup(c, [{}]);
    expect((await simple('g', 11))[0]!.errorCode).toBe(E.UNKNOWN_MEMBER_ID.code);
  });

  test('ListGroups filters by state; DescribeGroups of an unknown group says Dead', async () => {
    const { coordinator: c } = await setup();
    await stableGroup(c, [{}]);
    await c.commitOffsets({
      groupId: 'simple',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: [{ topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }],
    });
    expect(c.listGroups({ statesFilter: ['Stable'] }).groups.map((g) => g.groupId)).toEqual(['g']);
    expect(
      c
        .listGroups({ statesFilter: ['stable', 'EMPTY'] })
        .groups.map((g) => g.groupId)
        .sort(),
    ).toEqual(['g', 'simple']);
    expect(c.listGroups({ statesFilter: ['Dead'] }).groups).toEqual([]);
    expect(c.describeGroups(['missing'])).toEqual([
      { errorCode: 0, groupId: 'missing', groupState: 'Dead', protocolType: '', protocolData: '', members: [] },
    ]);
  });

  test('DeleteGroups: NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND for unknown groups; deleted groups lose their offsets', async () => {
    const { coordinator: c } = await setup();
    const [m] = await stableGroup(c, [{}]);
    await commitOne(c, m!, 7);
    expect(await c.deleteGroups(['g', 'nope'])).toEqual([
      { groupId: 'g', errorCode: E.NON_EMPTY_GROUP.code },
      { groupId: 'nope', errorCode: E.GROUP_ID_NOT_FOUND.code },
    ]);
    await c.leaveGroup({ groupId: 'g', members: [{ memberId: m!.memberId, groupInstanceId: null }] });
    await vi.advanceTimersByTimeAsync(0);
    expect(await c.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: 0 }]);
    expect(c.listGroups({ statesFilter: [] }).groups).toEqual([]);
    expect(
      (await c.fetchOffsets({ groupId: 'g', partitions: [{ topic: 'orders', partition: 1 }], requireStable: false }))
        .offsets[0]!.offset,
    ).toBe(-1);
    expect(await c.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: E.GROUP_ID_NOT_FOUND.code }]);
  });

  test('OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC for topics the members subscribe to; others go', async () => {
    const { coordinator: c } = await setup();
    const [m] = await stableGroup(c, [{ protocols: [{ name: 'range', metadata: subscription('orders') }] }]);
    await c.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: m!.memberId,
      groupInstanceId: null,
      offsets: [
        { topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: null },
        { topic: 'payments', partition: 0, offset: 2, leaderEpoch: -1, metadata: null },
      ],
    });
    const deleted = await c.deleteOffsets({
      groupId: 'g',
      partitions: [
        { topic: 'orders', partition: 0 },
        { topic: 'payments', partition: 0 },
      ],
    });
    expect(deleted).toEqual({
      errorCode: 0,
      partitions: [
        { topic: 'orders', partition: 0, errorCode: E.GROUP_SUBSCRIBED_TO_TOPIC.code },
        { topic: 'payments', partition: 0, errorCode: 0 },
      ],
    });
    expect(
      (await c.fetchOffsets({ groupId: 'g', partitions: null, requireStable: false })).offsets.map((o) => o.topic),
    ).toEqual(['orders']);
    expect(await c.deleteOffsets({ groupId: 'nope', partitions: [] })).toEqual({
      errorCode: E.GROUP_ID_NOT_FOUND.code,
      partitions: [],
    });
    const other = await setup();
    await stableGroup(other.coordinator, [{ protocolType: 'connect' }]);
    expect(
      (await other.coordinator.deleteOffsets({ groupId: 'g', partitions: [{ topic: 'orders', partition: 0 }] }))
        .errorCode,
    ).toBe(E.NON_EMPTY_GROUP.code);
  });
});
