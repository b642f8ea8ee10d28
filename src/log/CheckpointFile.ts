/**
 * Kafka's checkpoint files (CheckpointFile): a version line (0), a count line, then one
 * line per entry. The offset checkpoints (recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint, replication-offset-checkpoint) have one
 * `topic partition offset` line per partition. Written atomically: temp file, fsync,
 * rename, fsync of the directory, so a crash leaves the old file or the new one.
 */
import { readFileSync } from 'node:fs';
import { TributaryError } from '../errors.js';
import { writeFileAtomic } from '../io/DurableFile.js';
import { partitionDirName, type TopicPartition } from './LogFileNames.js';

const VERSION = 0;

export type Checkpoint = Map<string, number>;

export function checkpointKey(tp: TopicPartition): string {
  return partitionDirName(tp);
}

export function writeCheckpoint(path: string, entries: Iterable<[TopicPartition, number]>): void {
  writeCheckpointFile(
    path,
    [...entries].map(([tp, offset]) => `${tp.topic} ${tp.partition} ${offset}`),
  );
}

/** Reads a checkpoint keyed by `<topic>-<partition>`; a missing file is empty. */
export function readCheckpoint(path: string): Checkpoint {
  const result: Checkpoint = new Map();
  readCheckpointFile(path, 'checkpoint', (line) => {
    const [topic, partition, offset] = line.split(' ');
    if (topic === undefined || !/^\d+$/.test(partition ?? '') || !/^\d+$/.test(offset ?? '')) return false;
    result.set(checkpointKey({ topic, partition: Number(partition) }), Number(offset));
    return true;
  });
  return result;
}

/** Kafka's CheckpointFile.write: version 0, the count, `lines`, atomically. */
export function writeCheckpointFile(path: string, lines: readonly string[]): void {
  writeFileAtomic(path, [String(VERSION), String(lines.length), ...lines, ''].join('\n'));
}

/**
 * Kafka's CheckpointFile.read: each entry line of the file at `path` given to `entry`,
 * which says whether it parsed; a missing file has none; a wrong version or count, or a
 * line `entry` refuses, is ERR_CORRUPT_CHECKPOINT naming `what`.
 */
export function readCheckpointFile(path: string, what: string, entry: (line: string) => boolean): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const lines = text.split('\n').filter((line) => line.length > 0);
  const corrupt = (why: string) => new TributaryError(`${what} ${path}: ${why}`, 'ERR_CORRUPT_CHECKPOINT', { path });
  if (lines[0] !== String(VERSION)) throw corrupt(`unknown version ${lines[0]}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count !== lines.length - 2) throw corrupt(`expected ${lines[1]} entries`);
  for (const line of lines.slice(2)) if (!entry(line)) throw corrupt(`bad line '${line}'`);
}
