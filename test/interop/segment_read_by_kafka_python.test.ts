/**
 * Segment files written by our Log, read by kafka-python's record reader
 * (kafka.record.memory_records.MemoryRecords -> DefaultRecordBatch) as an independent
 * decoder of the on-disk format.
 *
 * A log with small segments (segment.bytes 8192) gets batches built by buildRecordBatch
 * with keys, null and empty keys, null and empty values, headers (null values, empty
 * and non-ASCII keys), timestamps below and above the batch's base timestamp, records
 * without a timestamp, and some appends carrying several batches at once. After close,
 * Python walks every .log file of the directory and prints, per batch, the raw header
 * fields, validate_crc() and every decoded record; the test compares all of it with
 * what was appended, offsets being assigned by the log from 0.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Log } from '../../src/log/Log.js';
import { buildRecordBatch, type RecordInput } from '../../src/record/RecordBatchBuilder.js';
import { tempDir } from '../helpers/tmp.js';
import { hexOrNull, Rng, runPython, testSeed } from './support.js';

const READ_SEGMENTS = `
import json, os, sys
from kafka.record.memory_records import MemoryRecords
from kafka.record.default_records import DefaultRecordBatch

log_dir = sys.argv[1]
H = DefaultRecordBatch.HEADER_STRUCT

def hex_or_none(b):
    return None if b is None else bytes(b).hex()

files = []
for name in sorted(os.listdir(log_dir)):
    if not name.endswith('.log'):
        continue
    with open(os.path.join(log_dir, name), 'rb') as f:
        data = f.read()
    records = MemoryRecords(data)
    batches = []
    position = 0
    while records.has_next():
        batch = records.next_batch()
        (base_offset, length, leader_epoch, magic, crc, attributes, last_offset_delta,
         first_ts, max_ts, producer_id, producer_epoch, base_sequence, count) = H.unpack_from(data, position)
        entry = {
            'position': position,
            'size': 12 + length,
            'type': type(batch).__name__,
            'baseOffset': batch.base_offset,
            'headerBaseOffset': base_offset,
            'partitionLeaderEpoch': leader_epoch,
            'magic': batch.magic,
            'crc': batch.crc,
            'crcValid': batch.validate_crc(),  # before iterating, as kafka-python requires
            'attributes': batch.attributes,
            'compressionType': batch.compression_type,
            'timestampType': batch.timestamp_type,
            'isTransactional': batch.is_transactional,
            'isControl': batch.is_control_batch,
            'lastOffsetDelta': batch.last_offset_delta,
            'firstTimestamp': batch.first_timestamp,
            'maxTimestamp': batch.max_timestamp,
            'producerId': producer_id,
            'producerEpoch': producer_epoch,
            'baseSequence': base_sequence,
            'recordCount': count,
            'records': [
                {
                    'offset': r.offset,
                    'timestamp': r.timestamp,
                    'timestampType': r.timestamp_type,
                    'key': hex_or_none(r.key),
                    'value': hex_or_none(r.value),
                    'headers': [[k, hex_or_none(v)] for k, v in r.headers],
                }
                for r in batch
            ],
        }
        batches.append(entry)
        position += 12 + length
    files.append({
        'name': name,
        'size': len(data),
        'validBytes': records.valid_bytes(),
        'batches': batches,
    })
json.dump({'files': files}, sys.stdout)
`;

interface PyRecord {
  offset: number;
  timestamp: number;
  timestampType: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

interface PyBatch {
  position: number;
  size: number;
  type: string;
  baseOffset: number;
  headerBaseOffset: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  crcValid: boolean;
  attributes: number;
  compressionType: number;
  timestampType: number;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  records: PyRecord[];
}

interface PyFile {
  name: string;
  size: number;
  validBytes: number;
  batches: PyBatch[];
}

/** One appended batch as the test expects to read it back. */
interface ExpectedBatch {
  baseOffset: number;
  size: number;
  crc: number;
  baseTimestamp: number;
  maxTimestamp: number;
  records: PyRecord[];
}

const HEADER_KEYS = ['trace-id', '', 'content-type', 'ünïcødé-κλειδί', '🔑', 'k'.repeat(70)];
const BASE_TIMESTAMPS = [1_700_000_000_000, 946_684_800_000, 0, 1, 2 ** 41 + 12_345];

function randomRecord(rng: Rng, baseTimestamp: number): RecordInput {
  const key = rng.oneIn(4) ? null : rng.oneIn(8) ? Buffer.alloc(0) : rng.bytes(rng.int(1, 70));
  const value = rng.oneIn(6)
    ? null
    : rng.oneIn(10)
      ? Buffer.alloc(0)
      : rng.bytes(rng.oneIn(8) ? rng.int(1000, 2500) : rng.int(1, 300));
  const headers = Array.from({ length: rng.oneIn(3) ? 0 : rng.int(1, 4) }, () => ({
    key: rng.pick(HEADER_KEYS),
    value: rng.oneIn(4) ? null : rng.bytes(rng.int(0, 40)),
  }));
  const record: RecordInput = { key, value, headers };
  // A few records carry no timestamp (they take the batch's base timestamp); the others
  // may lie before it (negative delta) or after it.
  if (!rng.oneIn(6)) record.timestamp = Math.max(0, baseTimestamp + rng.int(-70_000, 70_000));
  return record;
}

function expectedRecords(records: RecordInput[], baseOffset: number, baseTimestamp: number): PyRecord[] {
  return records.map((r, i) => ({
    offset: baseOffset + i,
    timestamp: r.timestamp ?? baseTimestamp,
    timestampType: 0,
    key: hexOrNull(r.key),
    value: hexOrNull(r.value),
    headers: (r.headers ?? []).map((h) => [h.key, hexOrNull(h.value)] as [string, string | null]),
  }));
}

