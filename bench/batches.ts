/**
 * RecordBatch v2 buffers of an exact size, built once per run with the project's own
 * builder and appended over and over (the Log rewrites only baseOffset, which the CRC
 * does not cover, so the same bytes stay valid for every append).
 */
import { randomBytes } from 'node:crypto';
import { buildRecordBatch, type RecordInput } from '../src/index.js';

const VALUE_BYTES = 1000;
const HEADER_BYTES = 61;
const BASE_TIMESTAMP = 1_700_000_000_000;

/** An uncompressed batch of exactly `size` bytes: records with random ~1 KB values. */
export function buildBatchOfSize(size: number): Buffer {
  const count = Math.max(1, Math.floor((size - HEADER_BYTES) / (VALUE_BYTES + 10)));
  const values = Array.from({ length: count }, () => randomBytes(VALUE_BYTES));
  for (let attempt = 0; attempt < 8; attempt++) {
    const records: RecordInput[] = values.map((value) => ({ key: null, value }));
    const batch = buildRecordBatch(records, { baseTimestamp: BASE_TIMESTAMP });
    const missing = size - batch.length;
    if (missing === 0) return batch;
    const last = values[values.length - 1]!;
    const length = last.length + missing;
    if (length < 0) break;
    values[values.length - 1] =
      length <= last.length ? last.subarray(0, length) : Buffer.concat([last, randomBytes(missing)]);
  }
  throw new Error(`could not build a record batch of exactly ${size} bytes`);
}
