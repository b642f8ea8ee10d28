/**
 * snappy as Kafka carries it. The Java client writes snappy-java's SnappyOutputStream
 * framing ("xerial"): a 16-byte header (0x82 'SNAPPY' 0x00, int32 version 1, int32
 * minimum compatible version 1), then blocks, each an int32 big-endian length and a raw
 * snappy block of at most 32 KiB of input. librdkafka (and kafka-python when asked)
 * send one raw snappy block instead; SnappyInputStream reads both, and so do we.
 *
 * We write one raw block, as librdkafka does: every client reads it (snappy-java falls
 * back to a raw block when the xerial magic is missing), and it is one library call
 * where xerial takes one per 32 KiB block plus a copy to join them.
 */
import { snappyLibrary } from './CodecLibraries.js';
import { asBuffer, corruptCompressed, decompressedTooLarge, type Codec } from './Codec.js';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;

export function isXerial(data: Uint8Array): boolean {
  return data.length >= XERIAL_HEADER_SIZE && asBuffer(data).subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

/**
 * The uncompressed length a raw snappy block declares in its leading varint (at most
 * 32 bits), read before the library allocates that much.
 */
export function declaredLength(block: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value;
  }
  throw corruptCompressed('snappy', 'bad uncompressed-length varint');
}

/** The raw blocks of a xerial stream, checked against the stream's bounds. */
export function xerialBlocks(data: Uint8Array): Buffer[] {
  const buf = asBuffer(data);
  if (buf.readInt32BE(12) > XERIAL_VERSION) {
    throw corruptCompressed(
      'snappy',
      `xerial stream needs version ${buf.readInt32BE(12)}, only ${XERIAL_VERSION} is known`,
    );
  }
  const blocks: Buffer[] = [];
  for (let pos = XERIAL_HEADER_SIZE; pos < buf.length;) {
    if (pos + 4 > buf.length) throw corruptCompressed('snappy', `xerial block length torn at byte ${pos}`);
    const length = buf.readInt32BE(pos);
    pos += 4;
    if (length < 0 || pos + length > buf.length) {
      throw corruptCompressed(
        'snappy',
        `xerial block of ${length} bytes at byte ${pos} runs past the ${buf.length}-byte payload`,
      );
    }
    blocks.push(buf.subarray(pos, pos + length));
    pos += length;
  }
  return blocks;
}

/** Sum of the blocks' declared lengths, refused above maxBytes before anything is allocated. */
function checkedTotal(blocks: Uint8Array[], maxBytes: number): number {
  let total = 0;
  for (const block of blocks) total += declaredLength(block);
  if (total > maxBytes) throw decompressedTooLarge('snappy', total, maxBytes);
  return total;
}

function joinDecoded(parts: Buffer[], total: number): Buffer {
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts, total);
}

/** The raw blocks to decode (one for a raw payload) and their declared total. */
function plan(data: Uint8Array, maxBytes: number): { blocks: Uint8Array[]; total: number } {
  const blocks = isXerial(data) ? xerialBlocks(data) : [data];
  return { blocks, total: checkedTotal(blocks, maxBytes) };
}

export const snappyCodec: Codec = {
  compressSync: (data) => snappyLibrary().compressSync(data),
  compressAsync: (data) => snappyLibrary().compress(data),
  decompressSync(data, maxBytes) {
    const { blocks, total } = plan(data, maxBytes);
    const library = snappyLibrary();
    return joinDecoded(
      blocks.map((block) => library.uncompressSync(block)),
      total,
    );
  },
  async decompressAsync(data, maxBytes) {
    const { blocks, total } = plan(data, maxBytes);
    const library = snappyLibrary();
    return joinDecoded(await Promise.all(blocks.map((block) => library.uncompress(block))), total);
  },
};
