/**
 * A real partition log written through the embedded API, for the tests that read its
 * segment files directly (dump-log, and kafka-python reading the same file): one batch
 * per send, in each codec, with keys, null keys, headers and explicit timestamps.
 */
import { join } from 'node:path';
import { Tributary } from '../../src/client/Tributary.js';
import type { CompressionCodec } from '../../src/record/Compression.js';
import { tempDir } from './tmp.js';

export interface SentRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string;
  headers: { key: string; value: string }[];
}

export interface WrittenLog {
  dataDir: string;
  partitionDir: string;
  /** The one segment's files. */
  log: string;
  index: string;
  timeIndex: string;
  /** Codec of each batch, in order. */
  codecs: CompressionCodec[];
  sent: SentRecord[];
}

export const SEGMENT_STEM = '00000000000000000000';
const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd', 'none'];

/** Writes one batch per codec to topic `dump` (an index entry for every batch) and closes the data dir. */
export async function writeLog(): Promise<WrittenLog> {
  const dataDir = tempDir();
  const tributary = await Tributary.open({ dataDir });
  const sent: SentRecord[] = [];
  try {
    await tributary.admin.createTopic('dump', { config: { 'index.interval.bytes': '1' } });
    for (const [b, compression] of CODECS.entries()) {
      const producer = tributary.producer({ compression, lingerMs: 0 });
      const records = Array.from({ length: b + 1 }, (_, i) => ({
        key: i % 3 === 2 ? null : `key-${b}-${i}`,
        value: `value ${b}.${i} ${'x'.repeat(i * 40)}`,
        headers:
          i % 2 === 0
            ? [
                { key: 'batch', value: String(b) },
                { key: 'é', value: `${i}` },
              ]
            : [],
        timestamp: 1_700_000_000_000 + b * 1000 + ((i * 7) % 5),
      }));
      const metadata = await producer.send(
        'dump',
        records.map((r) => ({ ...r, headers: r.headers.map((h) => [h.key, h.value] as const) })),
      );
      records.forEach((r, i) => sent.push({ ...r, offset: metadata[i]!.offset }));
      await producer.close();
    }
  } finally {
    await tributary.close();
  }
  const partitionDir = join(dataDir, 'dump-0');
  const stem = join(partitionDir, SEGMENT_STEM);
  return {
    dataDir,
    partitionDir,
    log: `${stem}.log`,
    index: `${stem}.index`,
    timeIndex: `${stem}.timeindex`,
    codecs: CODECS,
    sent,
  };
}

/** The JSON lines of a `dump-log --json` run. */
export function jsonLines(stdout: string): Array<{ type: string; [field: string]: unknown }> {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { type: string });
}
