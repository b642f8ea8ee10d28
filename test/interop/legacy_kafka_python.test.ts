/**
 * Legacy MessageSets (magic 0 and 1) against kafka-python 2.0.2's LegacyRecordBatchBuilder
 * and LegacyRecordBatch:
 *
 * 1. kafka-python builds sets (none/gzip/snappy/lz4; lz4 at magic 1 only) that our
 *    reader reads as the records kafka-python appended; uncompressed ones are
 *    byte-identical to buildMessageSet of the same records. Compressed ones differ by
 *    design: kafka-python writes the wrapper with offset 0 and timestamp 0 (for the
 *    broker to fill in), we write what Kafka's broker stores (last offset, max timestamp).
 * 2. kafka-python reads our sets, compressed ones included, as the records we wrote.
 * 3. kafka-python reads our down-conversions of v2 batches as the v2 batches' records.
 *
 * Magic-0 lz4 is left out: kafka-python needs the xxhash module (not installed) to write
 * its old broken frame header checksum, and our reader and writer refuse it (unit tests).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { LegacyMagic } from '../../src/record/LegacyRecord.js';
import {
  buildMessageSet,
  messageSetRecords,
  type LegacyRecordInput,
  type MessageSetOptions,
} from '../../src/record/MessageSet.js';
import { recordBatchesToMessageSet } from '../../src/record/MessageSetConversion.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { LEGACY_CASES } from '../helpers/legacy.js';
import { tempDir } from '../helpers/tmp.js';
import { hexOrNull, Rng, runPython, testSeed } from './support.js';

const CODEC_IDS: Readonly<Record<string, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3 };

interface PyRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
}

interface BuildSpec {
  magic: LegacyMagic;
  codec: number;
  records: PyRecord[];
}

/** Input: {"build": [BuildSpec], "read": [hex]}. Output: {"built": [hex], "read": [[PyRecord]]}. */
const LEGACY = `
import json, sys
from kafka.record.legacy_records import LegacyRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords

with open(sys.argv[1]) as f:
    spec = json.load(f)

def unhex(s):
    return None if s is None else bytes.fromhex(s)

def build(case):
    builder = LegacyRecordBatchBuilder(case["magic"], case["codec"], 1 << 30)
    for r in case["records"]:
        builder.append(r["offset"], r["timestamp"], unhex(r["key"]), unhex(r["value"]))
    return bytes(builder.build()).hex()

def read(hex_set):
    records = MemoryRecords(bytes.fromhex(hex_set))
    out = []
    while records.has_next():
        batch = records.next_batch()
        for r in batch:
            out.append({"offset": r.offset, "timestamp": -1 if r.timestamp is None else r.timestamp,
                        "key": None if r.key is None else r.key.hex(),
                        "value": None if r.value is None else r.value.hex()})
    return out

with open(sys.argv[2], "w") as f:
    json.dump({"built": [build(c) for c in spec["build"]], "read": [read(h) for h in spec["read"]]}, f)
print("{}")
`;

function kafkaPython(build: BuildSpec[], read: Buffer[]): { built: Buffer[]; read: PyRecord[][] } {
  const dir = tempDir('legacy-py-');
  const input = join(dir, 'spec.json');
  const output = join(dir, 'out.json');
  writeFileSync(input, JSON.stringify({ build, read: read.map((b) => b.toString('hex')) }));
  runPython(dir, 'legacy.py', LEGACY, [input, output]);
  const result = JSON.parse(readFileSync(output, 'utf8')) as { built: string[]; read: PyRecord[][] };
  return { built: result.built.map((h) => Buffer.from(h, 'hex')), read: result.read };
}

function randomRecords(rng: Rng, count: number, magic: LegacyMagic): PyRecord[] {
  const base = 1_600_000_000_000 + rng.int(0, 1_000_000);
  return Array.from({ length: count }, (_, i) => ({
    offset: i,
    timestamp: magic === 0 ? -1 : base + rng.int(0, 5000),
    key: rng.oneIn(4) ? null : rng.bytes(rng.int(0, 16)).toString('hex'),
    value: rng.oneIn(6) ? null : rng.bytes(rng.int(0, 300)).toString('hex'),
  }));
}

