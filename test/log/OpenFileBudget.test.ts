/**
 * The open-file budget (issue 18): a LogManager with more partitions than its budget
 * keeps only the most recently used logs' active segments open (three descriptors each,
 * counted in /proc/self/fd); the others are released and reopened by path on their next
 * append. Kafka has no such bound (it keeps every segment open and asks for a high
 * ulimit); this is what lets 10,000 partitions live under the default `ulimit -n` of 1024.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Log } from '../../src/log/Log.js';
import { offsetIndexFile, partitionDirName, timeIndexFile } from '../../src/log/LogFileNames.js';
import { LogManager } from '../../src/log/LogManager.js';
import { runChild } from '../helpers/childProcess.js';
import { tempDir } from '../helpers/tmp.js';
import { checkLogFiles, expectStoredAs } from './check.js';
// @ts-expect-error plain JS fixture shared with the child process
import { RECORDS_PER_BATCH, WORKLOAD_CONFIG, workloadBatch } from './fixtures/workload.mjs';

const openFds = () => readdirSync('/proc/self/fd').length;
const PARTITIONS = 200;
const MAX_OPEN_FILES = 150; // 50 logs' active segments
/** Descriptors besides the budget's: flushes on the thread pool finishing with a released file, a directory fsync. */
const HEADROOM = 8;
const tp = (partition: number) => ({ topic: 'many', partition });
const batchOf = (k: number) => workloadBatch(k) as Buffer;

/** Checks that partition `p` of `manager` holds batches [0, count) byte for byte. */
function expectBatches(manager: LogManager, p: number, count: number): void {
  const log = manager.getLog(tp(p))!;
  expect(log.logEndOffset).toBeGreaterThanOrEqual(count * RECORDS_PER_BATCH);
  for (let k = 0; k < count; k++) {
    const read = log.read(k * RECORDS_PER_BATCH, 1);
    expect(read.firstOffset).toBe(k * RECORDS_PER_BATCH);
    const expected = batchOf(k);
    expectStoredAs(read.records.subarray(0, expected.length), expected);
  }
}

describe('the open-file budget of a log manager', () => {
  test('200 logs under a budget of 50: descriptors stay bounded, every record reads back, close, reopen and delete work', async () => {
    // What appending itself opens once (the thread pool) is counted out first.
    const warm = Log.open({ dir: tempDir(), config: { durability: 'always' } });
    await warm.append(batchOf(0));
    await warm.close();
    const dataDir = tempDir();
    // A roll every two or three batches; flushes asked for below, each queued on the thread pool.
    const config = { ...WORKLOAD_CONFIG, segmentBytes: 1024, durability: 'never' as const };
    const before = openFds();
    let peak = 0;
    const manager = LogManager.open({ dataDir, config, retentionCheckIntervalMs: 0, maxOpenFiles: MAX_OPEN_FILES });
    expect(manager.maxOpenLogs).toBe(50);
    for (let p = 0; p < PARTITIONS; p++) {
      manager.getOrCreateLog(tp(p));
      peak = Math.max(peak, openFds() - before);
    }
    const rounds = 5;
    for (let k = 0; k < rounds; k++) {
      // Round robin; every third log's flush is in flight while the appends after it release it.
      const flushes: Promise<void>[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        const log = manager.getLog(tp(p))!;
        await log.append(batchOf(k));
        if (p % 3 === 0) flushes.push(log.flush());
        peak = Math.max(peak, openFds() - before);
      }
      await Promise.all(flushes);
    }
    expect(peak).toBeLessThanOrEqual(MAX_OPEN_FILES + HEADROOM); // 600 without the budget
    expect(manager.getLog(tp(0))!.segmentCount).toBeGreaterThan(1);
    for (let p = 0; p < PARTITIONS; p++) expectBatches(manager, p, rounds);
    // A released active index is cut to its entries on disk (a held one is preallocated).
    const released = join(dataDir, partitionDirName(tp(0)));
    const activeBase = manager.getLog(tp(0))!.segmentBaseOffsets.at(-1)!;
    expect(statSync(offsetIndexFile(released, activeBase)).size).toBeLessThan(config.segmentIndexBytes);
    await manager.getLog(tp(0))!.append(batchOf(rounds)); // reopened by path
    // Partition 1's files were released long ago, its final time index entry not written:
    // deleting it renames its directory and closes it without reopening anything there.
    const doomed = join(dataDir, partitionDirName(tp(1)));
    await manager.deleteLog(tp(1));
    expect(existsSync(doomed)).toBe(false);
    expect(manager.getOrCreateLog(tp(1)).logEndOffset).toBe(0);
    await manager.close();
    expect(openFds()).toBe(before);

    const reopened = LogManager.open({ dataDir, config, retentionCheckIntervalMs: 0, maxOpenFiles: MAX_OPEN_FILES });
    expect(reopened.hadCleanShutdown).toBe(true);
    expect(openFds() - before).toBeLessThanOrEqual(MAX_OPEN_FILES + HEADROOM);
    for (let p = 0; p < PARTITIONS; p++) expectBatches(reopened, p, p === 1 ? 0 : rounds);
    await reopened.close();
    expect(openFds()).toBe(before);
    for (const p of [0, 2, PARTITIONS - 1]) {
      const dir = join(dataDir, partitionDirName(tp(p)));
      expect(checkLogFiles(dir)).toBe((p === 0 ? rounds + 1 : rounds) * RECORDS_PER_BATCH);
      const base = Number(
        readdirSync(dir)
          .filter((n) => n.endsWith('.log'))
          .sort()
          .at(-1)!
          .slice(0, 20),
      );
      expect(statSync(timeIndexFile(dir, base)).size % 12).toBe(0);
    }
  });

  test('SIGKILL while appending to 60 logs under ulimit -n 64 with a budget of 10: no acknowledged batch is lost', async () => {
    // 60 logs' active segments alone need 180 descriptors: without the budget the child fails with EMFILE.
    const partitions = 60;
    const dataDir = tempDir();
    let acked = 0;
    for (let round = 0; round < 3; round++) {
      const run = await runChild(
        join(import.meta.dirname, 'fixtures', 'many-logs-child.mjs'),
        [dataDir, String(partitions), '30'],
        300 + Math.floor(Math.random() * 300),
        ['prlimit', '--nofile=64'],
      );
      expect(run.lines.filter((l) => l.startsWith('error'))).toEqual([]);
      expect(run.signal).toBe('SIGKILL');
      acked += run.acked.length;
      const manager = LogManager.open({ dataDir, config: WORKLOAD_CONFIG, retentionCheckIntervalMs: 0 });
      const rounds = new Map<number, number>();
      for (const n of run.acked) {
        const p = n % partitions;
        rounds.set(p, Math.max(rounds.get(p) ?? 0, Math.floor(n / partitions) + 1));
      }
      for (const [p, count] of rounds) expectBatches(manager, p, count);
      await manager.close();
    }
    expect(acked).toBeGreaterThan(partitions * 3);
  });
});
