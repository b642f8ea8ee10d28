/**
 * The coordinator's delayed operations (Kafka's heartbeat and rebalance purgatories),
 * reduced to what one process needs: one timer per key, replaced when rescheduled,
 * cancelled when the operation completes early. Timers are unref'd so an embedded
 * coordinator never keeps the process alive on its own, except those a member is waiting
 * on (a rebalance in progress): without them an embedded app whose only work is joining
 * a group would exit in the middle of the join.
 */

/** A scheduled operation, until it runs or is cancelled. */
interface Scheduled {
  cancel(): void;
}

export class GroupTimers {
  private readonly timers = new Map<string, Scheduled>();
  private closed = false;

  /** Ignored once closed: a write finishing after close must not restart the group's clocks. */
  schedule(key: string, delayMs: number, action: () => void, options: { keepAlive?: boolean } = {}): void {
    if (this.closed) return;
    this.cancel(key);
    const run = () => {
      this.timers.delete(key);
      action();
    };
    this.timers.set(key, delayMs > 0 ? timer(run, delayMs, options.keepAlive === true) : next(run));
  }

  has(key: string): boolean {
    return this.timers.has(key);
  }

  cancel(key: string): void {
    this.timers.get(key)?.cancel();
    this.timers.delete(key);
  }

  close(): void {
    this.closed = true;
    for (const scheduled of this.timers.values()) scheduled.cancel();
    this.timers.clear();
  }
}

function timer(run: () => void, delayMs: number, keepAlive: boolean): Scheduled {
  const handle = setTimeout(run, delayMs);
  if (!keepAlive) handle.unref();
  return { cancel: () => clearTimeout(handle) };
}

/**
 * An operation already due runs as soon as the one that scheduled it ends, before any
 * request that arrives later, as in Kafka: its SystemTimer.addTimerTaskEntry hands a task
 * the TimingWheel refuses as expired (delay under one tick) straight to the executor,
 * whose CoordinatorRuntime.EventBasedCoordinatorTimer queues it as the next event. A
 * setTimeout(0) would instead wait a millisecond, during which a fast client's request
 * may or may not get in first (a rebalance timeout of 0 left a member's SyncGroup racing
 * its own expiry).
 */
function next(run: () => void): Scheduled {
  let cancelled = false;
  queueMicrotask(() => {
    if (!cancelled) run();
  });
  return {
    cancel: () => {
      cancelled = true;
    },
  };
}
