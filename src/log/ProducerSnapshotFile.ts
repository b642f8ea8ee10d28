/**
 * `<offset>.snapshot`: the producer state of a partition as of an offset, in Kafka's
 * format (ProducerStateManager.writeSnapshot/readSnapshot, PID_SNAPSHOT_MAP_SCHEMA),
 * big-endian:
 *
 *   version i16 = 1 | crc u32 (CRC32C of everything after it) | count i32 | count entries:
 *   producer_id i64 | epoch i16 | last_sequence i32 | last_offset i64 | offset_delta i32 |
 *   timestamp i64 | coordinator_epoch i32 | current_txn_first_offset i64 (-1: none)
 *
 * Only each producer's last batch is kept, as Kafka keeps it.
 */
import { readFileSync } from 'node:fs';
import { TributaryError } from '../errors.js';
import { writeFileAtomic } from '../io/DurableFile.js';
import { native } from '../native/addon.js';
import { readInt64, writeInt64 } from '../record/RecordBatchHeader.js';
import { BatchMetadata, ProducerStateEntry } from './ProducerStateEntry.js';

const PRODUCER_SNAPSHOT_VERSION = 1;
const CRC_OFFSET = 2;
const PRODUCER_ENTRIES_OFFSET = 6;
const ENTRY_SIZE = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

function corrupt(path: string, message: string): TributaryError {
  return new TributaryError(`producer snapshot ${path}: ${message}`, 'ERR_CORRUPT_SNAPSHOT', { path });
}

export function encodeProducerSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  const bytes = Buffer.alloc(PRODUCER_ENTRIES_OFFSET + 4 + list.length * ENTRY_SIZE);
  bytes.writeInt16BE(PRODUCER_SNAPSHOT_VERSION, 0);
  bytes.writeInt32BE(list.length, PRODUCER_ENTRIES_OFFSET);
  let at = PRODUCER_ENTRIES_OFFSET + 4;
  for (const entry of list) {
    writeInt64(bytes, entry.producerId, at);
    bytes.writeInt16BE(entry.producerEpoch, at + 8);
    bytes.writeInt32BE(entry.lastSeq, at + 10);
    writeInt64(bytes, entry.lastDataOffset, at + 14);
    bytes.writeInt32BE(entry.lastOffsetDelta, at + 22);
    writeInt64(bytes, entry.lastTimestamp, at + 26);
    bytes.writeInt32BE(entry.coordinatorEpoch, at + 34);
    writeInt64(bytes, entry.currentTxnFirstOffset, at + 38);
    at += ENTRY_SIZE;
  }
  bytes.writeUInt32BE(native.crc32c(bytes, PRODUCER_ENTRIES_OFFSET), CRC_OFFSET);
  return bytes;
}

/** Kafka's readSnapshot: ERR_CORRUPT_SNAPSHOT (CorruptSnapshotException) for a wrong version, CRC or size. */
export function decodeProducerSnapshot(bytes: Buffer, path: string): ProducerStateEntry[] {
  if (bytes.length < PRODUCER_ENTRIES_OFFSET + 4) throw corrupt(path, `${bytes.length} bytes, too short`);
  const version = bytes.readInt16BE(0);
  if (version !== PRODUCER_SNAPSHOT_VERSION)
    throw corrupt(path, `Snapshot contained an unknown file version ${version}`);
  const crc = bytes.readUInt32BE(CRC_OFFSET);
  const computed = native.crc32c(bytes, PRODUCER_ENTRIES_OFFSET);
  if (crc !== computed) {
    throw corrupt(path, `Snapshot is corrupt (CRC is no longer valid). Stored crc: ${crc}. Computed crc: ${computed}`);
  }
  const count = bytes.readInt32BE(PRODUCER_ENTRIES_OFFSET);
  if (count < 0 || bytes.length < PRODUCER_ENTRIES_OFFSET + 4 + count * ENTRY_SIZE) {
    throw corrupt(path, `Snapshot failed schema validation: ${count} entries in ${bytes.length} bytes`);
  }
  const entries: ProducerStateEntry[] = [];
  for (let i = 0, at = PRODUCER_ENTRIES_OFFSET + 4; i < count; i++, at += ENTRY_SIZE) {
    const lastOffset = readInt64(bytes, at + 14);
    const timestamp = readInt64(bytes, at + 26);
    const batch =
      lastOffset >= 0
        ? new BatchMetadata(bytes.readInt32BE(at + 10), lastOffset, bytes.readInt32BE(at + 22), timestamp)
        : undefined;
    entries.push(
      new ProducerStateEntry(
        readInt64(bytes, at),
        bytes.readInt16BE(at + 8),
        bytes.readInt32BE(at + 34),
        timestamp,
        Math.max(readInt64(bytes, at + 38), -1),
        batch,
      ),
    );
  }
  return entries;
}

export function readProducerSnapshot(path: string): ProducerStateEntry[] {
  return decodeProducerSnapshot(readFileSync(path), path);
}

/**
 * Writes the snapshot under a temporary name and renames it, so a crash leaves the whole
 * file or none. `sync`: fsynced, with its directory (a clean close); at a roll Kafka skips the fsync,
 * and a snapshot torn by a power loss fails its CRC and is rebuilt from the log.
 */
export function writeProducerSnapshot(path: string, entries: Iterable<ProducerStateEntry>, sync: boolean): void {
  writeFileAtomic(path, encodeProducerSnapshot(entries), { sync });
}
