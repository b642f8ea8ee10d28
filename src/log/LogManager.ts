/**
 * LogManager: every partition log under one data directory (Kafka's LogManager). It
 * owns the data-directory files: recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint, replication-offset-checkpoint (the high watermarks, which
 * Kafka's ReplicaManager writes) and the clean-shutdown marker. On open the marker says
 * whether the logs may be trusted as found; it is removed at once, so a crash from then
 * on is seen as unclean, and written again by a clean close after the checkpoints.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TributaryError } from '../errors.js';
import { syncDirectory } from '../io/DurableFile.js';
import { checkpointKey, readCheckpoint, writeCheckpoint } from './CheckpointFile.js';
import { LatencyHistogram } from '../metrics/LatencyHistogram.js';
import { Log } from './Log.js';
import type { LogOptions } from './LogOptions.js';
import type { LogConfig } from './LogConfig.js';
import type { RecoveryProgress } from './LogSegment.js';
import { defaultMaxOpenFiles, OpenFileBudget } from './OpenFileBudget.js';
import {
  CLEAN_SHUTDOWN_FILE,
  deletionDirName,
  HIGH_WATERMARK_CHECKPOINT,
  isDeletionDir,
  LOG_START_OFFSET_CHECKPOINT,
  parsePartitionDirName,
  partitionDirName,
  RECOVERY_POINT_CHECKPOINT,
  type TopicPartition,
} from './LogFileNames.js';

export interface LogManagerOptions {
  dataDir: string;
  /** Config for every log opened from disk, and the base for new ones. */
  config?: Partial<LogConfig>;
  /** Config of a log found on disk, over `config` (e.g. its topic's overrides); null leaves that directory unopened. */
  configOf?: (tp: TopicPartition) => Partial<LogConfig> | null;
  /** How often retention runs (log.retention.check.interval.ms); 0 turns it off. */
  retentionCheckIntervalMs?: number;
  /** How often producers idle past producer.id.expiration.ms are forgotten; 0 never. */
  producerIdExpirationCheckIntervalMs?: number;
  /** How often the checkpoint files are written (log.flush.offset.checkpoint.interval.ms); 0 turns it off. */
  checkpointIntervalMs?: number;
  /**
   * How often the high watermarks are written to replication-offset-checkpoint
   * (replica.high.watermark.checkpoint.interval.ms, default 5000); 0 turns it off. Also
   * written at close.
   */
  highWatermarkCheckpointIntervalMs?: number;
  /** Every log's hwFollowsLogEnd (LogOptions); default true. */
  hwFollowsLogEnd?: boolean;
  /** Told of the bytes the logs' recovery scans go through at open. */
  recoveryProgress?: RecoveryProgress;
  /**
   * Most descriptors the logs' active segments hold at once (log.max.open.files), three
   * a log: past it the least recently used release theirs (OpenFileBudget). Default half
   * the soft RLIMIT_NOFILE.
   */
  maxOpenFiles?: number;
}

export class LogManager {
  readonly dataDir: string;
  /** Whether the previous run closed cleanly. */
  readonly hadCleanShutdown: boolean;
  /** How long each flush of any log took. */
  readonly flushLatency = new LatencyHistogram();
  private readonly logs = new Map<string, { tp: TopicPartition; log: Log }>();
  private readonly config: Partial<LogConfig>;
  private readonly openFiles: OpenFileBudget<Log>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly hwFollowsLogEnd: boolean;
  private closed = false;

