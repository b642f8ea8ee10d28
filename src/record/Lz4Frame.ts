/**
 * lz4 as Kafka carries it since magic v1: one LZ4 frame (Kafka's Lz4BlockOutputStream
 * writes independent 64 KiB blocks, no content size, no checksums). Before handing a
 * frame to the library we walk its header and block sizes, which bound the output
 * without allocating it.
 *
 * Left out: the magic v0 variant whose header checksum wrongly covers the magic bytes
 * (pre-0.10 Kafka, kafka-python's lz4_encode_old_kafka); the library rejects it.
 */
import { lz4Library } from './CodecLibraries.js';
import { asBuffer, corruptCompressed, decompressedTooLarge, type Codec } from './Codec.js';

const MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x80000000;

/** BD bits 6-4: 4 = 64 KiB, 5 = 256 KiB, 6 = 1 MiB, 7 = 4 MiB. */
function blockMaximum(bd: number): number {
  const code = (bd >> 4) & 0x7;
  if (code < 4) throw corruptCompressed('lz4', `frame block maximum code ${code} is not one of 4..7`);
  return 1 << (8 + 2 * code);
}

interface FrameHeader {
  flg: number;
  blockMax: number;
  contentSize: number | null;
  /** Where the first block starts. */
  end: number;
}

function readHeader(buf: Buffer): FrameHeader {
  if (buf.length < 7 || buf.readUInt32LE(0) !== MAGIC) throw corruptCompressed('lz4', 'not an LZ4 frame (bad magic)');
  const flg = buf[4]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01)
    throw corruptCompressed('lz4', `frame version bits ${flg >> 6} are not 01`);
  const blockMax = blockMaximum(buf[5]!);
  let pos = 6;
  let contentSize: number | null = null;
  if (flg & FLG_CONTENT_SIZE) {
    if (buf.length < pos + 8) throw corruptCompressed('lz4', 'frame header torn in its content size');
    contentSize = Number(buf.readBigUInt64LE(pos));
    pos += 8;
  }
  if (flg & FLG_DICT_ID) pos += 4;
  return { flg, blockMax, contentSize, end: pos + 1 };
}

interface Block {
  data: Buffer;
  compressed: boolean;
}

/** The frame's data blocks; throws on a torn or oversized block or trailing bytes. */
function readBlocks(buf: Buffer, header: FrameHeader): Block[] {
  const blockTrailer = header.flg & FLG_BLOCK_CHECKSUM ? 4 : 0;
  const blocks: Block[] = [];
  let pos = header.end;
  for (;;) {
    if (pos + 4 > buf.length) throw corruptCompressed('lz4', `block size torn at byte ${pos} (no end mark)`);
    const word = buf.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & ~BLOCK_UNCOMPRESSED;
    if (size > header.blockMax)
      throw corruptCompressed('lz4', `block of ${size} bytes exceeds the frame's maximum of ${header.blockMax}`);
    if (pos + size > buf.length)
      throw corruptCompressed('lz4', `block of ${size} bytes at byte ${pos} runs past the payload`);
    blocks.push({ data: buf.subarray(pos, pos + size), compressed: (word & BLOCK_UNCOMPRESSED) === 0 });
    pos += size + blockTrailer;
  }
  const end = pos + (header.flg & FLG_CONTENT_CHECKSUM ? 4 : 0);
  if (end !== buf.length) throw corruptCompressed('lz4', `frame ends at byte ${end} of a ${buf.length}-byte payload`);
  return blocks;
}

/** The most bytes the blocks can decode to: a compressed block up to the frame's maximum. */
function bound(blocks: Block[], blockMax: number): number {
  let total = 0;
  for (const block of blocks) total += block.compressed ? blockMax : block.data.length;
  return total;
}

/**
 * Decodes independent blocks one at a time, stopping as soon as the output passes
 * maxBytes, for frames whose bound is above it. lz4-napi's block API takes the output
 * capacity as a 4-byte little-endian prefix. Checksums are not verified on this path.
 */
function decodeBlockwise(header: FrameHeader, blocks: Block[], maxBytes: number): Buffer {
  if ((header.flg & FLG_BLOCK_INDEPENDENCE) === 0) {
    throw decompressedTooLarge('lz4', `up to ${bound(blocks, header.blockMax)} (linked blocks)`, maxBytes);
  }
  const parts: Buffer[] = [];
  let total = 0;
  for (const block of blocks) {
    const part = block.compressed ? lz4Library().uncompressSync(withCapacity(block.data, header.blockMax)) : block.data;
    total += part.length;
    if (total > maxBytes) throw decompressedTooLarge('lz4', `more than ${maxBytes}`, maxBytes);
    parts.push(part);
  }
  return Buffer.concat(parts, total);
}

function withCapacity(block: Buffer, capacity: number): Buffer {
  const prefixed = Buffer.allocUnsafe(4 + block.length);
  prefixed.writeUInt32LE(capacity, 0);
  block.copy(prefixed, 4);
  return prefixed;
}

/**
 * Frames whose declared content size passes maxBytes are refused. Frames whose blocks
 * cannot pass it return null, for the library to decode whole (the fast path: Kafka's
 * writers fill every block but the last); the rest are decoded here block by block.
 */
function decodeIfUnbounded(data: Uint8Array, maxBytes: number): Buffer | null {
  const buf = asBuffer(data);
  const header = readHeader(buf);
  if (header.contentSize !== null && header.contentSize > maxBytes)
    throw decompressedTooLarge('lz4', header.contentSize, maxBytes);
  const blocks = readBlocks(buf, header);
  return bound(blocks, header.blockMax) <= maxBytes ? null : decodeBlockwise(header, blocks, maxBytes);
}

export const lz4Codec: Codec = {
  compressSync: (data) => lz4Library().compressFrameSync(data),
  compressAsync: (data) => lz4Library().compressFrame(data),
  decompressSync: (data, maxBytes) => decodeIfUnbounded(data, maxBytes) ?? lz4Library().decompressFrameSync(data),
  decompressAsync: async (data, maxBytes) => decodeIfUnbounded(data, maxBytes) ?? lz4Library().decompressFrame(data),
};
