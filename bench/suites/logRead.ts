/**
 * log-read: the whole log read back through Log.read(offset, 1 MiB), walking offsets
 * from batch headers as a consumer does, against fs.readSync of the same segment files
 * into one reusable 1 MiB Buffer.
 *
 * A second baseline copies the same bytes, held in one Buffer, into the same 1 MiB Buffer
 * with Buffer.copy: the memcpy ceiling of any reader that copies (no syscall, no page
 * cache lookup). Log.read hands out zero-copy views into the segment's mapping; readSync copies out of
 * the page cache. So that neither side wins by not looking at the bytes, both run the
 * same loop over what they got: one byte load per 64-byte cache line. Both read from
 * a warm page cache (the log was just written and flushed, and warmup rounds run first;
 * the mapping's page-table entries are also populated by the warmup).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Log } from '../../src/index.js';
import { buildBatchOfSize } from '../batches.js';
import {
  byMode,
  compare,
  KiB,
  log,
  megabytesPerSecond,
  MiB,
  roundsFor,
  timeSync,
  toRow,
  type ResultRow,
  type Sample,
  type SuiteContext,
} from '../harness.js';
import { closeAll, openSegmentFiles, readAllSync } from '../readFiles.js';

const SUITE = 'log-read';
const BATCH_BYTES = 16 * KiB;
const FETCH_BYTES = MiB;
const STRIDE = 64;

/** Keeps the checksums alive so the touching loops cannot be optimised away. */
let sink = 0;

/**
 * One load per 64-byte cache line of bytes[0, length), so every line is brought into
 * the cache. A plain indexed load, not readUInt32LE: on the reference machine that
 * costs ~15 ns a call (~60 ms per 256 MiB), which would swamp what is compared.
 */
function touch(bytes: Buffer, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i += STRIDE) sum = (sum + bytes[i]!) | 0;
  return sum;
}

/** The offset after the last batch in `records` (whole batches, back to back). */
function nextOffsetAfter(records: Buffer): number {
  let last = 0;
  for (let position = 0; position < records.length; position += 12 + records.readInt32BE(position + 8)) last = position;
  const baseOffset = records.readUInt32BE(last) * 2 ** 32 + records.readUInt32BE(last + 4);
  return baseOffset + records.readInt32BE(last + 23) + 1;
}

export async function runLogRead(ctx: SuiteContext): Promise<ResultRow[]> {
  const rounds = roundsFor(ctx);
  const total = byMode(ctx, 256, 64, 8) * MiB;
  const dir = mkdtempSync(join(ctx.tmpDir, 'read-'));
  const logDir = join(dir, 'bench-0');
  // Segments of 64 MiB: the full log spans four, so reads cross segment boundaries.
  const theLog = Log.open({ dir: logDir, config: { segmentBytes: 64 * MiB, durability: 'never' } });
  let fds: number[] = [];
  try {
    log(`${SUITE}: writing a ${total / MiB} MiB log of ${BATCH_BYTES / KiB} KiB batches`);
    const batch = buildBatchOfSize(BATCH_BYTES);
    for (let written = 0; written < total; written += batch.length) await theLog.append(batch);
    await theLog.flush();
    fds = openSegmentFiles(logDir);
    const chunk = Buffer.allocUnsafe(FETCH_BYTES);
    const endOffset = theLog.logEndOffset;
    const inMemory = Buffer.allocUnsafe(readAllSync(fds, chunk));
    let filled = 0;
    readAllSync(fds, chunk, (bytes, n) => void (filled += bytes.copy(inMemory, filled, 0, n)));

    log(`${SUITE}: Log.read vs fs.readSync and Buffer.copy, ${fds.length} segment file(s)`);
    const comparison = await compare({
      ...rounds,
      rate: megabytesPerSecond,
      subject: {
        name: 'Log.read',
        trial: (): Sample => {
          let bytes = 0;
          let sum = 0;
          const ns = timeSync(() => {
            let offset = theLog.logStartOffset;
            while (offset < endOffset) {
              const { records } = theLog.read(offset, FETCH_BYTES);
              sum = (sum + touch(records, records.length)) | 0;
              bytes += records.length;
              offset = nextOffsetAfter(records);
            }
          });
          sink ^= sum;
          return { ns, units: bytes };
        },
      },
      baselines: [
        {
          name: 'fs.readSync',
          trial: (): Sample => {
            let bytes = 0;
            let sum = 0;
            const ns = timeSync(
              () => void (bytes = readAllSync(fds, chunk, (got, n) => void (sum = (sum + touch(got, n)) | 0))),
            );
            sink ^= sum;
            return { ns, units: bytes };
          },
        },
        {
          name: 'Buffer.copy',
          trial: (): Sample => {
            let sum = 0;
            const ns = timeSync(() => {
              for (let at = 0; at < inMemory.length; at += FETCH_BYTES) {
                const n = inMemory.copy(chunk, 0, at, Math.min(at + FETCH_BYTES, inMemory.length));
                sum = (sum + touch(chunk, n)) | 0;
              }
            });
            sink ^= sum;
            return { ns, units: inMemory.length };
          },
        },
      ],
    });
    if (sink === 0x7fffffff) log('(checksum sink hit)');
    const row = {
      suite: SUITE,
      case: `whole log, ${FETCH_BYTES / MiB} MiB reads of ${BATCH_BYTES / KiB} KiB batches`,
      metric: 'throughput',
      unit: 'MB/s',
      note: 'page cache warm; every contender loads one byte per 64-byte line',
    };
    return [
      toRow({ ...row, baseline: 'fs.readSync 1 MiB chunks', target: 1 }, comparison, 0),
      toRow(
        {
          ...row,
          baseline: 'Buffer.copy of the same bytes from memory, 1 MiB chunks (memcpy ceiling of a copying reader)',
        },
        comparison,
        1,
      ),
    ];
  } finally {
    closeAll(fds);
    await theLog.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
