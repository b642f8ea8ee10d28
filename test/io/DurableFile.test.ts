/**
 * Directory syncs off the event loop hold at most four descriptors at once, however many
 * logs flush together: an open-file budget counts segments' descriptors, not these.
 */
import { mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { syncDirectoryAsync } from '../../src/io/DurableFile.js';
import { tempDir } from '../helpers/tmp.js';

/** How many of this process's descriptors are open on a directory under `root`. */
function descriptorsUnder(root: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(root)) count++;
    } catch {
      // closed between the listing and the look
    }
  }
  return count;
}

describe('syncDirectoryAsync', () => {
  test('64 syncs at once hold at most 4 directory descriptors, and all complete', async () => {
    const root = tempDir();
    const dirs = Array.from({ length: 64 }, (_, i) => join(root, `d${i}`));
    for (const dir of dirs) mkdirSync(dir);
    let most = 0;
    let done = false;
    const syncs = Promise.all(dirs.map((dir) => syncDirectoryAsync(dir))).finally(() => (done = true));
    while (!done) {
      most = Math.max(most, descriptorsUnder(root));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await syncs;
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(4);
    expect(descriptorsUnder(root)).toBe(0);
  });
});
