/**
 * Mutated compressed payloads: each must decompress or throw a TributaryError with one
 * of our codes; anything else (an untyped throw, a crash, a hang) fails. Replay a
 * failure with FUZZ_SEED=<seed printed in the message>.
 */
import { describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import { compressSync, decompress, decompressSync, type CompressionCodec } from '../../src/record/Compression.js';
import { recordText } from '../helpers/recordText.js';
import { Rng } from '../helpers/random.js';
import { xerialFrame } from '../helpers/xerial.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) >>> 0 : 0x5eed1234;
const CASES = 4000;
const ASYNC_CASES = 150;
const LIMIT = 4 * 1024 * 1024;
const EXPECTED = ['ERR_CORRUPT_COMPRESSED', 'ERR_DECOMPRESSED_TOO_LARGE'];

function mutate(rng: Rng, payload: Buffer): Buffer {
  const out = Buffer.from(payload);
  switch (rng.int(0, 5)) {
    case 0:
      for (let flips = rng.int(1, 4); flips > 0 && out.length > 0; flips--)
        out[rng.int(0, out.length - 1)]! ^= 1 << rng.int(0, 7);
      return out;
    case 1:
      if (out.length > 0) out[rng.int(0, out.length - 1)] = rng.pick([0x00, 0xff, 0x7f, 0x80, rng.int(0, 255)]);
      return out;
    case 2:
      return out.subarray(0, rng.int(0, out.length));
    case 3:
      return Buffer.concat([out, rng.bytes(rng.int(1, 64))]);
    case 4: {
      const at = rng.int(0, out.length);
      return Buffer.concat([out.subarray(0, at), rng.bytes(rng.int(1, 16)), out.subarray(at)]);
    }
    default: {
      const at = rng.int(0, Math.max(0, out.length - 4));
      if (out.length >= 4) out.writeUInt32BE(rng.u32(), at);
      return out;
    }
  }
}

function check(codec: CompressionCodec, caseSeed: string, outcome: { error?: unknown }): void {
  if (outcome.error === undefined) return;
  const typed = isTributaryError(outcome.error) && EXPECTED.includes(outcome.error.code);
  expect(typed, `${codec} ${caseSeed}: ${String(outcome.error)}`).toBe(true);
}

describe.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('%s fuzz', (codec) => {
  const rng = new Rng(SEED ^ (codec.length * 0x9e3779b1));
  const seeds = [rng.int(100, 2000), rng.int(5000, 40_000), rng.int(20_000, 50_000)].map((size) =>
    compressSync(codec, recordText(rng, size)),
  );
  if (codec === 'snappy') seeds.push(xerialFrame(recordText(rng, rng.int(40_000, 70_000)))); // the Java producer's framing

  test(`${CASES} mutated payloads, sync`, () => {
    for (let i = 0; i < CASES; i++) {
      const payload = mutate(rng, rng.pick(seeds));
      try {
        decompressSync(codec, payload, LIMIT);
      } catch (error) {
        check(codec, `FUZZ_SEED=${SEED} case ${i}`, { error });
      }
    }
  });

  test(`${ASYNC_CASES} mutated payloads, async`, async () => {
    for (let i = 0; i < ASYNC_CASES; i++) {
      const payload = mutate(rng, seeds[seeds.length - 1]!);
      try {
        await decompress(codec, payload, LIMIT);
      } catch (error) {
        check(codec, `FUZZ_SEED=${SEED} async case ${i}`, { error });
      }
    }
  });
});
