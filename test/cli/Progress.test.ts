/**
 * The progress bar writes nothing at all to a stream that is not a terminal, and on a
 * terminal draws a bar with byte counts that it clears when stopped.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatBytes, progress } from '../../src/cli/Progress.js';

class Capture extends Writable {
  text = '';
  columns = 100;
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  // What cli-progress's terminal calls on a TTY stream.
  cursorTo(): boolean {
    return true;
  }
  clearLine(): boolean {
    return true;
  }
  moveCursor(): boolean {
    return true;
  }
}

function run(stream: Capture): void {
  const bar = progress('scan', stream);
  bar.expect(10 * 1024 * 1024);
  for (let i = 1; i <= 10; i++) bar.advance(1024 * 1024);
  bar.stop();
}

describe('progress', () => {
  it('prints a plain line at each quarter of the work when the stream is not a terminal', () => {
    const stream = new Capture(false);
    run(stream);
    expect(stream.text).toBe(
      [
        'scan: 25% (3.0 MiB of 10.0 MiB)',
        'scan: 50% (5.0 MiB of 10.0 MiB)',
        'scan: 75% (8.0 MiB of 10.0 MiB)',
        'scan: 100% (10.0 MiB of 10.0 MiB)',
        '',
      ].join('\n'),
    );
  });

  it('draws a bar in bytes on a terminal', () => {
    const stream = new Capture(true);
    run(stream);
    expect(stream.text).toMatch(/scan \[-+\] 0% \| 0 B\/10\.0 MiB/);
    expect(stream.text).toMatch(/scan \[=+\] 100% \| 10\.0 MiB\/10\.0 MiB/);
  });

  it('counts in the given format, and can stay silent when the stream is not a terminal', () => {
    const tty = new Capture(true);
    const bar = progress('trials', tty, { format: String, plainLines: false });
    bar.expect(8);
    for (let i = 0; i < 8; i++) bar.advance(1);
    bar.stop();
    expect(tty.text).toMatch(/trials \[=+\] 100% \| 8\/8/);
    const piped = new Capture(false);
    const quiet = progress('trials', piped, { format: String, plainLines: false });
    quiet.expect(8);
    quiet.advance(8);
    expect(piped.text).toBe('');
  });

  it('shows no bar until there is work', () => {
    const stream = new Capture(true);
    const bar = progress('scan', stream);
    bar.advance(5);
    bar.stop();
    expect(stream.text).toBe('');
  });

  it('formats bytes in binary units', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '5.0 GiB',
    ]);
  });
});
