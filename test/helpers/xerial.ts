/**
 * snappy in snappy-java's xerial framing, as Kafka's Java producer writes it, built
 * straight from the snappy library (not from our codec, which writes raw blocks):
 * header 0x82 'SNAPPY' 0x00, int32 version 1, int32 compatible version 1, then per
 * 32 KiB of input an int32 length and a raw snappy block.
 */
import { createRequire } from 'node:module';

const snappy = createRequire(import.meta.url)('snappy') as { compressSync(input: Uint8Array): Buffer };

export const XERIAL_HEADER = Buffer.from([0x82, ...Buffer.from('SNAPPY'), 0, 0, 0, 0, 1, 0, 0, 0, 1]);

export function xerialFrame(data: Uint8Array, blockSize = 32 * 1024): Buffer {
  const parts: Buffer[] = [XERIAL_HEADER];
  for (let pos = 0; pos < data.length; pos += blockSize) {
    const block = snappy.compressSync(data.subarray(pos, pos + blockSize));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}
