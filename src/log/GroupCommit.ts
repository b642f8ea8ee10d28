/**
 * Group commit: callers that ask for a flush while one is running share the next one,
 * so N concurrent appends under durability 'always' cost two fdatasyncs, not N.
 */
export class GroupCommit {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly flush: () => Promise<void>) {}

  /** Resolves once a flush that started after this call has completed. */
  request(): Promise<void> {
    if (this.running === null) return this.start();
    this.next ??= this.running.then(
      () => this.start(),
      () => this.start(),
    );
    return this.next;
  }

  /** The flush in progress, if any. */
  idle(): Promise<void> {
    return (this.next ?? this.running ?? Promise.resolve()).catch(() => undefined);
  }

  private start(): Promise<void> {
    this.next = null;
    const run = this.flush().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}
