/**
 * The data-directory lock across real processes: a child holds it while the parent
 * tries, the parent holds it while a child tries, a SIGKILLed holder's lock is taken
 * over, and racers for a free lock end with exactly one owner. Children run the built
 * dist/ (rebuild with tsconfig.build.json).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, test } from 'vitest';
import { DataDirLock, LOCK_FILE } from '../../src/engine/DataDirLock.js';
import { tempDir } from '../helpers/tmp.js';

const DIST_LOCK = resolve(import.meta.dirname, '..', '..', 'dist', 'engine', 'DataDirLock.js');

const holderScript = `
import { DataDirLock } from ${JSON.stringify(DIST_LOCK)};
DataDirLock.acquire(process.argv[1]);
console.log('locked');
setInterval(() => {}, 1000);
`;

const tryScript = `
import { DataDirLock } from ${JSON.stringify(DIST_LOCK)};
try {
  DataDirLock.acquire(process.argv[1]).release();
  console.log(JSON.stringify({ acquired: true }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, pid: error.pid }));
}
`;

const racerScript = `
import { DataDirLock } from ${JSON.stringify(DIST_LOCK)};
try {
  DataDirLock.acquire(process.argv[1]);
  console.log('locked');
} catch (error) {
  console.log(error.code);
}
process.stdin.resume().on('end', () => process.exit(0));
`;

/** Starts a child that tries the lock and keeps what it got until its stdin closes; resolves with its report. */
async function racer(dataDir: string): Promise<{ report: string; finish: () => void }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', racerScript, dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  return { report: first.value as string, finish: () => child.stdin.end() };
}

/** Starts a child that takes the lock and keeps it; resolves once it holds it. */
async function lockingChild(dataDir: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', holderScript, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  expect(first.value).toBe('locked');
  const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
  return { pid: child.pid!, kill: () => (child.kill('SIGKILL'), exited) };
}

function tryInChild(dataDir: string): { acquired?: boolean; code?: string; pid?: number } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', tryScript, dataDir], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { acquired?: boolean; code?: string; pid?: number };
}

describe('DataDirLock', () => {
  test('a second acquire in the same process fails naming the holder; release frees it', () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir);
    expect(() => DataDirLock.acquire(dir)).toThrow(
      expect.objectContaining({ code: 'ERR_DATA_DIR_LOCKED', pid: process.pid }),
    );
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
    lock.release();
    DataDirLock.acquire(dir).release();
  });

  test('another process is refused while this one holds the lock, and gets it after release', () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir);
    expect(tryInChild(dir)).toEqual({ code: 'ERR_DATA_DIR_LOCKED', pid: process.pid });
    lock.release();
    expect(tryInChild(dir)).toEqual({ acquired: true });
  });

  test('a lock held by a live child refuses us; after SIGKILL of the child the stale lock is taken over', async () => {
    const dir = tempDir();
    const child = await lockingChild(dir);
    try {
      expect(() => DataDirLock.acquire(dir)).toThrow(
        expect.objectContaining({ code: 'ERR_DATA_DIR_LOCKED', pid: child.pid }),
      );
    } finally {
      expect(await child.kill()).toBe('SIGKILL');
    }
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${child.pid}\n`);
    const lock = DataDirLock.acquire(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  test('a lock file naming a live pid but held by nobody (left by a killed owner whose pid was reused) does not block', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid} 1\n`);
    DataDirLock.acquire(dir).release();
  });

  test('processes racing for a stale lock: exactly one gets it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid} 1\n`);
    const racers = await Promise.all(Array.from({ length: 4 }, () => racer(dir)));
    try {
      expect(racers.map((r) => r.report).sort()).toEqual([
        'ERR_DATA_DIR_LOCKED',
        'ERR_DATA_DIR_LOCKED',
        'ERR_DATA_DIR_LOCKED',
        'locked',
      ]);
    } finally {
      for (const r of racers) r.finish();
    }
  });

  test('a lock file that is not one of ours is treated as stale', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), 'garbage');
    DataDirLock.acquire(dir).release();
  });
});
