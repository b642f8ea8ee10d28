/**
 * File descriptors of a log (issue 18): the active segment holds three (.log, .index,
 * .timeindex); a sealed one none, as its reads go through the mappings. Measured in
 * /proc/self/fd. Appends, reads, flushes, truncation into a sealed segment, retention and
 * reopening still work with the sealed files closed.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Log } from '../../src/log/Log.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';

const openFds = () => readdirSync('/proc/self/fd').length;

describe('file descriptors of a log', () => {
  test('sealed segments hold none; reads, flush, truncation and reopen work through the mappings', async () => {
    // A one-segment log first, so what appending itself opens (the thread pool) is counted out.
    const single = Log.open({ dir: tempDir() });
    for (let i = 0; i < 60; i++) await single.append(sampleBatch(i));
    const dir = tempDir();
    const before = openFds();
    const log = Log.open({ dir, config: { segmentBytes: 2048 } });
    expect(openFds() - before).toBe(3);
    for (let i = 0; i < 60; i++) await log.append(sampleBatch(i));
    const segments = readdirSync(dir).filter((n) => n.endsWith('.log')).length;
    expect(segments).toBeGreaterThan(5);
    await log.flush(); // a roll's flush on the thread pool holds its segment's descriptor until done
    expect(openFds() - before).toBe(3); // the active segment's only (was 3 per segment)
    expect(log.read(0, 100).records.readBigInt64BE(0)).toBe(0n);
    log.truncateTo(30); // into a sealed segment, which becomes active again
    expect(log.logEndOffset).toBe(30);
    await log.append(sampleBatch(99));
    expect(openFds() - before).toBe(3);
    await log.close();
    expect(openFds()).toBe(before);
    const reopened = Log.open({ dir, config: { segmentBytes: 2048 }, hadCleanShutdown: true, recoveryPoint: 33 });
    expect(reopened.logEndOffset).toBe(33);
    expect(reopened.read(0, 100).firstOffset).toBe(0);
    await reopened.close();
    await single.close();
  });
});
