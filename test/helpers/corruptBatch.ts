/**
 * A partition whose stored batch has one byte flipped after a clean close, for the tests of
 * consumers' CRC checks: topic `events`, one partition, BATCHES batches of PER_BATCH 300 B
 * values, index.interval.bytes 0 so every batch after the first has an offset index entry.
 * The flipped batch is not the last: a clean open checks each segment's tail from its last
 * index entry (and would recover a damaged tail itself), so only a consumer's check can
 * find damage before it.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tributary } from '../../src/client/Tributary.js';
import type { CompressionCodec } from '../../src/record/Compression.js';
import { native } from '../../src/native/addon.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { tempDir } from './tmp.js';

export const TOPIC = 'events';
const BATCHES = 4;
const PER_BATCH = 3;
/** The record whose batch gets the flipped byte. */
const CORRUPT_OFFSET = 7;

export interface CorruptedLog {
  dataDir: string;
  /** The values written, by offset. */
  written: string[];
  /** The batch with the flipped byte: its offsets, its stored CRC32C and the one its bytes now have. */
  bad: { baseOffset: number; lastOffset: number; storedCrc: number; computedCrc: number };
}

/** Flips a byte 3 from the end of the batch holding `offset` (inside its records, so only the CRC can tell). */
function flipByteInBatchOf(partitionDir: string, offset: number): CorruptedLog['bad'] {
  for (const name of readdirSync(partitionDir).filter((n) => n.endsWith('.log'))) {
    const path = join(partitionDir, name);
    const bytes = readFileSync(path);
    let end = 0;
    for (const batch of RecordBatch.all(bytes)) {
      end += batch.sizeInBytes;
      if (batch.baseOffset > offset || batch.lastOffset < offset) continue;
      bytes[end - 3] = bytes[end - 3]! ^ 0x5a;
      writeFileSync(path, bytes);
      const { baseOffset, lastOffset, crc: storedCrc } = batch;
      return { baseOffset, lastOffset, storedCrc, computedCrc: native.crc32c(batch.bytes, BatchHeader.attributes) };
    }
  }
  throw new Error(`no batch holds offset ${offset}`);
}

/** Writes the batches through the embedded producer (`compression`), closes, and flips a byte in the batch holding offset 7. */
export async function corruptedLog(compression: CompressionCodec): Promise<CorruptedLog> {
  const dataDir = tempDir();
  const t = await Tributary.open({ dataDir });
  await t.admin.createTopic(TOPIC, { partitions: 1, config: { 'index.interval.bytes': '0' } });
  const producer = t.producer({ compression, lingerMs: 0 });
  const written: string[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const values = Array.from({ length: PER_BATCH }, () => randomBytes(150).toString('hex'));
    await producer.send(
      TOPIC,
      values.map((value) => ({ partition: 0, value })),
    );
    written.push(...values);
  }
  await producer.close();
  await t.close();
  return { dataDir, written, bad: flipByteInBatchOf(join(dataDir, `${TOPIC}-0`), CORRUPT_OFFSET) };
}

/** The message of the error a consumer raises for the flipped batch. */
export function corruptBatchMessage(bad: CorruptedLog['bad']): string {
  const hex = (crc: number): string => `0x${crc.toString(16).padStart(8, '0')}`;
  return (
    `record batch of ${TOPIC}-0 at offset ${bad.baseOffset} is corrupt: ` +
    `CRC32C mismatch: stored ${hex(bad.storedCrc)}, computed ${hex(bad.computedCrc)}`
  );
}
