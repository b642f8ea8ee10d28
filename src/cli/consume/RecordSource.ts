/** Where `tributary consume` gets records: a broker over the Kafka protocol, or a data directory in-process. */
import type { ConsumerRecord, IsolationLevel } from '../../client/Consumer.js';
import type { Record, RecordHeader } from '../../record/Record.js';

export type SourceRecord = Omit<Record, 'headers'> & { readonly headers: readonly RecordHeader[] };

export function sourceRecord(r: ConsumerRecord): SourceRecord {
  return { offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headerList };
}

/** Where reading starts: --from earliest, latest, an offset, or the first record at or after a time (ms). */
export type StartSpec = 'earliest' | 'latest' | { offset: number } | { timestamp: number };

export interface SourcePartition {
  partition: number;
  /** The offset of the next record to read. */
  position: number;
  /** The end --isolation-level reads to when the partition was assigned (the last stable offset read_committed, else the log end offset). */
  endOffset: number;
}

export interface SourceBatch {
  partition: number;
  /** At least one, in offset order. */
  records: SourceRecord[];
  /** The partition's end at --isolation-level when these records were read (as SourcePartition.endOffset). */
  endOffset: number;
}

/** Assignment changes: once at the start, or at each rebalance of a group. */
export interface AssignmentListener {
  onAssigned(partitions: SourcePartition[]): void;
  onRevoked(partitions: number[]): void;
}

export interface SourceOptions {
  topic: string;
  /** The partitions to read without a group. */
  partitions: number[];
  start: StartSpec;
  /** Join this consumer group: the group assigns partitions, which start at its committed offsets (else at `start`). */
  group: string | undefined;
  /** Check each batch's CRC32C before printing its records (Kafka's check.crcs); a corrupt batch fails the run. */
  checkCrcs: boolean;
  /** Kafka's isolation.level (kafka-console-consumer's --isolation-level): read_committed skips aborted transactions. */
  isolationLevel: IsolationLevel;
}

export interface RecordSource {
  /** Records as they are read; ends once stop() is called. */
  batches(): AsyncIterable<SourceBatch>;
  /** Ends the iteration; safe to call at any time, and more than once. */
  stop(): void;
  /** Commits offsets to the group (nothing without one); a commit refused during a rebalance is dropped. */
  commit(offsets: { partition: number; offset: number }[]): Promise<void>;
  /** Leaves the group, if any, and releases what the source holds. */
  close(): Promise<void>;
}

/** `start` clamped to [logStartOffset, logEndOffset] for an offset; kcat and the console consumer also never fail on one past the end. */
export function clampOffset(offset: number, logStartOffset: number, logEndOffset: number): number {
  return Math.min(Math.max(offset, logStartOffset), logEndOffset);
}
