import type { Rng } from './random.js';

const EVENTS = ['click', 'view', 'purchase', 'refund', 'login'] as const;

/** `size` bytes of newline-separated JSON records, roughly half compressible, from `rng`. */
export function recordText(rng: Rng, size: number): Buffer {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = JSON.stringify({
      id: rng.u32(),
      user: rng.bytes(6).toString('hex'),
      event: rng.pick(EVENTS),
      amount: rng.int(0, 100_000) / 100,
      note: rng.bytes(rng.int(0, 24)).toString('base64'),
      seq: i,
    });
    lines.push(line);
    length += line.length + 1;
  }
  return Buffer.from(lines.join('\n')).subarray(0, size);
}
