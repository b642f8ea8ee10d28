/**
 * DataDirLock: one process at a time owns a data directory.
 *
 * The owner holds an exclusive flock on DATA/.lock for as long as it has the directory
 * open (native lockFile). The kernel drops the lock when the file is closed or the
 * process dies, so a killed owner never leaves a stale lock and no two processes can
 * ever both believe they own the directory (a pid file cannot promise that: taking over
 * a dead owner's file races with another process doing the same). The file also holds
 * the owner's pid, only to name it in the error others get. A second open from the same
 * process is refused too: flock locks belong to each open of the file.
 */
import { closeSync, ftruncateSync, mkdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isErrnoCode, isTributaryError, TributaryError } from '../errors.js';
import { native } from '../native/addon.js';

export const LOCK_FILE = '.lock';

/** The pid the lock file names, if it names one (for the error message only). */
function holderPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates the data directory if missing. A path that exists as something else is
 * ENOTDIR naming it (mkdir alone says EEXIST, which reads as if all were well); any other
 * failure keeps its errno name, syscall and path.
 */
export function makeDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    const { code, syscall, errno } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST' && !statSync(dataDir).isDirectory())
      throw new TributaryError(`dataDir ${dataDir} is not a directory`, 'ENOTDIR', { path: dataDir, syscall, errno });
    if (!isErrnoCode(code)) throw error;
    throw new TributaryError(`cannot create dataDir ${dataDir}: ${(error as Error).message}`, code, {
      path: dataDir,
      syscall,
      errno,
    });
  }
}

export class DataDirLock {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Takes the lock on `dataDir` (which must exist); ERR_DATA_DIR_LOCKED if another owner holds it. */
  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, LOCK_FILE);
    let fd: number;
    try {
      fd = native.lockFile(path);
    } catch (error) {
      if (!isTributaryError(error, 'EAGAIN')) throw error;
      const pid = holderPid(path);
      throw new TributaryError(
        `data directory is locked by ${pid === undefined ? 'another owner' : `process ${pid}`} (${path})`,
        'ERR_DATA_DIR_LOCKED',
        {
          path,
          ...(pid === undefined ? {} : { pid }),
        },
      );
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
    return new DataDirLock(path, fd);
  }

  /** Gives the lock up; idempotent. The file stays: removing it would race with the next owner's open. */
  release(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }
}
