import { describe, expect, test } from 'vitest';
import { GroupCommit } from '../../src/log/GroupCommit.js';

function controlledFlush() {
  const runs: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const flush = () => new Promise<void>((resolve, reject) => runs.push({ resolve, reject }));
  return { runs, commit: new GroupCommit(flush) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  test('requests in the same tick share one flush; requests during a flush share the next one', async () => {
    const { runs, commit } = controlledFlush();
    const sameTick = [commit.request(), commit.request(), commit.request()];
    expect(runs.length).toBe(0); // starts at the end of the tick
    await tick();
    expect(runs.length).toBe(1);
    const during = [commit.request(), commit.request()];
    let settled = 0;
    during.forEach((w) => void w.then(() => settled++));
    runs[0]!.resolve();
    await Promise.all(sameTick);
    await tick();
    expect(settled).toBe(0);
    expect(runs.length).toBe(2);
    runs[1]!.resolve();
    await Promise.all(during);
    expect(settled).toBe(2);
  });

  test('a failed flush rejects its waiters and the next request starts afresh', async () => {
    const { runs, commit } = controlledFlush();
    const first = commit.request();
    await tick();
    runs[0]!.reject(new Error('EIO'));
    await expect(first).rejects.toThrow('EIO');
    const again = commit.request();
    await tick();
    expect(runs.length).toBe(2);
    runs[1]!.resolve();
    await expect(again).resolves.toBeUndefined();
  });
});
