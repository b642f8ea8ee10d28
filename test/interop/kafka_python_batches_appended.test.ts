/**
 * Batches built by kafka-python's DefaultRecordBatchBuilder (magic 2), appended to our
 * Log and compared with our own buildRecordBatch.
 *
 * 1. For uncompressed, non-idempotent batches, buildRecordBatch of the same records (same
 *    offset deltas, timestamps, keys, values, headers; base timestamp = the first
 *    record's, as kafka-python takes it) must give the same bytes as kafka-python, CRC
 *    included, with one documented exception:
 *
 *      partitionLeaderEpoch (bytes 12..15): kafka-python 2.0.2 writes 0
 *      (default_records.py write_header: "0,  # PartitionLeaderEpoch, set by broker");
 *      we write -1, RecordBatch.NO_PARTITION_LEADER_EPOCH, as the Java producer does.
 *      The field is outside the CRC (which covers attributes..end), so the CRCs agree.
 *
 * 2. Log.append of kafka-python's batches (alone or several in one append; also gzip,
 *    idempotent and transactional ones, which our builder cannot make) assigns
 *    consecutive offsets from 0, and reading them back, before and after a reopen with
 *    recovery, gives kafka-python's bytes exactly except the 8-byte baseOffset, which is
 *    the assigned offset.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { crc32c } from '../../src/index.js';
import { Log } from '../../src/log/Log.js';
import { buildRecordBatch, type RecordInput } from '../../src/record/RecordBatchBuilder.js';
import { tempDir } from '../helpers/tmp.js';
import { BATCH, Rng, runPython, splitBatches, testSeed } from './support.js';

/** A batch for kafka-python to build, values in hex. */
interface BatchSpec {
  compression: 0 | 1; // none | gzip
  transactional: boolean;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: Array<{
    offsetDelta: number;
    timestamp: number;
    key: string | null;
    value: string | null;
    headers: Array<[string, string | null]>;
  }>;
}

interface BuiltBatch {
  length: number;
  attributes: number;
  recordCount: number;
}

const BUILD_BATCHES = `
import json, sys
from kafka.record.default_records import DefaultRecordBatchBuilder

specs_path, out_path = sys.argv[1], sys.argv[2]
with open(specs_path) as f:
    specs = json.load(f)

def unhex(s):
    return None if s is None else bytes.fromhex(s)

built = []
with open(out_path, 'wb') as out:
    for spec in specs:
        builder = DefaultRecordBatchBuilder(
            magic=2, compression_type=spec['compression'], is_transactional=int(spec['transactional']),
            producer_id=spec['producerId'], producer_epoch=spec['producerEpoch'],
            base_sequence=spec['baseSequence'], batch_size=64 * 1024 * 1024)
        for r in spec['records']:
            meta = builder.append(r['offsetDelta'], timestamp=r['timestamp'], key=unhex(r['key']),
                                  value=unhex(r['value']), headers=[(k, unhex(v)) for k, v in r['headers']])
            if meta is None:
                raise SystemExit('record did not fit in the batch')
        data = bytes(builder.build())
        out.write(data)
        built.append({'length': len(data), 'attributes': builder._get_attributes(), 'recordCount': len(spec['records'])})
json.dump(built, sys.stdout)
`;

const HEADER_KEYS = ['trace-id', '', 'ünïcødé', '🔑', 'h'.repeat(64)];
/** Lengths around the zig-zag varint boundaries (1 byte up to 63, 2 up to 8191). */
const EDGE_LENGTHS = [0, 1, 63, 64, 127, 128, 8191, 8192, 20_000];
/** Timestamp deltas around varint boundaries and far from the base. */
const EDGE_DELTAS = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8193, 2 ** 31, -(2 ** 31) - 1, 2 ** 40];

function maybeBytes(rng: Rng, nullOneIn: number, length: number): string | null {
  return rng.oneIn(nullOneIn) ? null : rng.bytes(length).toString('hex');
}

function plainSpec(rng: Rng, count: number, baseTimestamp: number, edge = false): BatchSpec {
  const records = Array.from({ length: count }, (_, i) => {
    const length = edge ? rng.pick(EDGE_LENGTHS) : rng.int(0, 200);
    const delta = i === 0 ? 0 : edge ? rng.pick(EDGE_DELTAS) : rng.int(-5_000, 5_000);
    const headerCount = edge && rng.oneIn(10) ? 130 : rng.oneIn(3) ? 0 : rng.int(1, 3);
    return {
      offsetDelta: i,
      timestamp: baseTimestamp + delta,
      key: maybeBytes(rng, 4, edge ? rng.pick(EDGE_LENGTHS.slice(0, 7)) : rng.int(0, 40)),
      value: maybeBytes(rng, 6, length),
      headers: Array.from(
        { length: headerCount },
        () => [rng.pick(HEADER_KEYS), maybeBytes(rng, 4, rng.int(0, 30))] as [string, string | null],
      ),
    };
  });
  return { compression: 0, transactional: false, producerId: -1, producerEpoch: -1, baseSequence: -1, records };
}

