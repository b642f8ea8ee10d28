import { describe, expect, test, vi } from 'vitest';
import { KafkaErrors as E, TributaryError } from '../../src/errors.js';
import { appendErrorCode, GROUP_METADATA_TOPIC_NAME } from '../../src/group/OffsetsTopicStore.js';
import { readOffsetsTopicKey } from '../../src/group/OffsetsTopicRecords.js';
import type { Engine } from '../../src/engine/Engine.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { heartbeat, joinRequest, SESSION, settle, setup, stableGroup, teardown } from '../helpers/groups.js';

/** Every record of the group's `__consumer_offsets` partition, keys decoded, values as present or not. */
function offsetsTopicRecords(engine: Engine, partition: number) {
  const p = engine.partition(GROUP_METADATA_TOPIC_NAME, partition);
  const { records } = p.read(p.logStartOffset, 64 * 1024 * 1024);
  return [...RecordBatch.all(records)].flatMap((batch) =>
    [...batch.records()].map((r) => ({ key: readOffsetsTopicKey(r.key!), tombstone: r.value === null })),
  );
}

describe('OffsetsTopicStore through the coordinator', () => {
  test('open creates __consumer_offsets with the configured partitions, retention off and no compaction', async () => {
    const { engine } = await setup({ offsetsTopicPartitions: 7 });
    const topic = engine.describeTopic(GROUP_METADATA_TOPIC_NAME);
    expect(topic.partitions).toHaveLength(7);
    expect(topic.config).toMatchObject({ 'cleanup.policy': 'delete', 'retention.ms': '-1' });
  });

  test('groups and offsets survive a close and open of engine and coordinator', async () => {
    const first = await setup();
    const [a, b] = await stableGroup(first.coordinator, [
      { clientId: 'a', groupInstanceId: 'ia' },
      { clientId: 'b', groupInstanceId: 'ib' },
    ]).then((j) => [j[0]!, j[1]!] as const);
    const commit = await first.coordinator.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: a.memberId,
      groupInstanceId: 'ia',
      offsets: [
        { topic: 'orders', partition: 0, offset: 10, leaderEpoch: 2, metadata: 'first' },
        { topic: 'orders', partition: 3, offset: 33, leaderEpoch: 2, metadata: null },
      ],
    });
    expect(commit.map((c) => c.errorCode)).toEqual([0, 0]);
    await first.coordinator.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: b.memberId,
      groupInstanceId: 'ib',
      offsets: [{ topic: 'orders', partition: 0, offset: 11, leaderEpoch: 3, metadata: 'second' }],
    });
    await first.coordinator.commitOffsets({
      groupId: 'simple',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: [{ topic: 'payments', partition: 1, offset: 5, leaderEpoch: -1, metadata: 'x' }],
    });
    const before = first.coordinator.describeGroups(['g']);
    await teardown(first);

    const { coordinator: c } = await setup({}, first.dataDir);
    expect(c.listGroups({ statesFilter: [] }).groups.sort((x, y) => x.groupId.localeCompare(y.groupId))).toEqual([
      { groupId: 'g', protocolType: 'consumer', groupState: 'Stable' },
      { groupId: 'simple', protocolType: '', groupState: 'Empty' },
    ]);
    expect(c.describeGroups(['g'])).toEqual(before);
    expect((await c.fetchOffsets({ groupId: 'g', partitions: null, requireStable: false })).offsets).toEqual([
      { topic: 'orders', partition: 0, offset: 11, leaderEpoch: 3, metadata: 'second', errorCode: 0 },
      { topic: 'orders', partition: 3, offset: 33, leaderEpoch: 2, metadata: '', errorCode: 0 },
    ]);
    expect(
      (await c.fetchOffsets({ groupId: 'simple', partitions: null, requireStable: false })).offsets[0]!.offset,
    ).toBe(5);

    // The loaded members go on in their generation; static ones keep their instance ids.
    expect(await heartbeat(c, a, 'ia')).toBe(0);
    const sync = await c.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: b.memberId,
      groupInstanceId: 'ib',
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [],
    });
    expect(sync.assignment).toEqual(before[0]!.members.find((m) => m.memberId === b.memberId)!.memberAssignment);
    // A static member restarting replaces its loaded member id without a rebalance.
    const rejoin = await settle(c.joinGroup(joinRequest({ groupInstanceId: 'ia', clientId: 'a' })));
    expect(rejoin).toMatchObject({ errorCode: 0, generationId: 1 });
    // Loaded members that go silent expire after their session timeout.
    await vi.advanceTimersByTimeAsync(SESSION + 1);
    expect(c.describeGroups(['g'])[0]).toMatchObject({ groupState: 'Empty', members: [] });
  });

  test('a rebalance to Empty is written too: the group reloads Empty with its next generation', async () => {
    const first = await setup();
    const [m] = await stableGroup(first.coordinator, [{}]);
    await first.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: m!.memberId, groupInstanceId: null }] });
    await vi.advanceTimersByTimeAsync(0);
    await teardown(first);
    const { coordinator: c } = await setup({}, first.dataDir);
    expect(c.listGroups({ statesFilter: [] }).groups).toEqual([
      { groupId: 'g', protocolType: 'consumer', groupState: 'Empty' },
    ]);
    const joined = await settle(c.joinGroup(joinRequest()));
    expect(joined.generationId).toBe(3);
  });

  test('DeleteGroups and OffsetDelete write tombstones, and what they deleted stays deleted after a restart', async () => {
    const first = await setup();
    const c1 = first.coordinator;
    const commit = (groupId: string, topic: string, partition: number) =>
      c1.commitOffsets({
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        offsets: [{ topic, partition, offset: 1, leaderEpoch: -1, metadata: null }],
      });
    const [m] = await stableGroup(c1, [{ groupId: 'dying' }]);
    await c1.commitOffsets({
      groupId: 'dying',
      generationId: 1,
      memberId: m!.memberId,
      groupInstanceId: null,
      offsets: [{ topic: 'orders', partition: 2, offset: 9, leaderEpoch: -1, metadata: null }],
    });
    await c1.leaveGroup({ groupId: 'dying', members: [{ memberId: m!.memberId, groupInstanceId: null }] });
    await commit('trimmed', 'orders', 0);
    await commit('trimmed', 'payments', 0);

    expect(await c1.deleteGroups(['dying'])).toEqual([{ groupId: 'dying', errorCode: 0 }]);
    expect(await c1.deleteOffsets({ groupId: 'trimmed', partitions: [{ topic: 'payments', partition: 0 }] })).toEqual({
      errorCode: 0,
      partitions: [{ topic: 'payments', partition: 0, errorCode: 0 }],
    });

    const dying = offsetsTopicRecords(first.engine, c1.partitionFor('dying')).filter((r) => r.key?.group === 'dying');
    expect(dying.slice(-2)).toEqual([
      { key: { type: 'offsetCommit', group: 'dying', topic: 'orders', partition: 2 }, tombstone: true },
      { key: { type: 'groupMetadata', group: 'dying' }, tombstone: true },
    ]);
    const trimmed = offsetsTopicRecords(first.engine, c1.partitionFor('trimmed')).filter(
      (r) => r.key?.group === 'trimmed',
    );
    expect(trimmed.at(-1)).toEqual({
      key: { type: 'offsetCommit', group: 'trimmed', topic: 'payments', partition: 0 },
      tombstone: true,
    });
    await teardown(first);

    const { coordinator: c } = await setup({}, first.dataDir);
    expect(c.listGroups({ statesFilter: [] }).groups.map((g) => g.groupId)).toEqual(['trimmed']);
    expect(
      (await c.fetchOffsets({ groupId: 'trimmed', partitions: null, requireStable: false })).offsets.map(
        (o) => o.topic,
      ),
    ).toEqual(['orders']);
    expect((await c.fetchOffsets({ groupId: 'dying', partitions: null, requireStable: false })).offsets).toEqual([]);
    expect(await c.deleteGroups(['dying'])).toEqual([{ groupId: 'dying', errorCode: E.GROUP_ID_NOT_FOUND.code }]);
  });

  test('removing the last offset of a simple group deletes it (no group tombstone: it never had a generation)', async () => {
    const { coordinator: c, engine } = await setup();
    await c.commitOffsets({
      groupId: 's',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: [{ topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }],
    });
    await c.deleteOffsets({ groupId: 's', partitions: [{ topic: 'orders', partition: 0 }] });
    expect(c.listGroups({ statesFilter: [] }).groups).toEqual([]);
    const records = offsetsTopicRecords(engine, c.partitionFor('s'));
    expect(records.map((r) => [r.key?.type, r.tombstone])).toEqual([
      ['offsetCommit', false],
      ['offsetCommit', true],
    ]);
  });

  test('50,000 commits across groups and partitions reload as the last commit of each', async () => {
    const first = await setup();
    first.engine.createTopic('wide', { partitions: 100 });
    const expected = new Map<string, number>();
    let offset = 0;
    for (let request = 0; request < 500; request++) {
      const groupId = `group-${request % 20}`;
      const offsets = Array.from({ length: 100 }, (_, i) => ({
        topic: 'wide',
        partition: (i * 7 + request) % 100,
        offset: offset++,
        leaderEpoch: request,
        metadata: `r${request}`,
      }));
      const result = await first.coordinator.commitOffsets({
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        offsets,
      });
      expect(result.every((r) => r.errorCode === 0)).toBe(true);
      for (const o of offsets) expected.set(`${groupId}/${o.partition}`, o.offset);
    }
    await teardown(first);

    const { coordinator: c } = await setup({}, first.dataDir);
    const loaded = new Map<string, number>();
    for (const group of c.listGroups({ statesFilter: [] }).groups) {
      const { offsets } = await c.fetchOffsets({ groupId: group.groupId, partitions: null, requireStable: false });
      for (const o of offsets) {
        loaded.set(`${group.groupId}/${o.partition}`, o.offset);
        expect(o.metadata).toBe(`r${o.leaderEpoch}`);
      }
    }
    expect(loaded.size).toBe(expected.size);
    expect(loaded).toEqual(expected);
  });
});

