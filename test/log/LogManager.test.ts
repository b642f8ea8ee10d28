import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LogManager } from '../../src/log/LogManager.js';
import {
  CLEAN_SHUTDOWN_FILE,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
} from '../../src/log/LogFileNames.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';

const A = { topic: 'orders.v1-eu', partition: 0 };
const B = { topic: 'orders.v1-eu', partition: 11 };
const options = (dataDir: string) => ({
  dataDir,
  config: { segmentBytes: 2048 },
  retentionCheckIntervalMs: 0,
  checkpointIntervalMs: 0,
});

describe('LogManager', () => {
  test('a clean close writes Kafka-format checkpoints and the clean-shutdown marker', async () => {
    const dataDir = tempDir();
    const manager = LogManager.open(options(dataDir));
    expect(manager.hadCleanShutdown).toBe(false);
    for (let i = 0; i < 10; i++) await manager.getOrCreateLog(A).append(sampleBatch(i, 2, 100));
    await manager.getOrCreateLog(B).append(sampleBatch(0, 4));
    manager.getLog(A)!.deleteRecordsBefore(5);
    await manager.close();

    expect(existsSync(join(dataDir, CLEAN_SHUTDOWN_FILE))).toBe(true);
    const recovery = readFileSync(join(dataDir, RECOVERY_POINT_CHECKPOINT), 'utf8').split('\n');
    expect(recovery.slice(0, 2)).toEqual(['0', '2']);
    expect(recovery.slice(2, 4).sort()).toEqual(['orders.v1-eu 0 20', 'orders.v1-eu 11 4']);
    expect(readFileSync(join(dataDir, LOG_START_OFFSET_CHECKPOINT), 'utf8')).toContain('orders.v1-eu 0 5');

    const reopened = LogManager.open(options(dataDir));
    expect(reopened.hadCleanShutdown).toBe(true);
    expect(existsSync(join(dataDir, CLEAN_SHUTDOWN_FILE))).toBe(false);
    expect(reopened.topicPartitions.map((tp) => tp.partition).sort((x, y) => x - y)).toEqual([0, 11]);
    const log = reopened.getLog(A)!;
    expect([log.logStartOffset, log.logEndOffset]).toEqual([5, 20]);
    expect(() => log.read(4, 1)).toThrow(expect.objectContaining({ code: 'ERR_OFFSET_OUT_OF_RANGE' }));
    await reopened.close();
  });

  test('without the marker the next open is unclean', async () => {
    const dataDir = tempDir();
    const first = LogManager.open(options(dataDir));
    await first.getOrCreateLog(A).append(sampleBatch(1));
    await first.close();
    const second = LogManager.open(options(dataDir));
    expect(second.hadCleanShutdown).toBe(true);
    // A crash now (no close) leaves no marker.
    const third = LogManager.open(options(dataDir));
    expect(third.hadCleanShutdown).toBe(false);
    expect(third.getLog(A)!.logEndOffset).toBe(3);
    await third.close();
  });

  test('deleteLog removes the partition directory', async () => {
    const dataDir = tempDir();
    const manager = LogManager.open(options(dataDir));
    const log = manager.getOrCreateLog(B);
    await log.append(sampleBatch(1));
    await manager.deleteLog(B);
    expect(existsSync(log.dir)).toBe(false);
    expect(readdirSync(dataDir).filter((name) => name.startsWith('orders.v1-eu-11'))).toEqual([]);
    expect(manager.getLog(B)).toBeUndefined();
    await manager.close();
  });

  test('a partition of the same name can be created while the old one is being deleted', async () => {
    const dataDir = tempDir();
    const manager = LogManager.open(options(dataDir));
    await manager.getOrCreateLog(B).append(sampleBatch(1, 20));
    const deleting = manager.deleteLog(B);
    const fresh = manager.getOrCreateLog(B);
    await deleting;
    expect(fresh.logEndOffset).toBe(0);
    await fresh.append(sampleBatch(2));
    expect(fresh.logEndOffset).toBe(3);
    await manager.close();
    const reopened = LogManager.open(options(dataDir));
    expect(reopened.getLog(B)?.logEndOffset).toBe(3);
    await reopened.close();
  });

  test('a deletion a crash interrupted (a renamed-aside directory) is finished at open', async () => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, 'b-0.0123abcd-delete'));
    writeFileSync(join(dataDir, 'b-0.0123abcd-delete', '00000000000000000000.log'), 'x');
    await LogManager.open(options(dataDir)).close();
    expect(existsSync(join(dataDir, 'b-0.0123abcd-delete'))).toBe(false);
  });

  test('a corrupt checkpoint is a typed error', async () => {
    const dataDir = tempDir();
    await LogManager.open(options(dataDir)).close();
    writeFileSync(join(dataDir, RECOVERY_POINT_CHECKPOINT), '0\n3\nt 0 1\n');
    expect(() => LogManager.open(options(dataDir))).toThrow(
      expect.objectContaining({ code: 'ERR_CORRUPT_CHECKPOINT' }),
    );
  });
});

describe('LogManager configOf', () => {
  test('logs found on disk open with their own config over the manager config', async () => {
    const dataDir = tempDir();
    const first = LogManager.open(options(dataDir));
    first.getOrCreateLog(A);
    first.getOrCreateLog(B, { retentionMs: 5 });
    await first.close();
    const reopened = LogManager.open({
      ...options(dataDir),
      configOf: (tp) => (tp.partition === B.partition ? { retentionMs: 5 } : {}),
    });
    expect(reopened.getLog(A)!.config).toMatchObject({ segmentBytes: 2048, retentionMs: 7 * 24 * 3600 * 1000 });
    expect(reopened.getLog(B)!.config).toMatchObject({ segmentBytes: 2048, retentionMs: 5 });
    await reopened.close();
  });
});
