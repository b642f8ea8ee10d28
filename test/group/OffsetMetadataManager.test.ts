import { afterEach, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { KafkaErrors as E } from '../../src/errors.js';
import { GroupMetadataManager } from '../../src/group/GroupMetadataManager.js';
import { OffsetMetadataManager } from '../../src/group/OffsetMetadataManager.js';
import { GROUP_METADATA_TOPIC_NAME, OffsetsTopicStore } from '../../src/group/OffsetsTopicStore.js';
import { readOffsetsTopicKey } from '../../src/group/OffsetsTopicRecords.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { tempDir } from '../helpers/tmp.js';

const CONFIG = {
  groupMinSessionTimeoutMs: 100,
  groupMaxSessionTimeoutMs: 60_000,
  groupInitialRebalanceDelayMs: 0,
  groupMaxSize: 10,
};

const engines: Engine[] = [];
const managers: GroupMetadataManager[] = [];

afterEach(async () => {
  for (const groups of managers.splice(0)) groups.close();
  for (const engine of engines.splice(0)) await engine.close();
});

/** The offsets manager with the store and the groups it works against, no coordinator in front. */
async function setup() {
  const engine = await Engine.open({ dataDir: tempDir(), retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 });
  engines.push(engine);
  engine.createTopic('orders', { partitions: 2 });
  const store = OffsetsTopicStore.open(engine, 1, Date.now);
  const groups = new GroupMetadataManager(store, store.loadGroups(), CONFIG, Date.now);
  managers.push(groups);
  return { engine, groups, offsets: new OffsetMetadataManager(engine, store, groups, Date.now) };
}

/** A commit from outside group management (generation -1, no member id). */
function simpleCommit(groupId: string, offsets: { partition: number; offset: number }[]) {
  return {
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    offsets: offsets.map((o) => ({ topic: 'orders', ...o, leaderEpoch: -1, metadata: null })),
  };
}

function offsetsTopicKeys(engine: Engine) {
  const p = engine.partition(GROUP_METADATA_TOPIC_NAME, 0);
  const { records } = p.read(p.logStartOffset, 1024 * 1024);
  return [...RecordBatch.all(records)].flatMap((batch) =>
    [...batch.records()].map((r) => ({ key: readOffsetsTopicKey(r.key!), tombstone: r.value === null })),
  );
}

describe('OffsetMetadataManager', () => {
  test('a commit from outside group management creates the Empty group its offsets live on', async () => {
    const { engine, groups, offsets } = await setup();
    await engine.partition('orders', 1).append(buildRecordBatch([{ value: Buffer.from('x') }]));
    const errors = await offsets.commitOffsets(simpleCommit('s', [{ partition: 1, offset: 0 }]));
    expect(errors).toEqual([{ topic: 'orders', partition: 1, errorCode: E.NONE.code }]);
    expect(groups.group('s')?.state).toBe('Empty');
    const fetched = offsets.fetchOffsets({ groupId: 's', partitions: null, requireStable: true });
    expect(fetched.offsets.map((o) => [o.partition, o.offset])).toEqual([[1, 0]]);
    expect(offsets.lag()).toEqual([
      { groupId: 's', topic: 'orders', partition: 1, committedOffset: 0, logEndOffset: 1, lag: 1 },
    ]);
  });

  test('a commit with a generation for a group that does not exist is refused and creates nothing', async () => {
    const { groups, offsets } = await setup();
    const errors = await offsets.commitOffsets({
      ...simpleCommit('gone', [{ partition: 0, offset: 5 }]),
      generationId: 3,
    });
    expect(errors.map((e) => e.errorCode)).toEqual([E.ILLEGAL_GENERATION.code]);
    expect(groups.group('gone')).toBeUndefined();
  });

  test('deleting the last offsets of an Empty group drops the group; a group that never had a generation gets no metadata tombstone', async () => {
    const { engine, groups, offsets } = await setup();
    await offsets.commitOffsets(
      simpleCommit('s', [
        { partition: 0, offset: 1 },
        { partition: 1, offset: 2 },
      ]),
    );
    const first = await offsets.deleteOffsets({ groupId: 's', partitions: [{ topic: 'orders', partition: 0 }] });
    expect(first.partitions.map((p) => p.errorCode)).toEqual([E.NONE.code]);
    expect(groups.group('s')?.state).toBe('Empty');
    await offsets.deleteOffsets({ groupId: 's', partitions: [{ topic: 'orders', partition: 1 }] });
    expect(groups.group('s')).toBeUndefined();
    expect(
      offsetsTopicKeys(engine)
        .filter((r) => r.tombstone)
        .map((r) => r.key?.type),
    ).toEqual(['offsetCommit', 'offsetCommit']);
  });
});
