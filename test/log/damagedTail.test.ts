/**
 * A damaged tail found at open (issue 18, item 2): a clean shutdown's marker does not
 * make the loader trust bytes it can check. Each case produces with durability
 * 'always', closes cleanly, damages the files and reopens through the LogManager (which
 * reads the recovery-point checkpoint the close wrote): the acknowledged batches before
 * the damage read back, and no offset is given out twice.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { logFile, partitionDirName } from '../../src/log/LogFileNames.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';
import { checkLogFiles } from './check.js';
import { appendAcked, damageFile, expectReadBack, openManager, TP, type Acked, type Damage } from './damage.js';

const CONFIG = { durability: 'always' as const };
const TWO_SEGMENTS = { ...CONFIG, segmentBytes: 24 * 1024 };
const BATCHES = 96;

interface Written {
  dataDir: string;
  dir: string;
  acked: Acked[];
  bases: number[];
  end: number;
}

/** 96 batches of 5 records (about 45 KiB), acknowledged, then a clean close. */
async function written(config: typeof CONFIG): Promise<Written> {
  const dataDir = tempDir();
  const manager = openManager(dataDir, config);
  const log = manager.getOrCreateLog(TP);
  const acked: Acked[] = [];
  for (let i = 0; i < BATCHES; i++) await appendAcked(log, sampleBatch(i, 5, 60), acked);
  const bases = log.segmentBaseOffsets;
  const end = log.logEndOffset;
  await manager.close();
  return { dataDir, dir: join(dataDir, partitionDirName(TP)), acked, bases, end };
}

/** Batches of the segment at `base` that end before `position` in its file, and all of the earlier segments. */
function ackedBefore(w: Written, base: number, position: number): Acked[] {
  const next = w.bases.find((b) => b > base) ?? Infinity;
  let at = 0;
  return w.acked.filter((a) => {
    if (a.baseOffset < base) return true;
    if (a.baseOffset >= next) return false;
    at += a.batch.length;
    return at <= position;
  });
}

/** Reopens, checks what survived and that a new append goes above every offset handed out, closes, and checks again. */
async function reopenAndAppend(w: Written, survivors: Acked[]): Promise<void> {
  const manager = openManager(w.dataDir, CONFIG);
  const log = manager.getLog(TP)!;
  expect(log.logEndOffset).toBeGreaterThanOrEqual(w.end);
  expectReadBack(log, survivors);
  const fresh = await appendAcked(log, sampleBatch(1000, 5, 60), []);
  expect(fresh.baseOffset).toBeGreaterThanOrEqual(w.end);
  const end = log.logEndOffset;
  await manager.close();
  const again = openManager(w.dataDir, CONFIG);
  const reopened = again.getLog(TP)!;
  expect(reopened.logEndOffset).toBe(end);
  expectReadBack(reopened, [...survivors, fresh]);
  await again.close();
  expect(checkLogFiles(w.dir)).toBe(end);
}

describe('a damaged tail after a clean shutdown', () => {
  test('the last 4 KiB of the active segment zeroed: cut away, and the next offset is above the old log end', async () => {
    const w = await written(CONFIG);
    const path = logFile(w.dir, 0);
    const size = statSync(path).size;
    const damage: Damage = { kind: 'zero', position: size - 4096, length: 4096 };
    damageFile(path, damage);
    await reopenAndAppend(w, ackedBefore(w, 0, damage.position));
  });

  test('400 bytes cut off the active segment: the torn batch is cut, no offset handed out twice', async () => {
    const w = await written(CONFIG);
    const path = logFile(w.dir, 0);
    const position = damageFile(path, { kind: 'truncate', position: 0, length: 400 });
    await reopenAndAppend(w, ackedBefore(w, 0, position));
  });

  test('two segments, the active one zeroed from its last index entry: its good records stay readable', async () => {
    const w = await written(TWO_SEGMENTS);
    expect(w.bases.length).toBe(2);
    const path = logFile(w.dir, w.bases[1]!);
    const size = statSync(path).size;
    const position = damageFile(path, { kind: 'zero', position: size - 4096, length: 4096 });
    await reopenAndAppend(w, ackedBefore(w, w.bases[1]!, position));
  });

  test('two segments, the first shorter than its index claims: the second stays readable', async () => {
    const w = await written(TWO_SEGMENTS);
    const path = logFile(w.dir, 0);
    const position = damageFile(path, { kind: 'truncate', position: 0, length: 6000 });
    const survivors = [...ackedBefore(w, 0, position), ...w.acked.filter((a) => a.baseOffset >= w.bases[1]!)];
    await reopenAndAppend(w, survivors);
  });
});
