/**
 * Group commit: a flush starts at the end of the current tick, so every caller that
 * asks within the tick shares it; callers that ask while it runs share the next one
 * (their writes may have come after it started). N concurrent appends under durability
 * 'always' thus cost one or two fdatasyncs, not N.
 */
export class GroupCommit {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly flush: () => Promise<void>) {}

  /** Resolves once a flush that started after this call has completed. */
  request(): Promise<void> {
    if (this.next === null) {
      const after = this.running ?? Promise.resolve();
      this.next = after.then(
        () => this.start(),
        () => this.start(),
      );
    }
    return this.next;
  }

  /** Settles when no flush is pending or running. */
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
