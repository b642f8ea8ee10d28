/**
 * The coordinator's delayed operations (Kafka's heartbeat and rebalance purgatories),
 * reduced to what one process needs: one timer per key, replaced when rescheduled,
 * cancelled when the operation completes early. Timers are unref'd so an embedded
 * coordinator never keeps the process alive on its own, except those a member is waiting
 * on (a rebalance in progress): without them an embedded app whose only work is joining
 * a group would exit in the middle of the join.
 */
export class GroupTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  /** Ignored once closed: a write finishing after close must not restart the group's clocks. */
  schedule(key: string, delayMs: number, action: () => void, options: { keepAlive?: boolean } = {}): void {
    if (this.closed) return;
    this.cancel(key);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        action();
      },
      Math.max(0, delayMs),
    );
    if (options.keepAlive !== true) timer.unref();
    this.timers.set(key, timer);
  }

  has(key: string): boolean {
    return this.timers.has(key);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(key);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
