/** What a partition's Log is opened with: its directory and config, where recovery starts, and whom it tells. */
import type { LatencyHistogram } from '../metrics/LatencyHistogram.js';
import type { LogConfig } from './LogConfig.js';
import type { RecoveryProgress } from './LogSegment.js';

export interface LogOptions {
  dir: string;
  config?: Partial<LogConfig>;
  /** Offset below which the log is known flushed; recovery scans from its segment on. */
  recoveryPoint?: number;
  /** From the log-start-offset checkpoint. */
  logStartOffset?: number;
  /** From the high watermark checkpoint (replication-offset-checkpoint); clamped to the log. Default 0. */
  highWatermark?: number;
  /**
   * The high watermark is the log end after each append and at open (default true: a
   * log no other broker replicates); false: only updateHighWatermark and
   * maybeIncrementHighWatermark move it.
   */
  hwFollowsLogEnd?: boolean;
  /** The last close was clean: the indexes are trusted and nothing is scanned. */
  hadCleanShutdown?: boolean;
  /** Told of the bytes a recovery scan at open goes through. */
  recoveryProgress?: RecoveryProgress;
  /** Told when logStartOffset moves, so it can be checkpointed. */
  onLogStartOffsetChange?: (offset: number) => void;
  /** Where the duration of each flush (fdatasync of segments and directory) is counted. */
  flushLatency?: LatencyHistogram;
  /**
   * Told before the log uses its active segment's file descriptors (an append, roll or
   * truncation reopens them if they were released), so an open-file budget can count it.
   */
  onFilesUsed?: () => void;
}
