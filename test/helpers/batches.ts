import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';

/** A deterministic batch of `count` records whose contents depend on `seed`. */
export function sampleBatch(seed: number, count = 3, valueSize = 32, timestamp = 1_700_000_000_000 + seed): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`key-${seed}-${i}`),
    value: Buffer.alloc(valueSize, (seed * 31 + i) & 0xff),
    headers: [{ key: 'seed', value: Buffer.from(String(seed)) }],
    timestamp: timestamp + i,
  }));
  return buildRecordBatch(records, { baseTimestamp: timestamp });
}
