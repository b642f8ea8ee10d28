/**
 * The coordinators' load of an internal topic reads to the log end, above the high
 * watermark too (Kafka's GroupMetadataManager.doLoadGroupsAndOffsets and
 * TransactionStateManager.loadTransactionMetadata read with FetchIsolation.LOG_END).
 */
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { forEachBatch } from '../../src/engine/InternalTopic.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';

test('forEachBatch visits every batch to the log end of a replicated partition whose high watermark is behind', async () => {
  const engine = await Engine.open({ dataDir: tempDir(), retentionCheckIntervalMs: 0, hwFollowsLogEnd: false });
  engine.createTopic('internal', { partitions: 1 });
  const partition = engine.partition('internal', 0);
  await partition.append(sampleBatch(1, 2));
  await partition.append(sampleBatch(2, 3));
  partition.updateHighWatermark(2);
  const seen: number[] = [];
  forEachBatch(engine, 'internal', 0, (batch) => seen.push(batch.baseOffset));
  expect(seen).toEqual([0, 2]);
  expect(partition.read(0, 1 << 20).records.length).toBe(sampleBatch(1, 2).length); // a consumer stops at 2
  await engine.close();
});
