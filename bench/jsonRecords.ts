/**
 * Compressible test data shared by the codecs and embedded suites: newline-separated
 * JSON events with random ids and strings, which the codecs squeeze to 0.3-0.5 of their size.
 */
import { randomBytes } from 'node:crypto';

/** Newline-separated JSON records, cut to `size` bytes. */
export function jsonRecords(size: number): Buffer {
  const lines: string[] = [];
  for (let length = 0, i = 0; length < size; i++) {
    const line = JSON.stringify({
      id: i,
      user: randomBytes(6).toString('hex'),
      ts: 1_700_000_000_000 + i * 37,
      event: ['click', 'view', 'purchase'][i % 3],
      amount: ((i * 7919) % 100_000) / 100,
      note: randomBytes(10).toString('base64'),
    });
    lines.push(line);
    length += line.length + 1;
  }
  return Buffer.from(lines.join('\n')).subarray(0, size);
}
