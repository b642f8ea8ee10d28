/**
 * Crash safety with real processes: a child appends with durability 'always' and
 * reports each acknowledged batch; the parent SIGKILLs it at random moments, reopens
 * the data directory and checks that every acknowledged batch is there byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LogManager } from '../../src/log/LogManager.js';
import { partitionDirName } from '../../src/log/LogFileNames.js';
import { runChild as runChildScript, type ChildRun } from '../helpers/childProcess.js';
import { tempDir } from '../helpers/tmp.js';
import { checkLogFiles, expectStoredAs } from './check.js';
// @ts-expect-error plain JS fixture shared with the child process
import { RECORDS_PER_BATCH, WORKLOAD_CONFIG, workloadBatch } from './fixtures/workload.mjs';

const CHILD = join(import.meta.dirname, 'fixtures', 'append-child.mjs');
const TP = { topic: 'events', partition: 0 };

function runChild(args: string[], killAfterMs: number | null, wrap: string[] = []): Promise<ChildRun> {
  return runChildScript(CHILD, args, killAfterMs, wrap);
}

/** Reopens the data dir (recovering it) and checks batches [0, count) byte for byte. */
async function expectBatches(dataDir: string, count: number): Promise<number> {
  const manager = LogManager.open({ dataDir, config: WORKLOAD_CONFIG, retentionCheckIntervalMs: 0 });
  const log = manager.getLog(TP)!;
  expect(log.logEndOffset).toBeGreaterThanOrEqual(count * RECORDS_PER_BATCH);
  for (let k = 0; k < count; k++) {
    const expected = workloadBatch(k) as Buffer;
    const read = log.read(k * RECORDS_PER_BATCH, 1);
    expect(read.firstOffset).toBe(k * RECORDS_PER_BATCH);
    const batch = read.records.subarray(0, expected.length);
    expect(batch.readBigInt64BE(0)).toBe(BigInt(k * RECORDS_PER_BATCH));
    expectStoredAs(batch, expected);
  }
  const end = log.logEndOffset;
  await manager.close();
  expect(checkLogFiles(join(dataDir, partitionDirName(TP)))).toBe(end);
  return end;
}

describe('crash safety', () => {
  test('every acknowledged batch survives SIGKILL at random moments (24 rounds)', async () => {
    const dataDir = tempDir();
    let acknowledged = 0;
    for (let round = 0; round < 24; round++) {
      const run = await runChild([dataDir], 20 + Math.floor(Math.random() * 200));
      expect(run.signal).toBe('SIGKILL');
      if (run.acked.length > 0) acknowledged = Math.max(acknowledged, run.acked[run.acked.length - 1]! + 1);
      const end = await expectBatches(dataDir, acknowledged);
      expect(end % RECORDS_PER_BATCH).toBe(0);
    }
    expect(acknowledged).toBeGreaterThan(24);
  });

  test('a file size limit (RLIMIT_FSIZE) fails the append with EFBIG and the log reopens consistent', async () => {
    const dataDir = tempDir();
    const segmentBytes = String(1024 * 1024);
    const run = await runChild([dataDir, segmentBytes], null, ['bash', '-c', 'ulimit -f 160; exec "$@"', 'limit']);
    const error = run.lines.find((l) => l.startsWith('error '));
    expect(error, run.lines.slice(-3).join('\n')).toMatch(/^error EFBIG \d+$/);
    expect(run.lines).toContain('closed');
    const leo = Number(error!.split(' ')[2]);
    expect(leo).toBe(run.acked.length * RECORDS_PER_BATCH);
    expect(await expectBatches(dataDir, run.acked.length)).toBe(leo);
  });

  const root = process.getuid?.() === 0;
  test.skipIf(!root)(
    'a full disk (small tmpfs) fails the append with ENOSPC and the log reopens consistent',
    async () => {
      const mount = tempDir();
      mkdirSync(mount, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mount]);
      try {
        const run = await runChild([mount], null);
        const error = run.lines.find((l) => l.startsWith('error '));
        expect(error, run.lines.slice(-3).join('\n')).toMatch(/^error ENOSPC \d+$/);
        const leo = Number(error!.split(' ')[2]);
        expect(leo).toBe(run.acked.length * RECORDS_PER_BATCH);
        expect(run.acked.length).toBeGreaterThan(10);
        expect(run.lines[run.lines.length - 1]).toMatch(/^(closed|close-failed ENOSPC)$/);
        execFileSync('mount', ['-o', 'remount,size=4m', mount]); // room again, as after an operator frees space
        expect(await expectBatches(mount, run.acked.length)).toBe(leo);
      } finally {
        execFileSync('umount', ['-l', mount]);
      }
    },
  );
});
