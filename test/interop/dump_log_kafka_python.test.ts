/**
 * `tributary dump-log` checked against an independent reader of the same file:
 * kafka-python's DefaultRecordBatch (MemoryRecords) walks a real segment written by the
 * embedded API (every codec, keys, headers; one batch's records then corrupted) and
 * prints each batch's header fields, its own CRC verdict and, for sound batches, the
 * records. The dump must agree field for field.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { tributary } from '../helpers/cli.js';
import { jsonLines, writeLog } from '../helpers/segments.js';
import { tempDir } from '../helpers/tmp.js';
import { runPython } from './support.js';

const READ_SEGMENT = `
import json, sys
from kafka.record.memory_records import MemoryRecords

CODECS = {0: 'none', 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd'}
records = MemoryRecords(open(sys.argv[1], 'rb').read())
batches = []
position = 0
while records.has_next():
    batch = records.next_batch()
    # kafka-python's own unpacking of the header, for the fields it has no property for
    (_, length, leader_epoch, _, _, _, _, _, _, producer_id, producer_epoch, base_sequence, count) = batch._header_data
    valid = batch.validate_crc()
    batches.append({
        'baseOffset': batch.base_offset,
        'lastOffset': batch.base_offset + batch.last_offset_delta,
        'count': count,
        'position': position,
        'size': 12 + length,
        'magic': batch.magic,
        'crc': batch.crc,
        'crcValid': valid,
        'compression': CODECS[batch.compression_type],
        'timestampType': 'LogAppendTime' if batch.timestamp_type == 1 else 'CreateTime',
        'isTransactional': batch.is_transactional,
        'isControl': batch.is_control_batch,
        'producerId': producer_id,
        'producerEpoch': producer_epoch,
        'baseSequence': base_sequence,
        'partitionLeaderEpoch': leader_epoch,
        'firstTimestamp': batch.first_timestamp,
        'maxTimestamp': batch.max_timestamp,
        'records': [
            {
                'offset': r.offset,
                'timestamp': r.timestamp,
                'key': None if r.key is None else bytes(r.key).hex(),
                'value': None if r.value is None else bytes(r.value).hex(),
                'headers': [{'key': k, 'value': None if v is None else bytes(v).hex()} for k, v in r.headers],
            }
            for r in (batch if valid else [])
        ],
    })
    position += 12 + length
json.dump(batches, sys.stdout)
`;

type Line = ReturnType<typeof jsonLines>[number];

describe('dump-log agrees with kafka-python', () => {
  test('batch header fields, CRC verdicts and records of a real segment', async () => {
    const written = await writeLog();
    const bytes = readFileSync(written.log);
    const third = [...jsonLines((await tributary(['dump-log', '--json', written.log]).exit).stdout)].filter(
      (l) => l.type === 'batch',
    )[2]!;
    const flipAt = (third.position as number) + (third.size as number) - 2;
    bytes[flipAt] = bytes[flipAt]! ^ 0x01;
    writeFileSync(written.log, bytes);

    const python = runPython<Array<Line & { records: Line[] }>>(tempDir(), 'read_segment.py', READ_SEGMENT, [
      written.log,
    ]);
    const dump = await tributary(['dump-log', '--json', '--records', '--hex', written.log]).exit;
    expect(dump.code).toBe(1);
    const lines = jsonLines(dump.stdout);
    const batches = lines.filter((l) => l.type === 'batch').map(({ type: _, ...fields }) => fields);
    expect(batches).toEqual(python.map(({ records: _, ...fields }) => fields));
    expect(batches.map((b) => b.crcValid)).toEqual([true, true, false, true, true, true]);

    // Records of the sound batches, in file order, as kafka-python decoded them.
    const soundOffsets = new Set(python.flatMap((b) => b.records.map((r) => r.offset)));
    const records = lines
      .filter((l): l is Line => l.type === 'record' && soundOffsets.has(l.offset))
      .map(({ type: _, ...fields }) => fields);
    expect(records).toEqual(python.flatMap((b) => b.records));
    expect(records.length).toBeGreaterThan(15);
  });
});
