/**
 * A coordinator's load (forEachBatch) reads its partition to the log end, past the high
 * watermark, as Kafka's loads read with FetchIsolation.LOG_END: a follower just made leader
 * of `__consumer_offsets`, whose high watermark has not caught up, still loads every record.
 */
import { afterEach, expect, test } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { forEachBatch } from '../../src/engine/InternalTopic.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
});

test('forEachBatch visits the batches above the high watermark too', async () => {
  engine = await Engine.open({ dataDir: tempDir(), retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 });
  engine.createTopic('__consumer_offsets', { partitions: 1 });
  const partition = engine.partition('__consumer_offsets', 0);
  partition.hwFollowsLogEnd = false;
  for (const seed of [1, 2, 3]) await partition.append(sampleBatch(seed, 3));
  partition.updateHighWatermark(3);
  const visited: number[] = [];
  forEachBatch(engine, '__consumer_offsets', 0, (batch) => visited.push(batch.baseOffset));
  expect(partition.highWatermark).toBe(3);
  expect(visited).toEqual([0, 3, 6]);
});
