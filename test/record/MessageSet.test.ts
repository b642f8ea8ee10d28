import { crc32, gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { decompressSync } from '../../src/record/Compression.js';
import {
  legacyRecordSize,
  writeLegacyRecord,
  type LegacyMagic,
  type LegacyRecordFields,
} from '../../src/record/LegacyRecord.js';
import {
  buildMessageSet,
  LOG_OVERHEAD,
  messageSetEntries,
  messageSetRecords,
  type LegacyRecordInput,
  type MessageSetReadOptions,
} from '../../src/record/MessageSet.js';
import { errorCodeOf, LEGACY_CASES } from '../helpers/legacy.js';
import { Rng } from '../helpers/random.js';

const T0 = 1_700_000_000_000;

function sampleRecords(count: number, rng = new Rng(count)): LegacyRecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: T0 + rng.int(0, 10_000),
    key: i % 5 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 7 === 3 ? null : i % 7 === 4 ? Buffer.alloc(0) : rng.bytes(rng.int(1, 100)),
  }));
}

/** One hand-written entry: the wrapper shapes our builder never makes. */
function entry(offset: number, fields: LegacyRecordFields): Buffer {
  const size = legacyRecordSize(fields.magic, fields.key ?? null, fields.value);
  const out = Buffer.alloc(LOG_OVERHEAD + size);
  out.writeBigInt64BE(BigInt(offset), 0);
  out.writeInt32BE(size, 8);
  writeLegacyRecord(out, LOG_OVERHEAD, fields);
  return out;
}

/** Rewrites every entry's CRC it can find, so mutations reach the checks behind the CRC. */
function resealAll(set: Buffer): Buffer {
  for (let at = 0; at + LOG_OVERHEAD + 4 <= set.length;) {
    const size = set.readInt32BE(at + 8);
    if (size < 4 || at + LOG_OVERHEAD + size > set.length) break;
    const message = set.subarray(at + LOG_OVERHEAD, at + LOG_OVERHEAD + size);
    message.writeUInt32BE(crc32(message.subarray(4)), 0);
    at += LOG_OVERHEAD + size;
  }
  return set;
}

const readAll = (set: Buffer, options?: MessageSetReadOptions) => [...messageSetRecords(set, options)];

describe('MessageSet round trips', () => {
  test.each(LEGACY_CASES)('magic %i %s, 1 and 300 records', (magic, compression) => {
    for (const count of [1, 300]) {
      const records = sampleRecords(count);
      const read = readAll(buildMessageSet(records, { magic, compression, baseOffset: 42 }));
      expect(read).toEqual(
        records.map((r, i) => ({
          offset: 42 + i,
          timestamp: magic === 0 ? -1 : r.timestamp,
          key: r.key,
          value: r.value,
          headers: [],
        })),
      );
    }
  });

  test('an empty record list is an empty set', () => {
    expect(buildMessageSet([], { magic: 1, compression: 'gzip' }).length).toBe(0);
  });
});