  private constructor(options: LogManagerOptions) {
    this.dataDir = options.dataDir;
    this.config = options.config ?? {};
    this.openFiles = new OpenFileBudget(options.maxOpenFiles ?? defaultMaxOpenFiles());
    this.hwFollowsLogEnd = options.hwFollowsLogEnd ?? true;
    mkdirSync(this.dataDir, { recursive: true });
    const marker = join(this.dataDir, CLEAN_SHUTDOWN_FILE);
    this.hadCleanShutdown = existsSync(marker);
    this.loadLogs(options.configOf ?? (() => ({})), options.recoveryProgress);
    rmSync(marker, { force: true });
    syncDirectory(this.dataDir);
    this.every(options.retentionCheckIntervalMs ?? 300_000, () => this.enforceRetention());
    this.every(options.checkpointIntervalMs ?? 60_000, () => this.checkpoint());
    this.every(options.highWatermarkCheckpointIntervalMs ?? 5000, () => this.checkpointHighWatermarks());
    // Kafka's producer.id.expiration.check.interval.ms (10 minutes).
    this.every(options.producerIdExpirationCheckIntervalMs ?? 600_000, () => this.removeExpiredProducers());
  }

  /** Runs `task` every `ms` in the background; a failure is left for the next run to retry. */
  private every(ms: number, task: () => void): void {
    if (ms <= 0) return;
    const run = () => {
      try {
        task();
      } catch {
        // Retention and checkpoints are retried on the next tick; a log that failed
        // reports it to its own callers.
      }
    };
    this.timers.push(setInterval(run, ms).unref());
  }

  static open(options: LogManagerOptions): LogManager {
    return new LogManager(options);
  }

  private loadLogs(
    configOf: (tp: TopicPartition) => Partial<LogConfig> | null,
    recoveryProgress: RecoveryProgress | undefined,
  ): void {
    const recoveryPoints = readCheckpoint(join(this.dataDir, RECOVERY_POINT_CHECKPOINT));
    const startOffsets = readCheckpoint(join(this.dataDir, LOG_START_OFFSET_CHECKPOINT));
    const highWatermarks = readCheckpoint(join(this.dataDir, HIGH_WATERMARK_CHECKPOINT));
    for (const entry of readdirSync(this.dataDir, { withFileTypes: true })) {
      // A deletion a crash interrupted: its topic is gone already, so is the directory now.
      if (entry.isDirectory() && isDeletionDir(entry.name))
        rmSync(join(this.dataDir, entry.name), { recursive: true, force: true });
      const tp = entry.isDirectory() ? parsePartitionDirName(entry.name) : null;
      if (tp === null) continue;
      const config = configOf(tp);
      if (config === null) continue;
      const key = checkpointKey(tp);
      this.openLog(
        tp,
        { ...this.config, ...config },
        {
          recoveryPoint: recoveryPoints.get(key) ?? 0,
          logStartOffset: startOffsets.get(key) ?? 0,
          highWatermark: highWatermarks.get(key) ?? 0,
          hadCleanShutdown: this.hadCleanShutdown,
          recoveryProgress,
        },
      );
    }
  }

  private openLog(tp: TopicPartition, config: Partial<LogConfig>, state: Partial<LogOptions>): Log {
    const log: Log = Log.open({
      ...state,
      hwFollowsLogEnd: this.hwFollowsLogEnd,
      dir: join(this.dataDir, partitionDirName(tp)),
      config,
      onLogStartOffsetChange: () => this.checkpointLogStartOffsets(),
      flushLatency: this.flushLatency,
      onFilesUsed: () => this.openFiles.touch(log),
    });
    this.logs.set(checkpointKey(tp), { tp, log });
    this.openFiles.touch(log); // opened with its active segment's files
    return log;
  }

  /** Most logs whose active segments hold their descriptors at once (the open-file budget). */
  get maxOpenLogs(): number {
    return this.openFiles.maxLogs;
  }

  getLog(tp: TopicPartition): Log | undefined {
    return this.logs.get(checkpointKey(tp))?.log;
  }

