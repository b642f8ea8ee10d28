/**
 * Partition: one topic partition as the front doors see it, a Log with traffic
 * counters and a way to wait for new data. With no replication the high watermark is
 * the log end offset.
 */
import type { AppendInfo, AppendOptions, Log, LogReadResult } from '../log/Log.js';

export interface PartitionStats {
  topic: string;
  partition: number;
  recordsIn: number;
  bytesIn: number;
  recordsOut: number;
  bytesOut: number;
  logStartOffset: number;
  logEndOffset: number;
  size: number;
}

interface Waiter {
  offset: number;
  wake: () => void;
}

export class Partition {
  private recordsIn = 0;
  private bytesIn = 0;
  private recordsOut = 0;
  private bytesOut = 0;
  /** Readers waiting for logEndOffset to pass their offset; woken after appends, all at close. */
  private waiters: Waiter[] = [];
  private closed = false;

  constructor(
    readonly topic: string,
    readonly index: number,
    /** The partition's log; the engine owns its lifecycle. */
    readonly log: Log,
  ) {}

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** Appends RecordBatch v2 bytes (validated, durable per the log's durability); wakes waiters. */
  async append(records: Buffer, options?: AppendOptions): Promise<AppendInfo> {
    const info = await this.log.append(records, options);
    this.recordsIn += info.lastOffset - info.baseOffset + 1;
    this.bytesIn += info.bytes;
    this.wakeWaiters();
    return info;
  }

  /** Whole batches from `offset` (the first may start before it), zero-copy. */
  read(offset: number, maxBytes: number): LogReadResult {
    const result = this.log.read(offset, maxBytes);
    this.bytesOut += result.records.length;
    return result;
  }

  /** Records and bytes handed out by a reader that used the log directly (the broker's fetch). */
  countFetched(records: number, bytes: number): void {
    this.recordsOut += records;
    this.bytesOut += bytes;
  }

  /** Records handed to a consumer, counted by whoever decodes them. */
  countRecordsOut(records: number): void {
    this.recordsOut += records;
  }

  /** The first offset whose timestamp is >= `timestamp`, or null if no record is that late. */
  offsetForTimestamp(timestamp: number): number | null {
    return this.log.offsetForTimestamp(timestamp)?.offset ?? null;
  }

  /**
   * Resolves once logEndOffset > `offset` (at once if already), or when the partition is
   * closed or `signal` aborts; never rejects.
   */
  waitForData(offset: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || this.logEndOffset > offset || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: Waiter = {
        offset,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.wake();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const end = this.logEndOffset;
    const ready = this.waiters.filter((w) => w.offset < end);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.offset >= end);
    for (const w of ready) w.wake();
  }

  deleteRecordsBefore(offset: number): number {
    return this.log.deleteRecordsBefore(offset);
  }

  /**
   * Makes everything appended so far durable, whatever the log's own durability (a
   * producer asking for 'always' from a topic that flushes less often); one fdatasync
   * shared by every append that asked meanwhile.
   */
  flush(): Promise<void> {
    return this.log.config.durability === 'always' ? Promise.resolve() : this.log.flush();
  }

  stats(): PartitionStats {
    return {
      topic: this.topic,
      partition: this.index,
      recordsIn: this.recordsIn,
      bytesIn: this.bytesIn,
      recordsOut: this.recordsOut,
      bytesOut: this.bytesOut,
      logStartOffset: this.logStartOffset,
      logEndOffset: this.logEndOffset,
      size: this.log.size,
    };
  }

  /** Wakes every waiter; the engine closes or deletes the log itself. */
  close(): void {
    this.closed = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.wake();
  }
}
