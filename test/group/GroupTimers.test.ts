/**
 * GroupTimers: an operation scheduled with no delay left runs as soon as the operation
 * that scheduled it ends, before any I/O that follows (Kafka's SystemTimer runs an
 * already expired task at once), not after a setTimeout's millisecond; it can still be
 * cancelled or replaced until then.
 */
import { setImmediate as nextIo } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { GroupTimers } from '../../src/group/GroupTimers.js';

describe('GroupTimers', () => {
  test('a due operation runs after the current one, before the next I/O callback', async () => {
    const timers = new GroupTimers();
    const ran: string[] = [];
    timers.schedule('sync', 0, () => ran.push('sync'));
    timers.schedule('join', -5, () => ran.push('join'));
    expect(ran).toEqual([]);
    expect(timers.has('sync')).toBe(true);
    const io = nextIo().then(() => ran.push('io'));
    await io;
    expect(ran).toEqual(['sync', 'join', 'io']);
    expect(timers.has('sync')).toBe(false);
  });

  test('cancelled, replaced or closed before it runs, it does not', async () => {
    const timers = new GroupTimers();
    const ran: string[] = [];
    timers.schedule('a', 0, () => ran.push('a'));
    timers.cancel('a');
    timers.schedule('b', 0, () => ran.push('b, first'));
    timers.schedule('b', 0, () => ran.push('b, again'));
    timers.schedule('c', 0, () => ran.push('c'));
    timers.close();
    timers.schedule('d', 0, () => ran.push('d'));
    await nextIo();
    expect(ran).toEqual([]);
    const more = new GroupTimers();
    more.schedule('b', 0, () => ran.push('b, first'));
    more.schedule('b', 0, () => ran.push('b, again'));
    await nextIo();
    expect(ran).toEqual(['b, again']);
  });
});
