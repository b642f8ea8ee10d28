import {
  appendFileSync,
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Log } from '../../src/log/Log.js';
import { logFile, offsetIndexFile, timeIndexFile } from '../../src/log/LogFileNames.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';
import { checkLogFiles } from './check.js';

const CONFIG = { segmentBytes: 4096, indexIntervalBytes: 256 };
const BATCH = sampleBatch(0, 2, 100).length;

/** A closed log of 30 two-record batches over several segments. */
async function closedLog(): Promise<{ dir: string; lastBase: number }> {
  const dir = tempDir();
  const log = Log.open({ dir, config: CONFIG });
  for (let i = 0; i < 30; i++) await log.append(sampleBatch(i, 2, 100));
  const lastBase = log.segmentBaseOffsets.at(-1)!;
  await log.close();
  return { dir, lastBase };
}

function flipByte(path: string, position: number): void {
  const fd = openSync(path, 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, position);
  byte[0]! ^= 0x40;
  writeSync(fd, byte, 0, 1, position);
  closeSync(fd);
}

function reopen(dir: string, clean = false): Log {
  return Log.open({ dir, config: CONFIG, hadCleanShutdown: clean });
}

describe('recovery after an unclean stop', () => {
  test('a torn tail is cut back to the last whole batch', async () => {
    const { dir, lastBase } = await closedLog();
    const path = logFile(dir, lastBase);
    truncateSync(path, statSync(path).size - 17);
    const log = reopen(dir);
    expect(log.logEndOffset).toBe(58);
    expect((await log.append(sampleBatch(99, 2, 100))).baseOffset).toBe(58);
    await log.close();
    expect(checkLogFiles(dir)).toBe(60);
  });

  test('a flipped byte drops the damaged batch and everything after it', async () => {
    const { dir, lastBase } = await closedLog();
    flipByte(logFile(dir, lastBase), BATCH + 70); // inside the second batch of the last segment
    const log = reopen(dir);
    expect(log.logEndOffset).toBe(lastBase + 2);
    await log.close();
    expect(checkLogFiles(dir)).toBe(lastBase + 2);
  });

  test('a zero-filled tail (preallocated, never written) is cut', async () => {
    const { dir, lastBase } = await closedLog();
    appendFileSync(logFile(dir, lastBase), Buffer.alloc(3000));
    const log = reopen(dir);
    expect(log.logEndOffset).toBe(60);
    await log.close();
    expect(checkLogFiles(dir)).toBe(60);
  });

  test('deleted index files are rebuilt, with the same lookups as before', async () => {
    const { dir } = await closedLog();
    const before = reopen(dir, true);
    const reads = [0, 13, 27, 44, 59].map((o) => before.read(o, 1).firstOffset);
    const bases = before.segmentBaseOffsets;
    await before.close();
    for (const base of bases) {
      rmSync(offsetIndexFile(dir, base));
      rmSync(timeIndexFile(dir, base));
    }
    const after = reopen(dir, true);
    expect([0, 13, 27, 44, 59].map((o) => after.read(o, 1).firstOffset)).toEqual(reads);
    await after.close();
    for (const base of bases) expect(existsSync(offsetIndexFile(dir, base))).toBe(true);
    expect(checkLogFiles(dir)).toBe(60);
  });

  test('an index that disagrees with its log is rebuilt even after a clean stop', async () => {
    const { dir } = await closedLog();
    writeFileSync(offsetIndexFile(dir, 0), Buffer.from([0, 0, 0, 9, 0, 0, 0x7f, 0xff, 0, 0, 0, 1, 0, 0, 0, 1]));
    const log = reopen(dir, true);
    expect(log.read(1, 1).firstOffset).toBe(0);
    await log.close();
    expect(checkLogFiles(dir)).toBe(60);
  });

  test("a clean open checks only each segment's tail (after its last index entry); an unclean one every CRC", async () => {
    const { dir, lastBase } = await closedLog();
    flipByte(logFile(dir, lastBase), 70);
    const clean = reopen(dir, true);
    expect(clean.logEndOffset).toBe(60); // before the last index entry: not scanned, so not seen
    await clean.close();
    const unclean = reopen(dir);
    expect(unclean.logEndOffset).toBe(lastBase);
    await unclean.close();
  });

  test('segments before the recovery point are not rescanned', async () => {
    const { dir, lastBase } = await closedLog();
    flipByte(logFile(dir, 0), 70);
    const log = Log.open({ dir, config: CONFIG, recoveryPoint: lastBase });
    expect(log.logEndOffset).toBe(60);
    await log.close();
    const full = Log.open({ dir, config: CONFIG, recoveryPoint: 0 });
    // The damaged first segment is cut to nothing; the later ones, whole, stay readable
    // (Kafka's recoverLog deletes them: a replica would fetch them again; here they are the only copy).
    expect(full.logEndOffset).toBe(60);
    expect(full.read(0, 1).firstOffset).toBe(full.segmentBaseOffsets[1]);
    await full.close();
    expect(checkLogFiles(dir)).toBe(60);
  });

  test('leftover temporary files and orphan indexes are removed', async () => {
    const { dir } = await closedLog();
    writeFileSync(join(dir, '00000000000000000000.log.truncating'), 'x');
    writeFileSync(join(dir, '00000000000000099999.index'), Buffer.alloc(8));
    const log = reopen(dir);
    await log.close();
    expect(readdirSync(dir).some((n) => n.endsWith('.truncating') || n.startsWith('00000000000000099999'))).toBe(false);
  });
});
