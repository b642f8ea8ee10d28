/**
 * A read-only walk over the batches of a .log file, read in chunks (a segment may be
 * larger than is worth holding in memory) and framed by the native batch scan, which
 * also checks each CRC but goes on past a mismatch. Nothing is opened for writing,
 * mapped or locked: the file may belong to a running broker.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BatchScanner, type ScanResult } from '../native/BatchScan.js';
import { baseOffsetOf, BatchHeader, batchSizeAt } from '../record/RecordBatchHeader.js';

const CHUNK_BYTES = 8 * 1024 * 1024;

export interface ScannedBatch {
  /** Position of the batch in the file. */
  position: number;
  /** The whole batch; valid only during the visit. */
  bytes: Buffer;
  crcValid: boolean;
}

export interface FileScanEnd {
  size: number;
  /** Position after the last well-framed batch. */
  end: number;
  /** Why the walk stopped before the end of the file, if it did. */
  stop?: { code: 'ERR_TRUNCATED' | 'ERR_CORRUPT_BATCH'; reason: string; baseOffset: number | null };
}

/** Bytes to read at `position` so the batch starting there fits whole (if its length field is readable). */
function chunkAt(fd: number, position: number, size: number): Buffer {
  const head = Buffer.alloc(BatchHeader.logOverhead);
  const declared = readSync(fd, head, 0, head.length, position) === head.length ? batchSizeAt(head) : 0;
  const length = Math.min(Math.max(CHUNK_BYTES, declared), size - position);
  const chunk = Buffer.allocUnsafe(length);
  for (let read = 0; read < length;) {
    const n = readSync(fd, chunk, read, length - read, position + read);
    if (n === 0) return chunk.subarray(0, read);
    read += n;
  }
  return chunk;
}

/** Walks every well-framed batch of the file at `path`; `onBytes` is told how far each chunk got. */
export function scanSegmentFile(
  path: string,
  visit: (batch: ScannedBatch) => void,
  onBytes: (bytes: number) => void = () => {},
): FileScanEnd {
  const scanner = new BatchScanner();
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let position = 0;
    while (position < size) {
      const chunk = chunkAt(fd, position, size);
      const last = scanner.bufferAll(chunk, { stopAtCrcError: false }, (scan: ScanResult) => {
        for (let i = 0; i < scan.count; i++) {
          const at = scan.position(i);
          visit({ position: position + at, bytes: chunk.subarray(at, at + scan.size(i)), crcValid: scan.crcOk(i) });
        }
        return true;
      });
      const atFileEnd = position + chunk.length === size;
      onBytes(last.end);
      if (last.stopCode !== undefined && (atFileEnd || last.stopCode === 'ERR_CORRUPT_BATCH')) {
        // The native reason names a position in the chunk; the caller has the file's.
        const reason = (last.stopReason ?? last.stopCode).replace(/ at position \d+$/, '');
        const baseOffset = chunk.length - last.end >= 8 ? baseOffsetOf(chunk, last.end) : null;
        return { size, end: position + last.end, stop: { code: last.stopCode, reason, baseOffset } };
      }
      position += last.end;
    }
    return { size, end: position };
  } finally {
    closeSync(fd);
  }
}
