/**
 * log-append: Log.append of the same RecordBatch bytes over and over, against writing
 * those bytes to a plain file in the same directory with fs.writeSync.
 *
 * - throughput (durability 'never'): 16 KiB and 1 MiB batches; one Log per case kept
 *   across trials, with segment.bytes equal to the bytes written per trial (256 MiB,
 *   64 MiB quick): the active segment is full when a trial starts, so each trial rolls
 *   once, on its first append, and then fills one segment. The plain file "rolls" to a
 *   new file the same way. After each trial, outside the timing, both are fdatasync'ed
 *   (no contender starts with the other's dirty pages) and the previous segment / file
 *   is deleted.
 *
 *   Deleting right before the other contender's trial matters on VMs with free page
 *   reporting (virtio-balloon, e.g. Firecracker): pages freed a few seconds ago are
 *   handed back to the host, and a page-cache write that lands on one takes a host
 *   fault, ~6x slower (600 vs 4000 MB/s on the reference machine). Freeing a trial's
 *   worth of pages just before each trial gives both contenders recycled pages, which is
 *   also what a long-running broker, its memory full of page cache, sees.
 *   Two diagnostic rows run the native Segment.append alone (no Log layer) in the same
 *   rounds, without and with its CRC32C check (on the CRC worker thread for batches of
 *   128 KiB and more, inline below), to tell the native write path and the CRC check
 *   from the layers above them.
 * - durability 'always', one append at a time: each append awaited (one fdatasync
 *   each) vs writeSync + fdatasyncSync per batch, and vs writeSync + fs.fdatasync
 *   awaited (the same thread-pool round trip the Log's flush makes).
 * - group commit: 64 appends started together and awaited with Promise.all vs the same
 *   64 writes each followed by fdatasyncSync, and vs 64 writes and a single fdatasync
 *   (the floor any group commit can reach).
 */
import { closeSync, fdatasync, fdatasyncSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Log, type LogConfig } from '../../src/index.js';
import { native, type NativeSegment } from '../../src/native/addon.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { buildBatchOfSize } from '../batches.js';
import {
  byMode,
  compare,
  type Contender,
  KiB,
  log,
  megabytesPerSecond,
  MiB,
  perSecond,
  roundsFor,
  timeAsync,
  timeSync,
  toRow,
  type ResultRow,
  type Sample,
  type SuiteContext,
} from '../harness.js';

const SUITE = 'log-append';
const SEGMENT_BYTES = 256 * MiB;
const GROUP = 64;

function logConfig(durability: LogConfig['durability'], segmentBytes = SEGMENT_BYTES): Partial<LogConfig> {
  return { segmentBytes, maxMessageBytes: 2 * MiB, durability };
}

/**
 * The baseline's file: positional writes (as the Log's pwritev), moving to a fresh file
 * when the next write would pass `rollBytes`, as a segment roll does.
 */
class PlainFile {
  private fd: number;
  private position = 0;
  private generation = 0;
  private retired: { fd: number; path: string }[] = [];

  constructor(
    private readonly dir: string,
    private readonly rollBytes: number,
  ) {
    this.fd = openSync(this.path(), 'w');
  }

  private path(): string {
    return join(this.dir, `plain-${this.generation}.bin`);
  }

  write(bytes: Buffer): void {
    if (this.position + bytes.length > this.rollBytes && this.position > 0) {
      this.retired.push({ fd: this.fd, path: this.path() });
      this.generation++;
      this.fd = openSync(this.path(), 'w');
      this.position = 0;
    }
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.position + done);
    this.position += bytes.length;
  }

  sync(): void {
    fdatasyncSync(this.fd);
  }

  /** fdatasync on libuv's thread pool, as the Log's own flush runs. */
  syncAsync(): Promise<void> {
    return new Promise((resolve, reject) => fdatasync(this.fd, (error) => (error ? reject(error) : resolve())));
  }

  /** Closes and deletes the files rolled away from (outside the timing). */
  dropRetired(): void {
    for (const { fd, path } of this.retired.splice(0)) {
      closeSync(fd);
      unlinkSync(path);
    }
  }

  /** The "fdatasync per write" baseline: `count` writes of `bytes`, each synced, as one trial. */
  timedWritesEachSynced(count: number, bytes: Buffer): Sample {
    return this.timed(count, () => {
      for (let i = 0; i < count; i++) {
        this.write(bytes);
        this.sync();
      }
    });
  }

  /** Times `body` (writes to this file) as one trial of `units`, then frees the retired file. */
  timed(units: number, body: () => void): Sample {
    const ns = timeSync(body);
    this.dropRetired();
    return { ns, units };
  }

  close(): void {
    this.dropRetired();
    closeSync(this.fd);
  }
}

