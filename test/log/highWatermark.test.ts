/**
 * The high watermark (Kafka's UnifiedLog.updateHighWatermark, maybeIncrementHighWatermark,
 * lastStableOffset, maybeIncrementLogStartOffset, deletableSegments) and its checkpoint,
 * replication-offset-checkpoint (Kafka's ReplicaManager.checkpointHighWatermarks).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Log } from '../../src/log/Log.js';
import { LogManager } from '../../src/log/LogManager.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = 1_700_000_000_000;
const TP = { topic: 'hw', partition: 0 };

describe('the high watermark', () => {
  test('follows the log end by default; else only updateHighWatermark (clamped, back too) and maybeIncrementHighWatermark (forward) move it', async () => {
    const single = Log.open({ dir: tempDir() });
    await single.append(sampleBatch(0, 3));
    expect(single.highWatermark).toBe(3);
    await single.close();

    const log = Log.open({ dir: tempDir(), hwFollowsLogEnd: false });
    await log.append(sampleBatch(0, 3));
    await log.append(sampleBatch(1, 3));
    expect(log.highWatermark).toBe(0);
    expect(log.maybeIncrementHighWatermark(3)).toBe(true);
    expect(log.maybeIncrementHighWatermark(2)).toBe(false);
    expect(log.highWatermark).toBe(3);
    expect(() => log.maybeIncrementHighWatermark(7)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(log.updateHighWatermark(100)).toBe(6);
    expect(log.updateHighWatermark(1)).toBe(1);
    log.deleteRecordsBefore(1);
    expect(log.updateHighWatermark(0)).toBe(1); // not below the log start
    log.hwFollowsLogEnd = true;
    expect(log.highWatermark).toBe(6);
    await log.close();
  });

  test('bounds the last stable offset; a completed transaction holds it until the high watermark passes its marker', async () => {
    const log = Log.open({ dir: tempDir(), hwFollowsLogEnd: false });
    await log.append(buildRecordBatch([{ value: Buffer.from('p'), timestamp: T0 }]));
    await log.append(
      buildRecordBatch([{ value: Buffer.from('t'), timestamp: T0 }], {
        producerId: 4,
        producerEpoch: 0,
        baseSequence: 0,
        transactional: true,
      }),
    );
    const commit = buildEndTransactionMarkerBatch('commit', { producerId: 4, producerEpoch: 0, coordinatorEpoch: 0 });
    await log.append(commit, { origin: 'coordinator' });
    expect(log.lastStableOffset).toBe(0); // the high watermark
    log.updateHighWatermark(2);
    expect(log.lastStableOffset).toBe(1); // the transaction's marker (offset 2) is not below it yet
    log.updateHighWatermark(3);
    expect(log.lastStableOffset).toBe(3);
    await log.close();
  });

  test('DeleteRecords past it is out of range; retention deletes no segment not wholly below it', async () => {
    const log = Log.open({ dir: tempDir(), hwFollowsLogEnd: false, config: { segmentBytes: 300, retentionMs: 0 } });
    for (let i = 0; i < 4; i++) await log.append(sampleBatch(i, 2, 64, T0), { leaderEpoch: i });
    expect(log.segmentCount).toBe(4);
    expect(() => log.deleteRecordsBefore(1)).toThrow(expect.objectContaining({ code: 'ERR_OFFSET_OUT_OF_RANGE' }));
    expect(log.enforceRetention(T0 + 1000)).toBe(0);
    log.updateHighWatermark(4);
    expect(log.enforceRetention(T0 + 1000)).toBe(2);
    expect(log.logStartOffset).toBe(4);
    // The epoch cache starts where the log does now (truncateFromStart): epochs 0 and 1 are gone.
    expect(log.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 4 }); // not 2: epoch 1's entry is gone
    expect(log.endOffsetForEpoch(2)).toEqual({ leaderEpoch: 2, endOffset: 6 });
    await log.close();
    const reopened = Log.open({ dir: log.dir, logStartOffset: 4 });
    expect(reopened.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 4 });
    await reopened.close();
  });

  test("LogManager writes replication-offset-checkpoint in Kafka's format, periodically and at close, and reopens each log at it, clamped", async () => {
    const dataDir = tempDir();
    const manager = LogManager.open({ dataDir, hwFollowsLogEnd: false, highWatermarkCheckpointIntervalMs: 20 });
    const log = manager.getOrCreateLog(TP);
    await log.append(Buffer.concat([sampleBatch(0, 3), sampleBatch(1, 3)]));
    log.updateHighWatermark(4);
    const file = join(dataDir, 'replication-offset-checkpoint');
    await expect.poll(() => readFileSync(file, 'utf8'), { timeout: 2000 }).toBe('0\n1\nhw 0 4\n');
    log.updateHighWatermark(5);
    await manager.close();
    expect(readFileSync(file, 'utf8')).toBe('0\n1\nhw 0 5\n');

    const reopened = LogManager.open({ dataDir, hwFollowsLogEnd: false });
    expect(reopened.getLog(TP)!.highWatermark).toBe(5);
    reopened.getLog(TP)!.truncateTo(3);
    await reopened.close();
    const truncated = LogManager.open({ dataDir, hwFollowsLogEnd: false });
    expect(truncated.getLog(TP)!.highWatermark).toBe(3);
    await truncated.close();
    // A checkpoint past what the log holds (its tail lost in a crash) is clamped to the log end.
    const { writeCheckpoint } = await import('../../src/log/CheckpointFile.js');
    writeCheckpoint(file, [[TP, 99]]);
    const clamped = LogManager.open({ dataDir, hwFollowsLogEnd: false });
    expect(clamped.getLog(TP)!.highWatermark).toBe(3);
    await clamped.close();
  });
});