  /**
   * The log of `tp`, created empty (with `config` over the manager's) if it does not
   * exist. A creation that fails part way (EMFILE, ENOSPC...) leaves no directory behind.
   */
  getOrCreateLog(tp: TopicPartition, config: Partial<LogConfig> = {}): Log {
    this.checkOpen();
    const existing = this.getLog(tp);
    if (existing) return existing;
    const dir = join(this.dataDir, partitionDirName(tp));
    const existed = existsSync(dir);
    try {
      const log = this.openLog(tp, { ...this.config, ...config }, {});
      syncDirectory(this.dataDir);
      return log;
    } catch (error) {
      if (this.logs.has(checkpointKey(tp))) this.discardNewLog(tp);
      else if (!existed) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Removes a log just created, whose topic could not be completed: nothing was appended
   * to it, so its directory goes at once; its files close once its (idle) append turns
   * settle, and an unlinked file needs nothing flushed.
   */
  discardNewLog(tp: TopicPartition): void {
    const entry = this.logs.get(checkpointKey(tp));
    if (!entry) return;
    this.logs.delete(checkpointKey(tp));
    this.openFiles.forget(entry.log);
    rmSync(entry.log.dir, { recursive: true, force: true });
    entry.log.close({ flush: false }).catch(() => undefined);
  }

  async deleteLog(tp: TopicPartition): Promise<void> {
    const entry = this.logs.get(checkpointKey(tp));
    if (!entry) return;
    this.logs.delete(checkpointKey(tp));
    // Its files are closed unsealed (close with flush: false), so a released segment is
    // never reopened under its old name; one still open is closed through its descriptors.
    this.openFiles.forget(entry.log);
    // Renamed aside at once, so a topic of the same name can be created while this one's files go.
    const doomed = deletionDirName(entry.log.dir, randomBytes(8).toString('hex'));
    renameSync(entry.log.dir, doomed);
    syncDirectory(this.dataDir);
    this.checkpoint();
    this.checkpointHighWatermarks();
    await entry.log.close({ flush: false });
    await rm(doomed, { recursive: true, force: true });
  }

  get topicPartitions(): TopicPartition[] {
    return [...this.logs.values()].map((e) => e.tp);
  }

  /** Forgets, in every log, the producers idle past producer.id.expiration.ms (Kafka's removeExpiredProducers). */
  removeExpiredProducers(now: number = Date.now()): void {
    for (const { log } of this.logs.values()) log.removeExpiredProducers(now);
  }

  enforceRetention(now: number = Date.now()): number {
    let deleted = 0;
    for (const { log } of this.logs.values()) deleted += log.enforceRetention(now);
    return deleted;
  }

  /** Writes both checkpoint files from the logs' current offsets. */
  checkpoint(): void {
    this.checkpointRecoveryPoints();
    this.checkpointLogStartOffsets();
  }

  private checkpointRecoveryPoints(): void {
    this.writeOffsets(RECOVERY_POINT_CHECKPOINT, (log) => log.recoveryPoint);
  }

  private checkpointLogStartOffsets(): void {
    this.writeOffsets(LOG_START_OFFSET_CHECKPOINT, (log) => log.logStartOffset);
  }

  /** Writes every log's high watermark to replication-offset-checkpoint (Kafka's ReplicaManager.checkpointHighWatermarks). */
  checkpointHighWatermarks(): void {
    this.writeOffsets(HIGH_WATERMARK_CHECKPOINT, (log) => log.highWatermark);
  }

  /** Writes checkpoint `file` of the data directory: each log's `offsetOf`. */
  private writeOffsets(file: string, offsetOf: (log: Log) => number): void {
    const entries = [...this.logs.values()].map(({ tp, log }) => [tp, offsetOf(log)] as [TopicPartition, number]);
    writeCheckpoint(join(this.dataDir, file), entries);
  }

  private checkOpen(): void {
    if (this.closed) throw new TributaryError(`log manager for ${this.dataDir} is closed`, 'ERR_LOG_CLOSED');
  }

  /** Closes every log (flushing it), writes the checkpoints, then the clean-shutdown marker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([...this.logs.values()].map(({ log }) => log.close()));
    this.checkpoint();
    this.checkpointHighWatermarks();
    writeFileSync(join(this.dataDir, CLEAN_SHUTDOWN_FILE), '');
    syncDirectory(this.dataDir);
  }
}