/**
 * The native Segment alone (src/native, no Log layer: no validation scan, no indexes,
 * no promise), rolling to a new segment file like the Log does; `verifyCrc` as the Log
 * appends. Only for the diagnostic rows that split the Log's overhead into native write
 * path, CRC check and the rest.
 */
class BareSegments {
  private segment: NativeSegment;
  private nextOffset = 0;
  private retired: NativeSegment[] = [];

  constructor(
    private readonly dir: string,
    private readonly rollBytes: number,
    private readonly verifyCrc: boolean,
  ) {
    this.segment = this.open();
  }

  private open(): NativeSegment {
    return new native.Segment(join(this.dir, `${String(this.nextOffset).padStart(20, '0')}.log`), this.rollBytes, true);
  }

  append(batch: Buffer, records: number): void {
    if (this.segment.size + batch.length > this.rollBytes && this.segment.size > 0) {
      this.retired.push(this.segment);
      this.segment = this.open();
    }
    this.segment.append(batch, this.nextOffset, this.verifyCrc);
    this.nextOffset += records;
  }

  sync(): void {
    this.segment.flushSync();
  }

  dropRetired(): void {
    for (const segment of this.retired.splice(0)) segment.delete();
  }

  close(): void {
    this.dropRetired();
    this.segment.close();
  }
}

/** A contender appending `batch` (of `records` records) `count` times to `segments`; fdatasync and clean-up outside the timing. */
function bareContender(name: string, segments: BareSegments, batch: Buffer, records: number, count: number): Contender {
  return {
    name,
    trial: (): Sample => {
      const ns = timeSync(() => {
        for (let i = 0; i < count; i++) segments.append(batch, records);
      });
      segments.sync();
      segments.dropRetired();
      return { ns, units: count * batch.length };
    },
  };
}

function sizeLabel(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
}

