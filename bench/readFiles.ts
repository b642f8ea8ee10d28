/**
 * The plain-file read baselines: every file read front to back with fs.readSync into
 * one reusable buffer, each chunk handed to `visit` (when given) before the next read.
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes read from all of `fds`. */
export function readAllSync(fds: number[], chunk: Buffer, visit?: (bytes: Buffer, length: number) => void): number {
  let bytes = 0;
  for (const fd of fds) {
    let position = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, position);
      if (n === 0) break;
      visit?.(chunk, n);
      position += n;
    }
    bytes += position;
  }
  return bytes;
}

/** Opens the .log segment files of a partition directory, in offset order. */
export function openSegmentFiles(dir: string): number[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .sort()
    .map((name) => openSync(join(dir, name), 'r'));
}

export function closeAll(fds: number[]): void {
  for (const fd of fds) closeSync(fd);
}