describe('segments written by Log, read by kafka-python', () => {
  test('every batch of every .log file decodes to what was appended', async () => {
    const seed = testSeed(0x5e6_0001);
    const rng = new Rng(seed);
    const dir = tempDir('tributary-interop-seg-');
    const log = Log.open({ dir, config: { segmentBytes: 8192, indexIntervalBytes: 1024 } });

    const expected: ExpectedBatch[] = [];
    let nextOffset = 0;
    let appends = 0;
    while (expected.length < 160) {
      // One append: 1 to 3 batches back to back.
      const group: Buffer[] = [];
      const groupBase = nextOffset;
      for (let b = rng.oneIn(4) ? rng.int(2, 3) : 1; b > 0; b--) {
        const baseTimestamp = rng.pick(BASE_TIMESTAMPS) + rng.int(0, 100_000);
        const records = Array.from({ length: rng.int(1, 8) }, () => randomRecord(rng, baseTimestamp));
        // Usually the base timestamp is the first record's (the builder's default); sometimes explicit.
        const explicitBase = rng.oneIn(3) || records[0]!.timestamp === undefined;
        const batchBase = explicitBase ? baseTimestamp : records[0]!.timestamp!;
        const bytes = explicitBase ? buildRecordBatch(records, { baseTimestamp }) : buildRecordBatch(records);
        const timestamps = records.map((r) => r.timestamp ?? batchBase);
        expected.push({
          baseOffset: nextOffset,
          size: bytes.length,
          crc: bytes.readUInt32BE(17),
          baseTimestamp: batchBase,
          maxTimestamp: Math.max(...timestamps),
          records: expectedRecords(records, nextOffset, batchBase),
        });
        nextOffset += records.length;
        group.push(bytes);
      }
      const info = await log.append(Buffer.concat(group));
      appends++;
      expect(info.baseOffset).toBe(groupBase);
      expect(info.lastOffset).toBe(nextOffset - 1);
      expect(info.batches).toBe(group.length);
    }
    expect(log.logEndOffset).toBe(nextOffset);
    const segmentCount = log.segmentCount;
    const segmentBaseOffsets = log.segmentBaseOffsets;
    expect(segmentCount, 'the test needs several segments').toBeGreaterThanOrEqual(5);
    expect(appends).toBeLessThan(expected.length); // some appends carried several batches
    await log.close();

    const { files } = runPython<{ files: PyFile[] }>(
      tempDir('tributary-interop-py-'),
      'read_segments.py',
      READ_SEGMENTS,
      [dir],
    );
    const logFiles = readdirSync(dir)
      .filter((n) => n.endsWith('.log'))
      .sort();
    expect(files.map((f) => f.name)).toEqual(logFiles);
    expect(files.length).toBe(segmentCount);
    expect(files.map((f) => Number(f.name.slice(0, 20)))).toEqual(segmentBaseOffsets);

    const seen: PyBatch[] = [];
    for (const file of files) {
      // The whole file is batches: no preallocated tail, no torn batch.
      expect(file.size, file.name).toBe(statSync(join(dir, file.name)).size);
      expect(file.validBytes, `${file.name}: bytes kafka-python could frame`).toBe(file.size);
      expect(file.batches.length, `${file.name} is empty`).toBeGreaterThan(0);
      expect(file.batches[0]!.baseOffset, `${file.name}: name vs first base offset`).toBe(
        Number(file.name.slice(0, 20)),
      );
      expect(file.size, `${file.name} exceeds segment.bytes`).toBeLessThanOrEqual(8192);
      seen.push(...file.batches);
    }
    expect(seen.length).toBe(expected.length);

    let next = 0;
    seen.forEach((got, i) => {
      const want = expected[i]!;
      const where = `batch #${i} (INTEROP_SEED=${seed})`;
      expect(got.type, where).toBe('DefaultRecordBatch');
      expect(got.crcValid, `${where}: validate_crc()`).toBe(true);
      expect(got.baseOffset, `${where}: base offsets consecutive`).toBe(next);
      next = got.baseOffset + got.lastOffsetDelta + 1;
      expect(
        {
          baseOffset: got.baseOffset,
          headerBaseOffset: got.headerBaseOffset,
          size: got.size,
          magic: got.magic,
          crc: got.crc,
          partitionLeaderEpoch: got.partitionLeaderEpoch,
          attributes: got.attributes,
          compressionType: got.compressionType,
          timestampType: got.timestampType,
          isTransactional: got.isTransactional,
          isControl: got.isControl,
          lastOffsetDelta: got.lastOffsetDelta,
          recordCount: got.recordCount,
          firstTimestamp: got.firstTimestamp,
          maxTimestamp: got.maxTimestamp,
          producerId: got.producerId,
          producerEpoch: got.producerEpoch,
          baseSequence: got.baseSequence,
        },
        where,
      ).toEqual({
        baseOffset: want.baseOffset,
        headerBaseOffset: want.baseOffset,
        size: want.size,
        magic: 2,
        crc: want.crc,
        partitionLeaderEpoch: 0, // stamped by the log, the leader of epoch 0 (LogValidator)
        attributes: 0,
        compressionType: 0,
        timestampType: 0,
        isTransactional: false,
        isControl: false,
        lastOffsetDelta: want.records.length - 1,
        recordCount: want.records.length,
        firstTimestamp: want.baseTimestamp,
        maxTimestamp: want.maxTimestamp,
        producerId: -1,
        producerEpoch: -1,
        baseSequence: -1,
      });
      expect(got.records, where).toEqual(want.records);
    });
    expect(next).toBe(nextOffset);
  });
});
