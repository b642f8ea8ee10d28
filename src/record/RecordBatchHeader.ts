/**
 * RecordBatch v2 header layout (Kafka's DefaultRecordBatch), big-endian, 61 bytes:
 *
 *   0 baseOffset i64 | 8 batchLength i32 | 12 partitionLeaderEpoch i32 | 16 magic i8 = 2
 *  17 crc u32        | 21 attributes i16 | 23 lastOffsetDelta i32 | 27 baseTimestamp i64
 *  35 maxTimestamp i64 | 43 producerId i64 | 51 producerEpoch i16 | 53 baseSequence i32
 *  57 recordCount i32  | 61 records...
 *
 * batchLength counts the bytes after itself; the CRC32C covers bytes from `attributes`
 * to the end of the batch, so baseOffset, batchLength and partitionLeaderEpoch can be
 * rewritten without recomputing it.
 */
export const BatchHeader = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
  size: 61,
  /** baseOffset + batchLength: the bytes not counted by batchLength. */
  logOverhead: 12,
} as const;

export const CURRENT_MAGIC = 2;

/** Attribute bits. */
export const BatchAttributes = {
  compressionMask: 0x07,
  timestampTypeLogAppend: 0x08,
  transactional: 0x10,
  control: 0x20,
} as const;

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
/**
 * The leader epoch of every partition on a single node, which no controller ever elects: 0,
 * the epoch a partition's first leader has (its batches carry it, ListOffsets, Metadata and
 * OffsetForLeaderEpoch answer with it).
 */
export const SINGLE_NODE_LEADER_EPOCH = 0;

const MAX_INT32 = 2 ** 31 - 1;

/** The sequence `increment` records after `sequence`, wrapping past Int32 max to 0 (DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > MAX_INT32 - increment) return increment - (MAX_INT32 - sequence) - 1;
  return sequence + increment;
}

const TWO_32 = 2 ** 32;

/** An int64 field (big-endian) as a JS number: exact within the safe integers, as offsets and timestamps are; beyond, rounded as Number(bigint) rounds. */
export function readInt64(bytes: Buffer, at: number): number {
  return bytes.readInt32BE(at) * TWO_32 + bytes.readUInt32BE(at + 4);
}

/*
 * Header fields of the batch that starts at `at` in `bytes`: the one reader of them for
 * the log, the broker and the record classes. Plain functions over the bytes, so a walk
 * over many batches (a fetch, an append's framing) allocates nothing per batch.
 */

export function baseOffsetOf(bytes: Buffer, at = 0): number {
  return readInt64(bytes, at + BatchHeader.baseOffset);
}

export function lastOffsetOf(bytes: Buffer, at = 0): number {
  return baseOffsetOf(bytes, at) + bytes.readInt32BE(at + BatchHeader.lastOffsetDelta);
}

export function maxTimestampOf(bytes: Buffer, at = 0): number {
  return readInt64(bytes, at + BatchHeader.maxTimestamp);
}

export function producerIdOf(bytes: Buffer, at = 0): number {
  return readInt64(bytes, at + BatchHeader.producerId);
}

/** The whole size of the batch at `at` (its batchLength plus the bytes that field does not count). */
export function batchSizeAt(bytes: Buffer, at = 0): number {
  return bytes.readInt32BE(at + BatchHeader.batchLength) + BatchHeader.logOverhead;
}

/** Where the last batch of whole `batches` laid back to back starts (0 for none): one header read per batch. */
export function lastBatchAt(batches: Buffer): number {
  let last = 0;
  for (let at = 0; at < batches.length; at += batchSizeAt(batches, at)) last = at;
  return last;
}

/** Records of whole `batches` at or after `offset` (the first batch may start before it). */
export function recordsFrom(batches: Buffer, offset: number): number {
  if (batches.length === 0) return 0;
  return lastOffsetOf(batches, lastBatchAt(batches)) + 1 - Math.max(baseOffsetOf(batches), offset);
}

/** The leading whole `batches` that end before `offset`: a read cut at the last stable offset, which is a batch boundary. */
export function batchesBelow(batches: Buffer, offset: number): Buffer {
  let at = 0;
  while (at < batches.length && lastOffsetOf(batches, at) < offset) at += batchSizeAt(batches, at);
  return at === batches.length ? batches : batches.subarray(0, at);
}

/** Writes a safe integer as an int64 field: two 32-bit halves, without the cost of a BigInt per field. */
export function writeInt64(bytes: Buffer, value: number, at: number): void {
  const high = Math.floor(value / TWO_32);
  bytes.writeInt32BE(high, at);
  bytes.writeUInt32BE(value - high * TWO_32, at + 4);
}
