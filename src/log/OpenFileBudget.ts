/**
 * OpenFileBudget: how many logs may hold their active segment's file descriptors at once
 * (three each: .log, .index, .timeindex). Sealed segments hold none (their reads go
 * through the mappings), so without a bound a broker needs three descriptors a
 * partition: 10,000 partitions would be 30,000, far past the default `ulimit -n` of 1024.
 *
 * The logs are kept in least-recently-used order, touched by each append, roll and
 * truncation; past the budget the least recently used releases its descriptors. Its
 * mappings stay, so reads, lookups and flushes (msync) go on without them, and its next
 * append reopens the files by path. Release happens on the JS thread between calls: an
 * append is synchronous there, and a flush queued on the thread pool holds the
 * descriptor only weakly (it syncs through the mapping once released).
 *
 * Kafka has no such setting: it keeps every segment open and asks for a high ulimit
 * (its docs suggest 100,000). Here the budget is `maxOpenFiles` (log.max.open.files),
 * by default half the soft RLIMIT_NOFILE: the other half stays for client connections,
 * Node's own descriptors (~20: stdio, epoll, the libuv thread pool's), the data-dir
 * lock and the short-lived opens of checkpoints and directory fsyncs.
 */
import { native } from '../native/addon.js';

/** Descriptors an active segment holds: .log, .index and .timeindex. */
export const FILES_PER_SEGMENT = 3;

/** Half the process's soft RLIMIT_NOFILE (`ulimit -n`), the default budget. */
export function defaultMaxOpenFiles(): number {
  const limit = native.openFileLimit();
  return Number.isFinite(limit) ? Math.max(FILES_PER_SEGMENT, Math.floor(limit / 2)) : Number.MAX_SAFE_INTEGER;
}

/** A log whose active segment can give up its descriptors. */
export interface ReleasableLog {
  releaseFiles(): void;
}

export class OpenFileBudget<L extends ReleasableLog> {
  /** Logs holding descriptors, least recently used first (a Set keeps insertion order). */
  private readonly holding = new Set<L>();
  private newest: L | null = null;
  /** How many logs may hold descriptors at once. */
  readonly maxLogs: number;

  constructor(maxOpenFiles: number) {
    this.maxLogs = Math.max(1, Math.floor(maxOpenFiles / FILES_PER_SEGMENT));
  }

  /** `log` holds (or is about to open) its descriptors: most recently used; the least recently used over budget release theirs. */
  touch(log: L): void {
    if (this.newest === log) return; // the common case: appends to the same log in a row
    this.holding.delete(log);
    this.holding.add(log);
    this.newest = log;
    while (this.holding.size > this.maxLogs) this.releaseOldest();
  }

  /** A log closed or deleted: no longer counted, never released. */
  forget(log: L): void {
    this.holding.delete(log);
    if (this.newest === log) this.newest = null;
  }

  get size(): number {
    return this.holding.size;
  }

  private releaseOldest(): void {
    const oldest = this.holding.values().next().value as L;
    this.holding.delete(oldest);
    try {
      oldest.releaseFiles();
    } catch {
      // Releasing is only a saving (an ftruncate of an index may fail on a failing disk):
      // the log keeps what it could not close, and its own next operation meets the error.
    }
  }
}