describe('MessageSet offsets and timestamps (KIP-31/32)', () => {
  const records = [10, 11, 15].map((offset, i) => ({ offset, timestamp: T0 + [5, 9, 1][i]!, value: Buffer.from([i]) }));

  function wrapperAndInner(magic: LegacyMagic, options = {}) {
    const [wrapper, ...rest] = [
      ...messageSetEntries(buildMessageSet(records, { magic, compression: 'gzip', ...options })),
    ];
    expect(rest).toEqual([]);
    const inner = [...messageSetEntries(decompressSync('gzip', wrapper!.record.value!))];
    return { wrapper: wrapper!, inner };
  }

  test('v1 wrapper: offset of the last inner message, relative inner offsets, max timestamp', () => {
    const { wrapper, inner } = wrapperAndInner(1);
    expect(wrapper.offset).toBe(15);
    expect(wrapper.record.timestamp).toBe(T0 + 9);
    expect(inner.map((e) => e.offset)).toEqual([0, 1, 5]);
    expect(
      readAll(buildMessageSet(records, { magic: 1, compression: 'gzip' })).map((r) => [r.offset, r.timestamp]),
    ).toEqual([
      [10, T0 + 5],
      [11, T0 + 9],
      [15, T0 + 1],
    ]);
  });

  test('v0 wrapper: absolute inner offsets', () => {
    const { wrapper, inner } = wrapperAndInner(0);
    expect(wrapper.offset).toBe(15);
    expect(inner.map((e) => e.offset)).toEqual([10, 11, 15]);
  });

  test('LogAppendTime wrapper: every inner record takes the wrapper timestamp', () => {
    const { wrapper, inner } = wrapperAndInner(1, { timestampType: 'LogAppendTime', logAppendTime: T0 + 100 });
    expect(wrapper.record).toMatchObject({ timestamp: T0 + 100, timestampType: 'LogAppendTime' });
    expect(inner.every((e) => e.record.timestampType === 'LogAppendTime')).toBe(true);
    const set = buildMessageSet(records, {
      magic: 1,
      compression: 'gzip',
      timestampType: 'LogAppendTime',
      logAppendTime: T0 + 100,
    });
    expect(readAll(set).map((r) => r.timestamp)).toEqual([T0 + 100, T0 + 100, T0 + 100]);
  });

  test("a producer's v1 wrapper (offset 0, before the broker assigns) keeps relative offsets", () => {
    const inner = buildMessageSet(sampleRecords(3), { magic: 1 });
    const wrapper = entry(0, { magic: 1, compression: 'gzip', timestamp: 0, value: gzipSync(inner) });
    expect(readAll(wrapper).map((r) => r.offset)).toEqual([0, 1, 2]);
  });
});

describe('MessageSet validation', () => {
  const set = buildMessageSet(sampleRecords(4), { magic: 1, baseOffset: 7 });

  test('a partial last entry is skipped in a fetch and refused in a produce request', () => {
    for (const cut of [1, 11, 12, 20, set.length - 1]) {
      const torn = set.subarray(0, set.length - cut);
      expect(readAll(torn).length, `cut ${cut}`).toBeLessThan(4);
      expect(
        errorCodeOf(() => readAll(torn, { source: 'produce' })),
        `cut ${cut}`,
      ).toBe('ERR_TRUNCATED');
    }
  });

  test('sizes below a message, negative or huge are typed errors, never allocations', () => {
    const withSize = (size: number): Buffer => {
      const copy = Buffer.from(set);
      copy.writeInt32BE(size, 8);
      return copy;
    };
    expect(errorCodeOf(() => readAll(withSize(13)))).toBe('ERR_CORRUPT_BATCH');
    expect(errorCodeOf(() => readAll(withSize(-1)))).toBe('ERR_CORRUPT_BATCH');
    expect(readAll(withSize(0x7fffffff))).toEqual([]);
    expect(errorCodeOf(() => readAll(withSize(0x7fffffff), { source: 'produce' }))).toBe('ERR_TRUNCATED');
  });

  test('CRC mismatch and bad magic', () => {
    const flipped = Buffer.from(set);
    flipped[flipped.length - 1]! ^= 0x40;
    expect(errorCodeOf(() => readAll(flipped))).toBe('ERR_CORRUPT_BATCH');
    const magic2 = Buffer.from(set);
    magic2[LOG_OVERHEAD + 4] = 2;
    expect(errorCodeOf(() => readAll(magic2))).toBe('ERR_CORRUPT_BATCH');
  });

  test('nested compression, mixed inner magic, empty and null wrappers', () => {
    const compressed = buildMessageSet(sampleRecords(2), { magic: 1, compression: 'gzip' });
    const nested = entry(1, { magic: 1, compression: 'gzip', timestamp: 0, value: gzipSync(compressed) });
    expect(errorCodeOf(() => readAll(nested))).toBe('ERR_INVALID_RECORD');
    const v0Inner = entry(1, {
      magic: 1,
      compression: 'gzip',
      timestamp: 0,
      value: gzipSync(buildMessageSet(sampleRecords(2), { magic: 0 })),
    });
    expect(errorCodeOf(() => readAll(v0Inner))).toBe('ERR_INVALID_RECORD');
    const empty = entry(0, { magic: 0, compression: 'gzip', value: gzipSync(Buffer.alloc(0)) });
    expect(errorCodeOf(() => readAll(empty))).toBe('ERR_INVALID_RECORD');
    expect(errorCodeOf(() => readAll(entry(0, { magic: 0, compression: 'snappy', value: null })))).toBe(
      'ERR_CORRUPT_BATCH',
    );
    const tornInner = entry(0, { magic: 0, compression: 'gzip', value: gzipSync(set.subarray(0, set.length - 3)) });
    expect(errorCodeOf(() => readAll(tornInner))).toBe('ERR_TRUNCATED');
  });

  test('lz4 at magic 0 (the pre-0.10 frame checksum) is refused both ways; zstd below magic 2 too', () => {
    const lz4v1 = [...messageSetEntries(buildMessageSet(sampleRecords(3), { magic: 1, compression: 'lz4' }))][0]!.record
      .value!;
    const lz4v0 = entry(2, { magic: 0, compression: 'lz4', value: lz4v1 });
    expect(errorCodeOf(() => readAll(lz4v0))).toBe('ERR_UNSUPPORTED_COMPRESSION_TYPE');
    expect(errorCodeOf(() => buildMessageSet(sampleRecords(1), { magic: 0, compression: 'lz4' }))).toBe(
      'ERR_UNSUPPORTED_COMPRESSION_TYPE',
    );
    expect(errorCodeOf(() => buildMessageSet(sampleRecords(1), { magic: 1, compression: 'zstd' }))).toBe(
      'ERR_UNSUPPORTED_COMPRESSION_TYPE',
    );
  });

  test('a wrapper that decompresses past the limit is refused', () => {
    const big = buildMessageSet([{ value: Buffer.alloc(100_000) }], { magic: 1, compression: 'gzip' });
    expect(errorCodeOf(() => readAll(big, { maxDecompressedBytes: 10_000 }))).toBe('ERR_DECOMPRESSED_TOO_LARGE');
  });
});

