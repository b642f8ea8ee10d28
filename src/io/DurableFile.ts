/**
 * Atomic files and directory sync: what makes a rename or a new file survive a crash.
 * Below the log and the front doors alike (checkpoints, broker metadata, producer ids,
 * segment repair), so none of them reaches into another layer for it.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsyncs directory `dir`, so the names created, renamed or deleted in it are on disk. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * At most this many directory syncs hold a descriptor at once. libuv's thread pool runs
 * four tasks, so a fifth open would only wait there for its fsync holding a descriptor,
 * and many logs flushing at once would spend descriptors no open-file budget counts.
 */
const MAX_DIRECTORY_SYNCS = 4;
let directorySyncs = 0;
const waitingSyncs: (() => void)[] = [];

/** syncDirectory off the event loop's thread, for a flush other requests should not wait behind. */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  if (directorySyncs < MAX_DIRECTORY_SYNCS) directorySyncs++;
  else await new Promise<void>((resolve) => waitingSyncs.push(resolve));
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } finally {
    // The slot passes to the next waiter as it is, or is given back.
    const next = waitingSyncs.shift();
    if (next === undefined) directorySyncs--;
    else next();
  }
}

/**
 * Writes `contents` to `path` so that a crash leaves either the old or the new file.
 * `sync: false` skips the fsyncs of the file and its directory: for a file its reader can
 * rebuild when a power loss tears it (a producer snapshot at a roll, as Kafka's).
 */
export function writeFileAtomic(path: string, contents: string | Uint8Array, { sync = true } = {}): void {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeFileSync(fd, contents); // all of it: a writeSync may write part
    if (sync) fsyncSync(fd);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  if (sync) syncDirectory(dirname(path));
}
