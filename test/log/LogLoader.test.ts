/**
 * The recovery scan's progress feed: an unclean open announces and then goes through
 * every byte of the segments it scans; a clean open scans nothing and says so.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Log } from '../../src/log/Log.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';

const CONFIG = { segmentBytes: 4096, indexIntervalBytes: 256 };

function recorder() {
  const seen = { expected: 0, advanced: 0, advances: 0 };
  const progress = {
    expect: (bytes: number) => void (seen.expected += bytes),
    advance: (bytes: number) => void ((seen.advanced += bytes), seen.advances++),
  };
  return { seen, progress };
}

describe('loadSegments progress', () => {
  test('an unclean open reports the bytes of every segment it scans; a clean one none', async () => {
    const dir = tempDir();
    const log = Log.open({ dir, config: CONFIG });
    for (let i = 0; i < 30; i++) await log.append(sampleBatch(i, 2, 100));
    await log.close();
    const logBytes = readdirSync(dir)
      .filter((name) => name.endsWith('.log'))
      .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);

    const unclean = recorder();
    await Log.open({ dir, config: CONFIG, hadCleanShutdown: false, recoveryProgress: unclean.progress }).close();
    expect(unclean.seen.expected).toBe(logBytes);
    expect(unclean.seen.advanced).toBe(logBytes);
    expect(unclean.seen.advances).toBeGreaterThan(1);

    const clean = recorder();
    await Log.open({ dir, config: CONFIG, hadCleanShutdown: true, recoveryProgress: clean.progress }).close();
    expect(clean.seen).toEqual({ expected: 0, advanced: 0, advances: 0 });
  });
});
