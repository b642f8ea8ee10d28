/**
 * A partition's `leader-epoch-checkpoint` (Kafka's LeaderEpochCheckpointFile): a version
 * line (0), a count line, then one `epoch startOffset` line per epoch, oldest first.
 * Written atomically (temp file, fsync, rename, fsync of the directory) as Kafka's
 * CheckpointFile is, so a crash leaves the old file or the new one.
 */
import { readFileSync } from 'node:fs';
import { TributaryError } from '../errors.js';
import { writeFileAtomic } from '../io/DurableFile.js';

const VERSION = 0;

/** An epoch and the first offset a leader of that epoch wrote (Kafka's EpochEntry). */
export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export function writeLeaderEpochCheckpoint(path: string, entries: readonly EpochEntry[]): void {
  const lines = entries.map((e) => `${e.epoch} ${e.startOffset}`);
  writeFileAtomic(path, [String(VERSION), String(lines.length), ...lines, ''].join('\n'));
}

/** The entries of the file at `path`; none when it is missing; ERR_CORRUPT_CHECKPOINT when it is not Kafka's format. */
export function readLeaderEpochCheckpoint(path: string): EpochEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const corrupt = (why: string) =>
    new TributaryError(`leader epoch checkpoint ${path}: ${why}`, 'ERR_CORRUPT_CHECKPOINT', { path });
  const lines = text.split('\n').filter((line) => line.length > 0);
  if (lines[0] !== String(VERSION)) throw corrupt(`unknown version ${lines[0]}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count !== lines.length - 2) throw corrupt(`expected ${lines[1]} entries`);
  return lines.slice(2).map((line) => {
    // Kafka's Formatter splits on any whitespace and wants exactly two fields.
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 2 || !fields.every((f) => /^\d+$/.test(f))) throw corrupt(`bad line '${line}'`);
    return { epoch: Number(fields[0]), startOffset: Number(fields[1]) };
  });
}