function toRecordInputs(spec: BatchSpec): RecordInput[] {
  const bytes = (s: string | null) => (s === null ? null : Buffer.from(s, 'hex'));
  return spec.records.map((r) => ({
    key: bytes(r.key),
    value: bytes(r.value),
    headers: r.headers.map(([key, value]) => ({ key, value: bytes(value) })),
    timestamp: r.timestamp,
  }));
}

function makeSpecs(rng: Rng): BatchSpec[] {
  const specs: BatchSpec[] = [];
  const base = 1_700_000_000_000;
  for (let i = 0; i < 40; i++) specs.push(plainSpec(rng, rng.int(1, 6), base + i * 1000));
  for (let i = 0; i < 12; i++) specs.push(plainSpec(rng, rng.int(1, 12), base + 10_000_000 + i, true));
  specs.push(plainSpec(rng, 1, 0)); // timestamp 0
  specs.push(plainSpec(rng, 300, base)); // offset deltas past one varint byte (>= 64)
  // Compressible values so that kafka-python keeps gzip (it falls back when it does not help).
  const gzip = plainSpec(rng, 20, base + 5);
  gzip.records.forEach((r, i) => (r.value = Buffer.from(`value ${i % 3} `.repeat(40)).toString('hex')));
  specs.push({ ...gzip, compression: 1 });
  // Idempotent and transactional producer batches.
  specs.push({ ...plainSpec(rng, 4, base + 7), producerId: 4242, producerEpoch: 3, baseSequence: 17 });
  specs.push({
    ...plainSpec(rng, 3, base + 8),
    producerId: 4243,
    producerEpoch: 0,
    baseSequence: 0,
    transactional: true,
  });
  return specs;
}

function isPlain(spec: BatchSpec): boolean {
  return spec.compression === 0 && !spec.transactional && spec.producerId === -1;
}

function hexDiff(a: Buffer, b: Buffer): string {
  const diffs: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && diffs.length < 8; i++) {
    if (a[i] !== b[i]) diffs.push(`@${i}: ${a[i]?.toString(16) ?? '--'} vs ${b[i]?.toString(16) ?? '--'}`);
  }
  return `lengths ${a.length} vs ${b.length}; ${diffs.join(', ')}`;
}

/** Every batch of the log, from offset 0, through Log.read. */
function readAll(log: Log, maxBytes: number): Buffer[] {
  const out: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const read = log.read(offset, maxBytes);
    expect(read.records.length, `read at ${offset}`).toBeGreaterThan(0);
    expect(read.firstOffset).toBe(offset);
    for (const batch of splitBatches(read.records)) {
      out.push(Buffer.from(batch));
      offset = Number(batch.readBigInt64BE(BATCH.baseOffset)) + batch.readInt32BE(BATCH.lastOffsetDelta) + 1;
    }
  }
  return out;
}