async function throughput(
  ctx: SuiteContext,
  batchBytes: number,
  rounds: { warmup: number; trials: number },
): Promise<ResultRow[]> {
  const batch = buildBatchOfSize(batchBytes);
  const records = batch.readInt32BE(BatchHeader.lastOffsetDelta) + 1;
  const perTrial = byMode(ctx, 256, 64, 8) * MiB;
  const count = perTrial / batchBytes;
  const dir = mkdtempSync(join(ctx.tmpDir, 'append-'));
  const theLog = Log.open({ dir: join(dir, 'bench-0'), config: logConfig('never', perTrial) });
  const plain = new PlainFile(dir, perTrial);
  const bare = new BareSegments(mkdtempSync(join(dir, 'bare-')), perTrial, false);
  const verified = new BareSegments(mkdtempSync(join(dir, 'verified-')), perTrial, true);
  try {
    const comparison = await compare({
      ...rounds,
      rate: megabytesPerSecond,
      subject: {
        name: 'Log.append',
        trial: async (): Promise<Sample> => {
          const ns = await timeAsync(async () => {
            for (let i = 0; i < count; i++) await theLog.append(batch);
          });
          await theLog.flush();
          theLog.deleteRecordsBefore(theLog.logEndOffset);
          return { ns, units: count * batchBytes };
        },
      },
      baselines: [
        {
          name: 'fs.writeSync',
          trial: (): Sample => {
            const ns = timeSync(() => {
              for (let i = 0; i < count; i++) plain.write(batch);
            });
            plain.sync();
            plain.dropRetired();
            return { ns, units: count * batchBytes };
          },
        },
        bareContender('Segment.append', bare, batch, records, count),
        bareContender('Segment.append verifyCrc', verified, batch, records, count),
      ],
    });
    const spec = { suite: SUITE, metric: 'throughput', unit: 'MB/s', baseline: 'fs.writeSync same bytes' };
    return [
      toRow({ ...spec, case: `${sizeLabel(batchBytes)} batches, durability never`, target: 0.9 }, comparison),
      // Diagnostics: the native write path alone, then with its CRC check, against the same baseline, same rounds.
      toRow(
        { ...spec, case: `${sizeLabel(batchBytes)} batches, native Segment.append only` },
        { subject: comparison.baselines[1]!, baselines: [comparison.baselines[0]!] },
      ),
      toRow(
        { ...spec, case: `${sizeLabel(batchBytes)} batches, native append + CRC check` },
        { subject: comparison.baselines[2]!, baselines: [comparison.baselines[0]!] },
      ),
    ];
  } finally {
    await theLog.close();
    plain.close();
    bare.close();
    verified.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function alwaysOneByOne(ctx: SuiteContext, rounds: { warmup: number; trials: number }): Promise<ResultRow[]> {
  const batch = buildBatchOfSize(16 * KiB);
  const count = 32;
  const dir = mkdtempSync(join(ctx.tmpDir, 'always-'));
  const theLog = Log.open({ dir: join(dir, 'bench-0'), config: logConfig('always') });
  const plain = new PlainFile(dir, SEGMENT_BYTES);
  try {
    const comparison = await compare({
      ...rounds,
      rate: perSecond,
      subject: {
        name: 'Log.append always',
        trial: async (): Promise<Sample> => {
          const ns = await timeAsync(async () => {
            for (let i = 0; i < count; i++) await theLog.append(batch);
          });
          return { ns, units: count };
        },
      },
      baselines: [
        {
          name: 'writeSync+fdatasyncSync',
          trial: (): Sample => plain.timedWritesEachSynced(count, batch),
        },
        {
          name: 'writeSync+fdatasync (thread pool)',
          trial: async (): Promise<Sample> => {
            const ns = await timeAsync(async () => {
              for (let i = 0; i < count; i++) {
                plain.write(batch);
                await plain.syncAsync();
              }
            });
            plain.dropRetired();
            return { ns, units: count };
          },
        },
      ],
    });
    const spec = { suite: SUITE, case: '16 KiB, durability always, sequential', metric: 'appends', unit: 'appends/s' };
    return [
      toRow({ ...spec, baseline: 'writeSync + fdatasyncSync each' }, comparison, 0),
      toRow({ ...spec, baseline: 'writeSync + await fs.fdatasync each' }, comparison, 1),
    ];
  } finally {
    await theLog.close();
    plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One trial is one group: GROUP appends of 16 KiB, all in flight at once. */
async function groupCommit(ctx: SuiteContext, rounds: { warmup: number; trials: number }): Promise<ResultRow[]> {
  const batch = buildBatchOfSize(16 * KiB);
  const dir = mkdtempSync(join(ctx.tmpDir, 'group-'));
  const theLog = Log.open({ dir: join(dir, 'bench-0'), config: logConfig('always') });
  const plain = new PlainFile(dir, SEGMENT_BYTES);
  const pending: Promise<unknown>[] = new Array<Promise<unknown>>(GROUP);
  try {
    const comparison = await compare({
      ...rounds,
      rate: perSecond,
      subject: {
        name: `Log.append always x${GROUP} concurrent`,
        trial: async (): Promise<Sample> => {
          const ns = await timeAsync(async () => {
            for (let i = 0; i < GROUP; i++) pending[i] = theLog.append(batch);
            await Promise.all(pending);
          });
          return { ns, units: GROUP };
        },
      },
      baselines: [
        {
          name: 'write+fdatasync each',
          trial: (): Sample => plain.timedWritesEachSynced(GROUP, batch),
        },
        {
          name: 'writes + one fdatasync',
          trial: (): Sample =>
            plain.timed(GROUP, () => {
              for (let i = 0; i < GROUP; i++) plain.write(batch);
              plain.sync();
            }),
        },
      ],
    });
    const spec = {
      suite: SUITE,
      case: `16 KiB, always, ${GROUP} concurrent (group commit)`,
      metric: 'appends',
      unit: 'appends/s',
    };
    return [
      toRow({ ...spec, baseline: `${GROUP}x (writeSync + fdatasyncSync)` }, comparison, 0),
      toRow({ ...spec, baseline: `${GROUP}x writeSync + 1 fdatasyncSync` }, comparison, 1),
    ];
  } finally {
    await theLog.close();
    plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runLogAppend(ctx: SuiteContext): Promise<ResultRow[]> {
  const rounds = roundsFor(ctx);
  const rows: ResultRow[] = [];
  for (const size of [16 * KiB, MiB]) {
    log(`${SUITE}: ${sizeLabel(size)} batches, durability never`);
    rows.push(...(await throughput(ctx, size, rounds)));
  }
  const short = roundsFor(ctx, 'short');
  log(`${SUITE}: durability always, sequential`);
  rows.push(...(await alwaysOneByOne(ctx, short)));
  log(`${SUITE}: durability always, group commit`);
  rows.push(...(await groupCommit(ctx, short)));
  return rows;
}
