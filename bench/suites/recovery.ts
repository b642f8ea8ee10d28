/**
 * recovery: how long a broker's log layer takes to open a partition after a crash, by
 * log size (64 and 256 MiB; quick 16 and 64 MiB), in MB/s of log recovered.
 *
 * The log (16 KiB batches, 32 MiB segments) is written once through a LogManager and
 * closed cleanly. Before each crash trial, outside the timing, the clean-shutdown
 * marker and the recovery-point checkpoint are deleted: what a SIGKILL leaves when no
 * checkpoint was written since the data was appended (recovery point 0). The trial times
 * LogManager.open, which then scans every segment batch by batch (framing, CRC, offsets)
 * and rebuilds the indexes; the log end offset must come back whole.
 *
 * - baseline: fs.readSync of the same segment files in 1 MiB chunks, the floor for any
 *   full scan of those bytes;
 * - second row: a clean open (marker and checkpoint present: indexes sanity-checked,
 *   only each segment's tail after its last index entry scanned) against the same
 *   baseline, in the same rounds.
 *
 * The page cache is warm for every contender: this is recovery after a process crash,
 * not after a power loss or a reboot, where the disk's read speed would dominate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLEAN_SHUTDOWN_FILE, partitionDirName, RECOVERY_POINT_CHECKPOINT } from '../../src/log/LogFileNames.js';
import { LogManager } from '../../src/log/LogManager.js';
import { buildBatchOfSize } from '../batches.js';
import {
  byMode,
  compare,
  KiB,
  log,
  megabytesPerSecond,
  MiB,
  roundsFor,
  timeSync,
  toRow,
  type Comparison,
  type ResultRow,
  type Sample,
  type SuiteContext,
} from '../harness.js';
import { closeAll, openSegmentFiles, readAllSync } from '../readFiles.js';

const SUITE = 'recovery';
const TP = { topic: 'recovered', partition: 0 };
const CONFIG = { segmentBytes: 32 * MiB, durability: 'never' as const };
const MANAGER = { config: CONFIG, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 };

/** Writes `total` bytes of 16 KiB batches into the partition of a fresh data directory; its log end offset. */
async function writeLog(dataDir: string, total: number): Promise<number> {
  const manager = LogManager.open({ dataDir, ...MANAGER });
  const theLog = manager.getOrCreateLog(TP, CONFIG);
  const batch = buildBatchOfSize(16 * KiB);
  for (let written = 0; written < total; written += batch.length) await theLog.append(batch);
  const end = theLog.logEndOffset;
  await manager.close();
  return end;
}

/** Opens the data directory (timed), checks the log end offset, closes it cleanly (not timed). */
async function openTrial(dataDir: string, endOffset: number, bytes: number): Promise<Sample> {
  let manager: LogManager | undefined;
  const ns = timeSync(() => void (manager = LogManager.open({ dataDir, ...MANAGER })));
  const end = manager!.getLog(TP)?.logEndOffset;
  await manager!.close();
  if (end !== endOffset) throw new Error(`reopened log ends at ${end}, expected ${endOffset}`);
  return { ns, units: bytes };
}

function crash(dataDir: string): void {
  rmSync(join(dataDir, CLEAN_SHUTDOWN_FILE), { force: true });
  rmSync(join(dataDir, RECOVERY_POINT_CHECKPOINT), { force: true });
}

async function runSize(ctx: SuiteContext, total: number): Promise<ResultRow[]> {
  const dataDir = mkdtempSync(join(ctx.tmpDir, 'recovery-'));
  try {
    log(`${SUITE}: writing a ${total / MiB} MiB log`);
    const endOffset = await writeLog(dataDir, total);
    const fds = openSegmentFiles(join(dataDir, partitionDirName(TP)));
    const chunk = Buffer.allocUnsafe(MiB);
    const bytes = readAllSync(fds, chunk);
    log(`${SUITE}: recovery of ${total / MiB} MiB vs fs.readSync`);
    let comparison: Comparison;
    try {
      comparison = await compare({
        ...roundsFor(ctx),
        rate: megabytesPerSecond,
        subject: {
          name: 'recovery',
          trial: () => {
            crash(dataDir);
            return openTrial(dataDir, endOffset, bytes);
          },
        },
        baselines: [
          { name: 'fs.readSync', trial: () => ({ ns: timeSync(() => void readAllSync(fds, chunk)), units: bytes }) },
          { name: 'clean open', trial: () => openTrial(dataDir, endOffset, bytes) },
        ],
      });
    } finally {
      closeAll(fds);
    }
    const label = `${total / MiB} MiB log, 16 KiB batches, 32 MiB segments`;
    const row = (kind: string) => ({
      suite: SUITE,
      case: `${kind}, ${label}`,
      metric: 'throughput',
      unit: 'MB/s',
      baseline: 'fs.readSync of the segment files, 1 MiB chunks',
    });
    return [
      toRow({ ...row('recovery after a crash (recovery point 0)'), note: 'page cache warm' }, comparison),
      toRow(row('clean open'), { subject: comparison.baselines[1]!, baselines: [comparison.baselines[0]!] }),
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runRecovery(ctx: SuiteContext): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const size of byMode(ctx, [64, 256], [16, 64], [4])) rows.push(...(await runSize(ctx, size * MiB)));
  return rows;
}
