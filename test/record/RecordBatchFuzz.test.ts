/**
 * Mutated RecordBatches (bit flips, truncation, hostile lengths and counts), with the
 * CRC re-signed half the time so the mutations reach record parsing and decompression:
 * validation and the record reader either succeed or throw a TributaryError, never
 * anything else, and never hang. The seed is printed on failure (FUZZ_SEED replays it).
 */
import { describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import { native } from '../../src/native/addon.js';
import type { CompressionCodec } from '../../src/record/Compression.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { validateRecordBatchSync } from '../../src/record/RecordBatchValidator.js';
import { Rng } from '../helpers/random.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const CASES_PER_CODEC = 4000;
const HOSTILE = [-1, -2, 0x7fffffff, 0x40000000, 0x80000000 - 61, 61, 0];

function seedBatch(rng: Rng, codec: CompressionCodec): Buffer {
  const records = Array.from({ length: rng.int(1, 12) }, (_, i) => ({
    key: rng.oneIn(3) ? null : rng.bytes(rng.int(0, 8)),
    value: Buffer.from(`value ${i} `.repeat(rng.int(0, 20))),
    headers: rng.oneIn(2) ? [{ key: 'h', value: rng.bytes(3) }] : [],
    timestamp: 1_700_000_000_000 + rng.int(0, 100),
  }));
  return buildRecordBatch(records, { compression: codec });
}

function mutate(rng: Rng, original: Buffer): Buffer {
  let bytes = Buffer.from(original);
  for (let edits = rng.int(1, 3); edits > 0; edits--) {
    switch (rng.int(0, 4)) {
      case 0:
        bytes[rng.int(0, bytes.length - 1)]! ^= 1 << rng.int(0, 7);
        break;
      case 1:
        bytes = bytes.subarray(0, rng.int(0, bytes.length));
        break;
      case 2: {
        const at = rng.pick([
          BatchHeader.batchLength,
          BatchHeader.recordCount,
          BatchHeader.lastOffsetDelta,
          rng.int(0, bytes.length - 4),
        ]);
        if (at + 4 <= bytes.length) bytes.writeUInt32BE(rng.pick(HOSTILE) >>> 0, at);
        break;
      }
      case 3: // a hostile varint where a record length, key length or count sits
        if (bytes.length > BatchHeader.size + 5)
          bytes.fill(0xff, rng.int(BatchHeader.size, bytes.length - 5), bytes.length - rng.int(0, 4));
        break;
      default:
        bytes = Buffer.concat([bytes, rng.bytes(rng.int(1, 16))]);
    }
  }
  if (rng.oneIn(2) && bytes.length >= BatchHeader.size)
    bytes.writeUInt32BE(native.crc32c(bytes, BatchHeader.attributes), BatchHeader.crc);
  return bytes;
}

/** Runs `f`; returns what it threw if that was not a TributaryError. */
function untypedFailure(f: () => void): unknown {
  try {
    f();
  } catch (error) {
    if (!isTributaryError(error)) return error;
  }
  return undefined;
}

describe('RecordBatch fuzz', () => {
  test.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)(
    '%s: mutated batches give a result or a TributaryError',
    (codec) => {
      const rng = new Rng(SEED + codec.length);
      let accepted = 0;
      for (let i = 0; i < CASES_PER_CODEC; i++) {
        const bytes = mutate(rng, seedBatch(rng, codec));
        const validation = untypedFailure(() => {
          validateRecordBatchSync(bytes, { maxDecompressedBytes: 1 << 20 });
          accepted++;
        });
        const reading = untypedFailure(() => {
          for (const r of RecordBatch.from(bytes).records()) void [r.key, r.value, r.headers];
        });
        const failure = validation ?? reading;
        if (failure !== undefined) {
          throw new Error(`seed ${SEED}, ${codec} case ${i}: ${String(failure)}\n${bytes.toString('hex')}`);
        }
      }
      expect(accepted).toBeLessThan(CASES_PER_CODEC);
    },
  );
});
