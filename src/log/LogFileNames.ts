/**
 * Every file name and suffix of a log directory, in one place (Kafka's LogFileUtils):
 * a segment is named by its base offset in 20 digits, with the same stem for its
 * .log, .index, .timeindex and .txnindex (its aborted transactions, when it has any);
 * producer state snapshots are `<offset>.snapshot`; a partition's directory is `<topic>-<partition>`.
 */
import { join } from 'node:path';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
export const PRODUCER_SNAPSHOT_SUFFIX = '.snapshot';
/** Left behind by an interrupted segment truncation or index write. */
export const TEMP_SUFFIXES = ['.truncating', '.tmp', '.swap', '.cleaned', '.deleted'] as const;

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
/** The data directory's high watermarks (Kafka's ReplicaManager.HighWatermarkFilename). */
export const HIGH_WATERMARK_CHECKPOINT = 'replication-offset-checkpoint';
/** A partition's leader epochs and their start offsets (Kafka's LeaderEpochCheckpointFile). */
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

const STEM = /^(\d{20})\.(log|index|timeindex)$/;

export function filenamePrefixFromOffset(offset: number): string {
  return String(offset).padStart(20, '0');
}

export function logFile(dir: string, baseOffset: number): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + LOG_SUFFIX);
}

export function offsetIndexFile(dir: string, baseOffset: number): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + INDEX_SUFFIX);
}

export function timeIndexFile(dir: string, baseOffset: number): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + TIME_INDEX_SUFFIX);
}

export function transactionIndexFile(dir: string, baseOffset: number): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + TXN_INDEX_SUFFIX);
}

export function producerSnapshotFile(dir: string, offset: number): string {
  return join(dir, filenamePrefixFromOffset(offset) + PRODUCER_SNAPSHOT_SUFFIX);
}

/** The offset a producer snapshot file is named by, or null for another file. */
export function parseProducerSnapshotName(name: string): number | null {
  const match = /^(\d{20})\.snapshot$/.exec(name);
  return match ? Number(match[1]) : null;
}

export interface SegmentFileName {
  baseOffset: number;
  kind: 'log' | 'index' | 'timeindex';
}

export function parseSegmentFileName(name: string): SegmentFileName | null {
  const match = STEM.exec(name);
  if (!match) return null;
  return { baseOffset: Number(match[1]), kind: match[2] as SegmentFileName['kind'] };
}

export function isTempFile(name: string): boolean {
  return TEMP_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export function partitionDirName({ topic, partition }: TopicPartition): string {
  return `${topic}-${partition}`;
}

/** `<topic>-<partition>` back to its parts; the topic may itself contain dashes. */
export function parsePartitionDirName(name: string): TopicPartition | null {
  const match = /^(.+)-(\d+)$/.exec(name);
  if (!match) return null;
  return { topic: match[1]!, partition: Number(match[2]) };
}

/** A partition directory being deleted is renamed `<topic>-<partition>.<random>-delete` first, as Kafka does. */
export const DELETE_DIR_SUFFIX = '-delete';

export function deletionDirName(dir: string, unique: string): string {
  return `${dir}.${unique}${DELETE_DIR_SUFFIX}`;
}

export function isDeletionDir(name: string): boolean {
  return /\.[0-9a-f]+-delete$/.test(name);
}
