/**
 * The order of appends that cannot be written at once (their compressed batches are
 * checked first, off the main thread): each is written after its checks pass and after
 * every earlier one that waited, so appends land in the order they were called.
 */
export class AppendTurns {
  /** Settles when the last append that waited (for checks or for its turn) has written. */
  private last: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** Whether an append is waiting: a later one must wait its turn too, even with nothing to check. */
  get busy(): boolean {
    return this.waiting > 0;
  }

  /** Runs `write` once `checks` have passed and every earlier turn has written. */
  async take<T>(checks: Promise<unknown> | null, write: () => T): Promise<T> {
    const previous = this.last;
    let done!: () => void;
    this.last = new Promise<void>((resolve) => (done = resolve));
    this.waiting++;
    try {
      await checks;
      await previous;
      return write();
    } finally {
      this.waiting--;
      void previous.then(done);
    }
  }

  /** Settles once every append already called has written (or failed). */
  idle(): Promise<void> {
    return this.last;
  }
}
