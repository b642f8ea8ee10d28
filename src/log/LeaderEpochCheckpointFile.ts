/**
 * A partition's `leader-epoch-checkpoint` (Kafka's LeaderEpochCheckpointFile): a version
 * line (0), a count line, then one `epoch startOffset` line per epoch, oldest first.
 * Written atomically (temp file, fsync, rename, fsync of the directory) as Kafka's
 * CheckpointFile is, so a crash leaves the old file or the new one.
 */
import { readCheckpointFile, writeCheckpointFile } from './CheckpointFile.js';

/** An epoch and the first offset a leader of that epoch wrote (Kafka's EpochEntry). */
export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export function writeLeaderEpochCheckpoint(path: string, entries: readonly EpochEntry[]): void {
  writeCheckpointFile(
    path,
    entries.map((e) => `${e.epoch} ${e.startOffset}`),
  );
}

/** The entries of the file at `path`; none when it is missing; ERR_CORRUPT_CHECKPOINT when it is not Kafka's format. */
export function readLeaderEpochCheckpoint(path: string): EpochEntry[] {
  const entries: EpochEntry[] = [];
  readCheckpointFile(path, 'leader epoch checkpoint', (line) => {
    // Kafka's Formatter splits on any whitespace and wants exactly two fields.
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 2 || !fields.every((f) => /^\d+$/.test(f))) return false;
    entries.push({ epoch: Number(fields[0]), startOffset: Number(fields[1]) });
    return true;
  });
  return entries;
}
