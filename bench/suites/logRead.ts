/**
 * log-read: the whole log read back through Log.read(offset, 1 MiB), walking offsets
 * from batch headers as a consumer does, against fs.readSync of the same segment files
 * into one reusable 1 MiB Buffer.
 *
 * Log.read hands out zero-copy views into the segment's mapping; readSync copies out of
 * the page cache. So that neither side wins by not looking at the bytes, both run the
 * same loop over what they got: one byte load per 64-byte cache line. Both read from
 * a warm page cache (the log was just written and flushed, and warmup rounds run first;
 * the mapping's page-table entries are also populated by the warmup).
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Log } from '../../src/index.js';
import { buildBatchOfSize } from '../batches.js';
import { compare, KiB, log, megabytesPerSecond, MiB, roundsFor, timeSync, toRow, type ResultRow, type Sample, type SuiteContext } from '../harness.js';

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
  const total = (ctx.quick ? 64 : 256) * MiB;
  const dir = mkdtempSync(join(ctx.tmpDir, 'read-'));
  const logDir = join(dir, 'bench-0');
  // Segments of 64 MiB: the full log spans four, so reads cross segment boundaries.
  const theLog = Log.open({ dir: logDir, config: { segmentBytes: 64 * MiB, durability: 'never' } });
  const fds: number[] = [];
  try {
    log(`${SUITE}: writing a ${total / MiB} MiB log of ${BATCH_BYTES / KiB} KiB batches`);
    const batch = buildBatchOfSize(BATCH_BYTES);
    for (let written = 0; written < total; written += batch.length) await theLog.append(batch);
    await theLog.flush();
    const files = readdirSync(logDir)
      .filter((name) => name.endsWith('.log'))
      .sort();
    for (const name of files) fds.push(openSync(join(logDir, name), 'r'));
    const chunk = Buffer.allocUnsafe(FETCH_BYTES);
    const endOffset = theLog.logEndOffset;

    log(`${SUITE}: Log.read vs fs.readSync, ${files.length} segment file(s)`);
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
            const ns = timeSync(() => {
              for (const fd of fds) {
                let position = 0;
                for (;;) {
                  const n = readSync(fd, chunk, 0, FETCH_BYTES, position);
                  if (n === 0) break;
                  sum = (sum + touch(chunk, n)) | 0;
                  position += n;
                }
                bytes += position;
              }
            });
            sink ^= sum;
            return { ns, units: bytes };
          },
        },
      ],
    });
    if (sink === 0x7fffffff) log('(checksum sink hit)');
    return [
      toRow(
        {
          suite: SUITE,
          case: `whole log, ${FETCH_BYTES / MiB} MiB reads of ${BATCH_BYTES / KiB} KiB batches`,
          metric: 'throughput',
          unit: 'MB/s',
          baseline: 'fs.readSync 1 MiB chunks',
          target: 1,
          note: 'page cache warm for both; both load one byte per 64-byte line',
        },
        comparison,
      ),
    ];
  } finally {
    for (const fd of fds) closeSync(fd);
    await theLog.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
