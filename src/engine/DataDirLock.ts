/**
 * DataDirLock: one process at a time owns a data directory.
 *
 * Node has no flock, so the lock is a file, DATA/.lock, holding the owner's pid and its
 * start time (from /proc on Linux). It is made complete in a temp file and then
 * hard-linked into place, which fails atomically if a lock exists, so nobody ever reads a
 * half-written lock. A lock whose process is gone (killed, crashed) is stale and taken
 * over; the start time tells a recycled pid from the owner. The same process opening
 * the directory twice finds itself alive and is refused too.
 */
import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError } from '../errors.js';

export const LOCK_FILE = '.lock';

interface Holder {
  pid: number;
  /** Process start time in clock ticks since boot (Linux), or '' where unknown. */
  start: string;
}

/** The start time of a running process; null if it is gone or a zombie (killed, not yet reaped). */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields from 3 (state) on, after the parenthesized command name, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? null : (fields[19] ?? '');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux' ? null : '';
  }
}

function isAlive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const start = processStart(holder.pid);
  return start !== null && (holder.start === '' || start === '' || start === holder.start);
}

function parseHolder(text: string): Holder | null {
  const match = /^(\d+) (\d*)\n$/.exec(text);
  return match ? { pid: Number(match[1]), start: match[2]! } : null;
}

export class DataDirLock {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly holder: string,
  ) {}

  /** Takes the lock on `dataDir` (which must exist); ERR_DATA_DIR_LOCKED if a live process holds it. */
  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, LOCK_FILE);
    const holder = `${process.pid} ${processStart(process.pid) ?? ''}\n`;
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, holder);
    try {
      for (;;) {
        if (DataDirLock.tryLink(temp, path)) return new DataDirLock(path, holder);
        DataDirLock.removeIfStale(path);
      }
    } finally {
      rmSync(temp, { force: true });
    }
  }

  private static tryLink(temp: string, path: string): boolean {
    try {
      linkSync(temp, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  /** Removes the lock at `path` if its holder is gone; throws ERR_DATA_DIR_LOCKED if it is alive. */
  private static removeIfStale(path: string): void {
    let text: string;
    let inode: number;
    try {
      inode = statSync(path).ino;
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const holder = parseHolder(text);
    if (holder !== null && isAlive(holder)) {
      throw new TributaryError(`data directory is locked by process ${holder.pid} (${path})`, 'ERR_DATA_DIR_LOCKED', {
        path,
        pid: holder.pid,
      });
    }
    // Only the stale file we read is removed: another process may have replaced it meanwhile.
    if (DataDirLock.inodeOf(path) === inode) rmSync(path, { force: true });
  }

  private static inodeOf(path: string): number | null {
    try {
      return statSync(path).ino;
    } catch {
      return null;
    }
  }

  /** Gives the lock up (if it is still ours); idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (readFileSync(this.path, 'utf8') === this.holder) rmSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