describe('kafka-python batches', () => {
  const seed = testSeed(0x4b_0003);
  const rng = new Rng(seed);
  const specs = makeSpecs(rng);
  let built: { batches: Buffer[]; meta: BuiltBatch[] } | null = null;

  function pythonBatches(): { batches: Buffer[]; meta: BuiltBatch[] } {
    if (built !== null) return built;
    const dir = tempDir('tributary-interop-kp-');
    const specsPath = join(dir, 'specs.json');
    const outPath = join(dir, 'batches.bin');
    writeFileSync(specsPath, JSON.stringify(specs));
    const meta = runPython<BuiltBatch[]>(dir, 'build_batches.py', BUILD_BATCHES, [specsPath, outPath]);
    const batches = splitBatches(readFileSync(outPath)).map((b) => Buffer.from(b));
    expect(batches.map((b) => b.length)).toEqual(meta.map((m) => m.length));
    built = { batches, meta };
    return built;
  }

  test('kafka-python built what was asked (sanity of the fixture)', () => {
    const { batches, meta } = pythonBatches();
    expect(batches.length).toBe(specs.length);
    batches.forEach((b, i) => {
      const spec = specs[i]!;
      expect(b.readInt8(BATCH.magic)).toBe(2);
      expect(b.readInt16BE(BATCH.attributes) & 0x07, `batch ${i} compression`).toBe(spec.compression);
      expect(meta[i]!.attributes & 0x07).toBe(spec.compression);
      expect(b.readInt32BE(57), `batch ${i} record count`).toBe(spec.records.length);
      expect(b.readUInt32BE(BATCH.crc), `batch ${i}: kafka-python's CRC vs our crc32c`).toBe(
        crc32c(b, BATCH.attributes),
      );
    });
  });

  test('buildRecordBatch gives the bytes kafka-python gives (uncompressed batches)', () => {
    const { batches } = pythonBatches();
    let compared = 0;
    specs.forEach((spec, i) => {
      if (!isPlain(spec)) return;
      const theirs = batches[i]!;
      const ours = buildRecordBatch(toRecordInputs(spec), { baseTimestamp: spec.records[0]!.timestamp });
      const where = `batch ${i} (${spec.records.length} records, INTEROP_SEED=${seed})`;
      expect(ours.length, where).toBe(theirs.length);
      // The documented difference: partitionLeaderEpoch, 0 from kafka-python, -1 from us.
      expect(theirs.readInt32BE(BATCH.partitionLeaderEpoch), `${where}: kafka-python's partitionLeaderEpoch`).toBe(0);
      expect(ours.readInt32BE(BATCH.partitionLeaderEpoch), `${where}: our partitionLeaderEpoch`).toBe(-1);
      // Everything else, CRC included, byte for byte.
      const mask = (b: Buffer) => {
        const copy = Buffer.from(b);
        copy.fill(0, BATCH.partitionLeaderEpoch, BATCH.partitionLeaderEpoch + 4);
        return copy;
      };
      const a = mask(ours);
      const b = mask(theirs);
      expect(a.equals(b), `${where}: ${hexDiff(a, b)}`).toBe(true);
      compared++;
    });
    expect(compared).toBeGreaterThanOrEqual(50);
  });

  test('Log.append assigns offsets and reads back the same bytes but for baseOffset', async () => {
    const { batches } = pythonBatches();
    const dir = tempDir('tributary-interop-kp-log-');
    // Small segments, but each batch must fit in one (the edge batches reach ~100 KiB).
    const largest = Math.max(...batches.map((b) => b.length));
    const config = { segmentBytes: Math.max(16 * 1024, largest), indexIntervalBytes: 512 };
    const log = Log.open({ dir, config });

    // Appends of 1 to 4 batches at a time.
    const assigned: number[] = [];
    let next = 0;
    for (let i = 0; i < batches.length;) {
      const take = Math.min(batches.length - i, rng.oneIn(3) ? rng.int(2, 4) : 1);
      const group = batches.slice(i, i + take);
      const groupBase = next;
      for (let j = 0; j < take; j++) {
        assigned.push(next);
        next += specs[i + j]!.records.length;
      }
      const info = await log.append(Buffer.concat(group));
      expect(info, `append of batches ${i}..${i + take - 1}`).toEqual({
        baseOffset: groupBase,
        lastOffset: next - 1,
        batches: take,
        bytes: group.reduce((s, b) => s + b.length, 0),
      });
      i += take;
    }
    expect(log.logEndOffset).toBe(next);
    expect(log.segmentCount, 'the test needs several segments').toBeGreaterThan(2);

    const expectBackAsAppended = (got: Buffer[], when: string) => {
      expect(got.length, when).toBe(batches.length);
      got.forEach((b, i) => {
        const where = `${when}: batch ${i}`;
        expect(Number(b.readBigInt64BE(BATCH.baseOffset)), `${where} baseOffset`).toBe(assigned[i]);
        const want = Buffer.from(batches[i]!);
        want.writeBigInt64BE(BigInt(assigned[i]!), BATCH.baseOffset);
        expect(b.equals(want), `${where}: ${hexDiff(b, want)}`).toBe(true);
      });
    };
    expectBackAsAppended(readAll(log, 1), 'one batch per read');
    expectBackAsAppended(readAll(log, 1 << 20), 'large reads');

    // A read at an offset inside a batch returns that whole batch.
    const i = specs.findIndex((s) => s.records.length === 300);
    const mid = log.read(assigned[i]! + 150, 1);
    expect(mid.firstOffset).toBe(assigned[i]);
    expect(
      splitBatches(mid.records)[0]!.subarray(BATCH.logOverhead).equals(batches[i]!.subarray(BATCH.logOverhead)),
    ).toBe(true);
    await log.close();

    // Reopened after a clean close, and as after a crash (recovery scans and re-validates
    // every segment and rebuilds its indexes: with sealed segments whose indexes were
    // trimmed on close, this once failed with "time index is full").
    for (const hadCleanShutdown of [true, false]) {
      const reopened = Log.open({ dir, config, hadCleanShutdown });
      try {
        expect(reopened.logEndOffset).toBe(next);
        expectBackAsAppended(readAll(reopened, 1 << 20), `reopened (hadCleanShutdown ${hadCleanShutdown})`);
      } finally {
        await reopened.close();
      }
    }
  });
});
