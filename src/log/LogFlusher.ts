/**
 * LogFlusher: when a Log's writes reach the disk. The segments written since the last
 * flush, and the directory when a roll or a delete changed its names, are flushed
 * together by group commit (one fdatasync shared by every request made while another
 * runs); under durability 'interval' a timer requests one in the background.
 */
import { syncDirectoryAsync } from '../io/DurableFile.js';
import type { LatencyHistogram } from '../metrics/LatencyHistogram.js';
import { GroupCommit } from './GroupCommit.js';
import type { LogConfig } from './LogConfig.js';
import type { LogSegment } from './LogSegment.js';

/** What the flusher asks of its log: how far a flush reaches, and what to do when one ends. */
export interface FlushedLog {
  readonly dir: string;
  logEndOffset: () => number;
  /** Everything below `offset` is on disk. */
  flushedTo: (offset: number) => void;
  /** A flush failed: the error the log fails with from now on. */
  failed: (error: Error) => Error;
}

export class LogFlusher {
  private readonly unflushed = new Set<LogSegment>();
  private directoryDirty = false;
  private readonly groupCommit = new GroupCommit(() => this.flushNow());
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: FlushedLog,
    /** Where the duration of each flush (fdatasync of segments and directory) is counted. */
    private readonly latency: LatencyHistogram | undefined,
  ) {}

  /** Starts (or stops) the background flushes `config`'s durability asks for. */
  schedule(config: LogConfig): void {
    this.stop();
    if (config.durability === 'interval') {
      this.timer = setInterval(() => this.inBackground(), config.flushIntervalMs).unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  written(segment: LogSegment): void {
    this.unflushed.add(segment);
  }

  /** A segment was deleted: nothing of it is left to flush, but the directory changed. */
  deleted(segment: LogSegment): void {
    this.unflushed.delete(segment);
    this.directoryDirty = true;
  }

  directoryChanged(): void {
    this.directoryDirty = true;
  }

  /** Resolves once a flush that started after this call has completed. */
  request(): Promise<void> {
    return this.groupCommit.request();
  }

  /** Settles when no flush is pending or running. */
  idle(): Promise<void> {
    return this.groupCommit.idle();
  }

  /** A flush nobody waits for, if anything is left to flush. */
  inBackground(): void {
    if (this.unflushed.size === 0 && !this.directoryDirty) return;
    this.groupCommit.request().catch(() => undefined);
  }

  private async flushNow(): Promise<void> {
    const target = this.log.logEndOffset();
    const segments = [...this.unflushed];
    const directory = this.directoryDirty;
    this.unflushed.clear();
    this.directoryDirty = false;
    const started = performance.now();
    try {
      await Promise.all(segments.map((s) => s.flush()));
      if (directory) await syncDirectoryAsync(this.log.dir);
      this.log.flushedTo(target);
      if (segments.length > 0 || directory) this.latency?.observe((performance.now() - started) / 1000);
    } catch (error) {
      throw this.log.failed(error as Error);
    }
  }
}
