/**
 * Randomized damage to segment tails (issue 18, item 2), 200 seeded cases: zeroed
 * bytes, a cut, a flipped byte or garbage appended, somewhere after the last index
 * entry of one segment, after a clean close (the marker written) or a crash (no close, no marker;
 * the recovery point as last checkpointed), with one segment or two. For each:
 * - every acknowledged batch before the damage (and every one in another segment)
 *   reads back byte for byte;
 * - no offset is given out twice: a new append goes above every offset acknowledged
 *   before a clean close, or before the last checkpoint of a crashed run (offsets a
 *   crash's open cannot know of: Kafka's recovery point is the same bound);
 * - after more appends and a clean close, the next open reads what the first one did,
 *   and the new batches.
 */
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Log } from '../../src/log/Log.js';
import { logFile, partitionDirName } from '../../src/log/LogFileNames.js';
import type { LogManager } from '../../src/log/LogManager.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { batchSizeAt } from '../../src/record/RecordBatchHeader.js';
import { checkOffsetIndex, siblingFiles } from '../../src/log/SegmentCheck.js';
import { sampleBatch } from '../helpers/batches.js';
import { Rng } from '../helpers/random.js';
import { tempDir } from '../helpers/tmp.js';
import { checkLogFiles } from './check.js';
import {
  appendAcked,
  damageFile,
  expectReadBack,
  openManager,
  TP,
  type Acked,
  type Damage,
  type DamageKind,
} from './damage.js';

/** TRIBUTARY_STRESS=1 runs many more. */
const CASES = process.env.TRIBUTARY_STRESS === '1' ? 5000 : 200;
/**
 * On a tmpfs when there is one: an fdatasync there costs nothing, and what is tested is
 * the damage and the open, not the disk (crash.test.ts kills real writers).
 */
const ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const TAIL = 1024;
const KINDS: DamageKind[] = ['zero', 'truncate', 'flip', 'garbage'];

interface Case {
  rng: Rng;
  clean: boolean;
  segments: 1 | 2;
  config: { durability: 'always'; segmentBytes: number; indexIntervalBytes: number };
}

/** Appends `count` small batches at once (they share the group commit's fdatasyncs); all are acknowledged. */
async function appendSome(log: Log, rng: Rng, count: number, acked: Acked[]): Promise<void> {
  const batches = Array.from({ length: count }, () => sampleBatch(rng.int(0, 1 << 20), rng.int(1, 3), rng.int(8, 40)));
  const done = await Promise.all(batches.map((batch) => appendAcked(log, batch, [])));
  acked.push(...done.sort((a, b) => a.baseOffset - b.baseOffset));
}

/** Writes the case's batches; returns them, the segments, and the offset below which nothing may be given again. */
async function write(c: Case, dataDir: string) {
  const manager = openManager(dataDir, c.config);
  const log = manager.getOrCreateLog(TP);
  const acked: Acked[] = [];
  let checkpointed = 0;
  while (log.segmentCount < c.segments || acked.length < 3) {
    await appendSome(log, c.rng, c.rng.int(1, 4), acked);
    if (c.rng.oneIn(3)) {
      manager.checkpoint();
      checkpointed = log.recoveryPoint;
    }
  }
  await appendSome(log, c.rng, c.rng.int(0, 3), acked);
  const bases = log.segmentBaseOffsets;
  const end = log.logEndOffset;
  if (c.clean) await manager.close(); // else a crash: the files stay as they are, no marker
  return { acked, bases, floor: c.clean ? end : checkpointed };
}

/**
 * Damage somewhere in the tail a clean open checks, from the last offset index entry
 * on (before it, only a full scan would see a flipped byte: an unclean open's, or
 * dump-log's); a cut may reach further back.
 */
function randomDamage(rng: Rng, path: string): { damage: Damage; garbage: Buffer } {
  const size = statSync(path).size;
  const tail = checkOffsetIndex(siblingFiles(path).index, null).at(-1)?.position ?? 0;
  const kind = rng.pick(KINDS);
  const position = rng.int(Math.min(tail, size - 1), size - 1);
  const length = kind === 'truncate' ? rng.int(1, Math.min(size, TAIL)) : rng.int(1, 600);
  return { damage: { kind, position, length }, garbage: rng.bytes(rng.int(1, 300)) };
}

/** The acknowledged batches the damage at `from` in segment `base` left whole. */
function survivors(acked: Acked[], bases: number[], base: number, from: number): Acked[] {
  const next = bases.find((b) => b > base) ?? Infinity;
  let at = 0;
  return acked.filter((a) => {
    if (a.baseOffset < base || a.baseOffset >= next) return true;
    at += a.batch.length;
    return at <= from;
  });
}

/** Every batch the log holds, as (offset, bytes), reading from its start. */
function contents(log: Log): string[] {
  const seen: string[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records } = log.read(offset, 1 << 20);
    if (records.length === 0) break;
    for (let at = 0; at < records.length;) {
      const bytes = records.subarray(at, at + batchSizeAt(records, at));
      const batch = RecordBatch.from(bytes);
      seen.push(`${batch.baseOffset}:${bytes.toString('base64')}`);
      offset = batch.lastOffset + 1;
      at += bytes.length;
    }
  }
  return seen;
}

async function runCase(seed: number): Promise<void> {
  const rng = new Rng(seed);
  const segments = rng.oneIn(2) ? 1 : 2;
  const c: Case = {
    rng,
    clean: rng.oneIn(2),
    segments,
    config: { durability: 'always', segmentBytes: segments === 1 ? 1 << 20 : 2048, indexIntervalBytes: 256 },
  };
  const dataDir = tempDir('tributary-', ROOT);
  const dir = join(dataDir, partitionDirName(TP));
  const { acked, bases, floor } = await write(c, dataDir);
  const base = rng.pick(bases);
  const path = logFile(dir, base);
  const { damage, garbage } = randomDamage(rng, path);
  const from = damageFile(path, damage, garbage);
  const what = `seed ${seed}: ${c.clean ? 'clean' : 'crash'}, segments ${bases}, ${damage.kind} at ${from} of ${base}`;

  let manager: LogManager = openManager(dataDir, c.config);
  let log = manager.getLog(TP)!;
  const kept = survivors(acked, bases, base, from);
  expectReadBack(log, kept);
  expect(log.logEndOffset, what).toBeGreaterThanOrEqual(floor);
  const first = contents(log);
  const more: Acked[] = [];
  await appendSome(log, rng, rng.int(1, 3), more);
  expect(more[0]!.baseOffset, what).toBeGreaterThanOrEqual(Math.max(floor, ...kept.map((a) => a.lastOffset + 1)));
  const end = log.logEndOffset;
  await manager.close();

  manager = openManager(dataDir, c.config);
  log = manager.getLog(TP)!;
  expect(log.logEndOffset, what).toBe(end);
  const second = contents(log);
  expect(second.slice(0, first.length), what).toEqual(first);
  expect(second.length, what).toBe(first.length + more.length);
  expectReadBack(log, more);
  await manager.close();
  expect(checkLogFiles(dir), what).toBe(end);
}

describe('randomized tail damage', () => {
  test(`${CASES} cases: what was acknowledged before the damage survives, no offset is given twice`, async () => {
    for (let seed = 1; seed <= CASES; seed++) await runCase(seed * 7919);
  }, 600_000);
});
