/**
 * Atomic files and directory sync: what makes a rename or a new file survive a crash.
 * Below the log and the front doors alike (checkpoints, broker metadata, producer ids,
 * segment repair), so none of them reaches into another layer for it.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
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

/** syncDirectory off the event loop's thread, for a flush other requests should not wait behind. */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `contents` to `path` so that a crash leaves either the old or the new file. */
export function writeFileAtomic(path: string, contents: string): void {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  syncDirectory(dirname(path));
}