describe('appendErrorCode: a failed __consumer_offsets append as the client is told (Kafka 3.8 GroupMetadataManager)', () => {
  const failed = (code: ConstructorParameters<typeof TributaryError>[1]) => new TributaryError('append failed', code);

  test('no in-sync replicas enough or no log: COORDINATOR_NOT_AVAILABLE; no longer the leader: NOT_COORDINATOR', () => {
    for (const commit of [true, false]) {
      for (const code of [
        'ERR_NOT_ENOUGH_REPLICAS',
        'ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND',
        'ERR_UNKNOWN_TOPIC_OR_PARTITION',
      ] as const)
        expect(appendErrorCode(failed(code), commit)).toBe(E.COORDINATOR_NOT_AVAILABLE.code);
      expect(appendErrorCode(failed('ERR_NOT_LEADER_OR_FOLLOWER'), commit)).toBe(E.NOT_COORDINATOR.code);
    }
  });

  test('the in-sync replicas too slow: an offset commit is REQUEST_TIMED_OUT (storeOffsets passes it on), a group write REBALANCE_IN_PROGRESS (storeGroup)', () => {
    expect(appendErrorCode(failed('ERR_REQUEST_TIMED_OUT'), true)).toBe(E.REQUEST_TIMED_OUT.code);
    expect(appendErrorCode(failed('ERR_REQUEST_TIMED_OUT'), false)).toBe(E.REBALANCE_IN_PROGRESS.code);
  });
});
