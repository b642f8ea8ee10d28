/**
 * LeaderEpochFileCache: each leader epoch of a partition and the first offset its leader
 * wrote, kept in `leader-epoch-checkpoint` (Kafka's LeaderEpochFileCache, 3.8). A follower
 * asks the leader where its latest epoch ends (OffsetForLeaderEpoch) and truncates to
 * that, so replicas do not diverge after a leader change (KIP-101, KIP-279).
 *
 * Entries rise in both epoch and start offset. Every change is written before the call
 * returns (Kafka writes truncations in the background; it writes assignments at once,
 * so the file never misses an epoch the log holds, and its loader truncates the rest).
 */
import { join } from 'node:path';
import { invalidArgument } from '../errors.js';
import { LEADER_EPOCH_CHECKPOINT } from './LogFileNames.js';
import { readLeaderEpochCheckpoint, writeLeaderEpochCheckpoint, type EpochEntry } from './LeaderEpochCheckpointFile.js';

export type { EpochEntry } from './LeaderEpochCheckpointFile.js';

/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET (OffsetsForLeaderEpochUtils). */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

/** An epoch and where it ends (Kafka's OffsetAndEpoch, the wire's EpochEndOffset). */
export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: number;
}

export class LeaderEpochFileCache {
  private epochs: EpochEntry[] = [];
  private readonly path: string;

  /** The cache of the partition directory `dir`, from its checkpoint (ERR_CORRUPT_CHECKPOINT if unreadable). */
  constructor(dir: string) {
    this.path = join(dir, LEADER_EPOCH_CHECKPOINT);
    for (const entry of readLeaderEpochCheckpoint(this.path)) this.put(entry);
  }

  /** The entries, oldest first. */
  get entries(): readonly EpochEntry[] {
    return this.epochs;
  }

  get latestEntry(): EpochEntry | undefined {
    return this.epochs.at(-1);
  }

  /** The latest epoch with an entry, null when none (Kafka's latestEpoch). */
  get latestEpoch(): number | null {
    return this.latestEntry?.epoch ?? null;
  }

  /**
   * Records that `epoch` starts at `startOffset` (Kafka's assign): nothing when it is the
   * latest epoch starting no later; else the entries it contradicts (an epoch not older,
   * or a start not earlier) are removed first, and the file written.
   */
  assign(epoch: number, startOffset: number): void {
    if (this.put({ epoch, startOffset })) this.write();
  }

  private put(entry: EpochEntry): boolean {
    if (!(entry.epoch >= 0 && entry.startOffset >= 0))
      throw invalidArgument(`invalid partition leader epoch entry ${entry.epoch} ${entry.startOffset}`);
    const latest = this.latestEntry;
    if (latest !== undefined && latest.epoch === entry.epoch && latest.startOffset <= entry.startOffset) return false;
    // Kafka's maybeTruncateNonMonotonicEntries: from the newest, while an entry is not below the new one.
    while (this.epochs.length > 0) {
      const last = this.epochs.at(-1)!;
      if (last.epoch < entry.epoch && last.startOffset < entry.startOffset) break;
      this.epochs.pop();
    }
    this.epochs.push(entry);
    return true;
  }

  /**
   * Where `requestedEpoch` ends, with the largest epoch at or below it (Kafka's
   * endOffsetFor): the log end for the latest epoch; else the start of the next epoch;
   * UNDEFINED for UNDEFINED_EPOCH or an epoch above every entry. An epoch older than
   * every entry ends where the first entry starts (its data is gone from the log).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedEpoch = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === UNDEFINED_EPOCH) return undefinedEpoch;
    if (this.latestEpoch === requestedEpoch) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.epochs.findIndex((e) => e.epoch > requestedEpoch);
    if (higher < 0) return undefinedEpoch;
    const floor = this.epochs[higher - 1];
    return { leaderEpoch: floor?.epoch ?? requestedEpoch, endOffset: this.epochs[higher]!.startOffset };
  }

  /** Removes the entries starting at or after `endOffset` (Kafka's truncateFromEnd: the log truncated there). */
  truncateFromEnd(endOffset: number): void {
    const latest = this.latestEntry;
    if (endOffset < 0 || latest === undefined || latest.startOffset < endOffset) return;
    this.epochs = this.epochs.filter((e) => e.startOffset < endOffset);
    this.write();
  }

  /**
   * The log now starts at `startOffset` (Kafka's truncateFromStart): the entries starting
   * at or before it go, but the latest of them, which now starts there.
   */
  truncateFromStart(startOffset: number): void {
    const removed = this.epochs.filter((e) => e.startOffset <= startOffset);
    if (removed.length === 0) return;
    const first = { epoch: removed.at(-1)!.epoch, startOffset };
    if (removed.length === 1 && removed[0]!.startOffset === startOffset) return;
    this.epochs = [first, ...this.epochs.slice(removed.length)];
    this.write();
  }

  /** Removes every entry (Kafka's clearAndFlush: the log emptied and restarted). */
  clear(): void {
    if (this.epochs.length === 0) return;
    this.epochs = [];
    this.write();
  }

  private write(): void {
    writeLeaderEpochCheckpoint(this.path, this.epochs);
  }
}
