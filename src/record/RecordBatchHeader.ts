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

const TWO_32 = 2 ** 32;

/** An int64 field (big-endian) as a JS number: exact within the safe integers, as offsets and timestamps are; beyond, rounded as Number(bigint) rounds. */
export function readInt64(bytes: Buffer, at: number): number {
  return bytes.readInt32BE(at) * TWO_32 + bytes.readUInt32BE(at + 4);
}

/** Writes a safe integer as an int64 field: two 32-bit halves, without the cost of a BigInt per field. */
export function writeInt64(bytes: Buffer, value: number, at: number): void {
  const high = Math.floor(value / TWO_32);
  bytes.writeInt32BE(high, at);
  bytes.writeUInt32BE(value - high * TWO_32, at + 4);
}