describe('MessageSet fuzz', () => {
  test('thousands of mutations of valid sets only ever raise TributaryError', () => {
    const rng = new Rng(0xfa22);
    const seeds = LEGACY_CASES.map(([magic, compression]) =>
      buildMessageSet(sampleRecords(5, rng), { magic, compression, baseOffset: 3 }),
    );
    const outcomes = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < 4000; i++) {
      const mutated = Buffer.from(rng.pick(seeds));
      for (let n = rng.int(1, 4); n > 0; n--) {
        const at = rng.int(0, mutated.length - 1);
        if (rng.oneIn(3))
          mutated.writeInt32BE(rng.pick([-1, 0, 13, 0x7fffffff, rng.int(0, 5000)]), Math.min(at, mutated.length - 4));
        else mutated[at] = rng.int(0, 255);
      }
      if (rng.oneIn(2)) resealAll(mutated);
      const cut = rng.oneIn(4) ? mutated.subarray(0, rng.int(0, mutated.length)) : mutated;
      const set = rng.oneIn(3) ? entry(9, { magic: 1, compression: 'gzip', timestamp: 0, value: gzipSync(cut) }) : cut;
      for (const source of ['fetch', 'produce'] as const) {
        const code = errorCodeOf(() => readAll(set, { source, maxDecompressedBytes: 1 << 20 }));
        if (code !== undefined) expect(code, `mutation ${i}`).toMatch(/^ERR_/);
        outcomes.set(code ?? 'ok', (outcomes.get(code ?? 'ok') ?? 0) + 1);
      }
    }
    expect(Date.now() - started).toBeLessThan(30_000);
    for (const code of ['ok', 'ERR_CORRUPT_BATCH', 'ERR_INVALID_RECORD', 'ERR_TRUNCATED'])
      expect(outcomes.get(code), code).toBeGreaterThan(50);
  });
});
