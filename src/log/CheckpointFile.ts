/**
 * Kafka's offset checkpoint files (recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint): a version line (0), a count line, then one
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
  const lines = [...entries].map(([tp, offset]) => `${tp.topic} ${tp.partition} ${offset}`);
  writeFileAtomic(path, [String(VERSION), String(lines.length), ...lines, ''].join('\n'));
}

/** Reads a checkpoint keyed by `<topic>-<partition>`; a missing file is empty. */
export function readCheckpoint(path: string): Checkpoint {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const lines = text.split('\n').filter((line) => line.length > 0);
  const corrupt = (why: string) => new TributaryError(`checkpoint ${path}: ${why}`, 'ERR_CORRUPT_CHECKPOINT', { path });
  if (lines[0] !== String(VERSION)) throw corrupt(`unknown version ${lines[0]}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count !== lines.length - 2) throw corrupt(`expected ${lines[1]} entries`);
  const result: Checkpoint = new Map();
  for (const line of lines.slice(2)) {
    const [topic, partition, offset] = line.split(' ');
    if (topic === undefined || !/^\d+$/.test(partition ?? '') || !/^\d+$/.test(offset ?? '')) {
      throw corrupt(`bad line '${line}'`);
    }
    result.set(checkpointKey({ topic, partition: Number(partition) }), Number(offset));
  }
  return result;
}