const asInput = (r: PyRecord): LegacyRecordInput => ({
  offset: r.offset,
  timestamp: r.timestamp,
  key: r.key === null ? null : Buffer.from(r.key, 'hex'),
  value: r.value === null ? null : Buffer.from(r.value, 'hex'),
});

function ours(set: Buffer): PyRecord[] {
  return [...messageSetRecords(set)].map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: hexOrNull(r.key),
    value: hexOrNull(r.value),
  }));
}

describe('legacy MessageSets against kafka-python', () => {
  test('kafka-python builds, we read (identical bytes when uncompressed); we build, kafka-python reads', () => {
    const rng = new Rng(testSeed(0x1e6ac7));
    const specs = LEGACY_CASES.flatMap(([magic, codec]) =>
      [1, 2, 37].map((count) => ({
        magic,
        codec: CODEC_IDS[codec]!,
        codecName: codec,
        records: randomRecords(rng, count, magic),
      })),
    );
    const shifted = specs.map((s) => s.records.map((r) => ({ ...r, offset: r.offset + 1000 })));
    const ourSets = specs.map((s, i) =>
      buildMessageSet(shifted[i]!.map(asInput), { magic: s.magic, compression: s.codecName }),
    );
    const py = kafkaPython(specs, ourSets);
    specs.forEach((spec, i) => {
      const label = `magic ${spec.magic} ${spec.codecName} x${spec.records.length}`;
      expect(ours(py.built[i]!), label).toEqual(spec.records);
      if (spec.codecName === 'none') {
        expect(py.built[i]!.equals(buildMessageSet(spec.records.map(asInput), { magic: spec.magic })), label).toBe(
          true,
        );
      }
      expect(py.read[i], label).toEqual(shifted[i]);
    });
  });

  test('kafka-python reads a LogAppendTime v1 wrapper with the wrapper timestamp on every record', () => {
    const rng = new Rng(testSeed(0x7a55));
    const records = randomRecords(rng, 5, 1);
    const options: MessageSetOptions = {
      magic: 1,
      compression: 'gzip',
      timestampType: 'LogAppendTime',
      logAppendTime: 1_700_000_123_456,
    };
    const set = buildMessageSet(records.map(asInput), options);
    const expected = records.map((r) => ({ ...r, timestamp: 1_700_000_123_456 }));
    expect(kafkaPython([], [set]).read[0]).toEqual(expected);
    expect(ours(set)).toEqual(expected);
  });

  test('kafka-python reads our down-conversions of v2 batches', () => {
    const rng = new Rng(testSeed(0xd0c0));
    const v2Records = Array.from({ length: 20 }, (_, i) => ({
      key: Buffer.from(`k${i}`),
      value: rng.bytes(rng.int(0, 200)),
      headers: [{ key: 'h', value: Buffer.from('dropped') }],
      timestamp: 1_650_000_000_000 + i * 7,
    }));
    const batches = Buffer.concat([
      buildRecordBatch(v2Records.slice(0, 8), { baseOffset: 500 }),
      buildRecordBatch(v2Records.slice(8), { baseOffset: 508, compression: 'snappy' }),
    ]);
    const sets = ([0, 1] as const).map((magic) => recordBatchesToMessageSet(batches, magic));
    const read = kafkaPython([], sets).read;
    ([0, 1] as const).forEach((magic) => {
      const expected = v2Records.map((r, i) => ({
        offset: 500 + i,
        timestamp: magic === 0 ? -1 : r.timestamp,
        key: r.key.toString('hex'),
        value: r.value.toString('hex'),
      }));
      expect(read[magic], `magic ${magic}`).toEqual(expected);
    });
  });
});
