/**
 * Progress of long work in bytes (a dump of a large log, a recovery scan): a bar
 * (cli-progress) redrawn on a terminal; when the stream is not one (a log file, a
 * pipe), a plain line at each quarter of the work, so logs stay readable.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Adds `bytes` to the work expected; the bar appears with the first work. */
  expect(bytes: number): void;
  /** Counts `bytes` of the work done. */
  advance(bytes: number): void;
  /** Removes the bar; idempotent. */
  stop(): void;
}

/** Progress that shows nothing. */
export const NO_PROGRESS: Progress = { expect() {}, advance() {}, stop() {} };

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  for (; value >= 1024 && unit < UNITS.length - 1; unit++) value /= 1024;
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

export interface ProgressOptions {
  /** How amounts of work are shown; bytes by default. */
  format?: (amount: number) => string;
  /** Whether a stream that is not a terminal gets plain lines (the default) or nothing. */
  plainLines?: boolean;
}

class ProgressBar implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private total = 0;
  private done = 0;
  private started = false;

  constructor(label: string, stream: NodeJS.WritableStream, format: (amount: number) => string) {
    this.bar = new cliProgress.SingleBar({
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
      formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? format(value) : String(value)),
      clearOnComplete: true,
      hideCursor: true,
    });
  }

  expect(bytes: number): void {
    if (bytes <= 0) return;
    this.total += bytes;
    if (this.started) this.bar.setTotal(this.total);
    else this.bar.start(this.total, this.done);
    this.started = true;
  }

  advance(bytes: number): void {
    this.done += bytes;
    if (this.started) this.bar.update(this.done);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.bar.stop();
  }
}

const PLAIN_STEPS = 4;

/** `label: 50% (5.0 MiB of 10.0 MiB)` each time the work done crosses a quarter of what is expected. */
class PlainProgress implements Progress {
  private total = 0;
  private done = 0;
  private step = 0;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WritableStream,
    private readonly format: (amount: number) => string,
  ) {}

  expect(bytes: number): void {
    this.total += Math.max(0, bytes);
  }

  advance(bytes: number): void {
    this.done += bytes;
    if (this.total === 0) return;
    const step = Math.min(PLAIN_STEPS, Math.floor((this.done / this.total) * PLAIN_STEPS));
    if (step <= this.step) return;
    this.step = step;
    this.stream.write(
      `${this.label}: ${(step * 100) / PLAIN_STEPS}% (${this.format(this.done)} of ${this.format(this.total)})\n`,
    );
  }

  stop(): void {}
}

/** A bar labelled `label` on `stream` (default stderr) when it is a terminal, else plain lines (or nothing). */
export function progress(
  label: string,
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  options: ProgressOptions = {},
): Progress {
  const { format = formatBytes, plainLines = true } = options;
  if (stream.isTTY === true) return new ProgressBar(label, stream, format);
  return plainLines ? new PlainProgress(label, stream, format) : NO_PROGRESS;
}
