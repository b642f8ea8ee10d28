/**
 * embedded: tributary used in-process (Tributary.open, a producer, a consumer) against
 * what a Node user would otherwise pick for an append log, on the same records:
 * 16 B keys, 100 B, 1 KiB or 16 KiB random values, appended in chunks of 1000 records,
 * then scanned in order from the start. The codec cases write 1 KiB JSON values
 * (compressible) once per producer compression.type (none, gzip, snappy, lz4, zstd); the
 * peers store those values uncompressed, as they would.
 *
 * - append: `producer.send(topic, chunk)` awaited chunk by chunk, then `flush()`, one
 *   partition, durability 'never' (Kafka's default: the page cache), idempotent (the
 *   default) vs
 *   (i) the same producer with `idempotence: false` (random values only): what the
 *       producer id, epoch and sequences cost (target >= 0.95x);
 *   (a) fs.writeSync of the same key+value bytes, a chunk's payload per write (prebuilt:
 *       the floor for putting those bytes in the page cache);
 *   (a') the batch floor: each chunk's keys and values copied into one buffer, CRC32C'd and
 *       written, with no per-record work. Any producer that builds RecordBatches does at
 *       least this, so its rate against (a) bounds the ratio a producer can reach;
 *   (b) lmdb (lmdb-js 3): one `transactionSync` per chunk of `put`s, integer keys, binary
 *       values, `noSync` (no fsync per commit, like the others);
 *   (c) better-sqlite3: WAL, synchronous=NORMAL, one prepared INSERT run in one
 *       `db.transaction` per chunk (its docs' recipe for bulk inserts);
 *   (d) classic-level (LevelDB): one `batch()` of puts per chunk, big-endian integer
 *       keys so order is insertion order, sync off (its default).
 * - scan: every record in order, touching key and value: a consumer from 'earliest' to
 *   its batches' high watermark (checking each batch's CRC32C, checkCrcs' default) vs
 *   lmdb `getRange`, sqlite `iterate()` of SELECT ... ORDER BY, LevelDB's iterator, and
 *   the same consumer with checkCrcs: false on the same log (the check's cost). The store
 *   is written outside the timing, once per contender.
 *
 * Each trial appends into a fresh directory; stores are closed and deleted outside the
 * timing.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Tributary } from '../../src/index.js';
import { native } from '../../src/native/addon.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import type { CompressionCodec } from '../../src/record/Compression.js';
import {
  byMode,
  compare,
  log,
  perSecond,
  roundsFor,
  timeAsync,
  toRow,
  type ResultRow,
  type Sample,
  type SuiteContext,
} from '../harness.js';
import { jsonRecords } from '../jsonRecords.js';
import { runEmbeddedTransactions } from './transactions.js';

const SUITE = 'embedded';
/** Issue 19: an idempotent producer at >= 0.95x of the same producer without idempotence. */
const IDEMPOTENCE_TARGET = 0.95;
const CHUNK = 1000;
const require = createRequire(import.meta.url);

interface Rec {
  key: Buffer;
  value: Buffer;
}

/** One store under test: opened on a fresh directory, appended to, scanned, closed. */
interface Store {
  append(chunk: Rec[]): Promise<void> | void;
  finishAppend(): Promise<void> | void;
  scan(): Promise<number> | number;
  close(): Promise<void> | void;
}

type StoreFactory = (dir: string) => Promise<Store>;

let sink = 0;
const touch = (key: Uint8Array | null, value: Uint8Array | null): number =>
  (key?.[0] ?? 0) + (value?.[value.length - 1] ?? 0);

function keyOf(i: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(i, 12);
  return key;
}

/** A consumer from 'earliest' through batches() to their high watermark, touching every key and value. */
async function consumeAll(t: Tributary, checkCrcs: boolean): Promise<number> {
  const consumer = t.consumer({ checkCrcs });
  consumer.assign([{ topic: 'bench', partition: 0, offset: 'earliest' }]);
  let count = 0;
  for await (const batch of consumer.batches()) {
    for (const r of batch.records) sink ^= touch(r.key, r.value);
    count += batch.records.length;
    // Caught up: the batch reaches the high watermark its read saw (nothing appends meanwhile).
    if (batch.records[batch.records.length - 1]!.offset + 1 >= batch.highWatermark) break;
  }
  await consumer.close();
  return count;
}

/** tributary, whose scan checks every batch's CRC32C (checkCrcs' default); `scanUnchecked` reads the same log with checkCrcs: false. */
type TributaryStore = Store & { scanUnchecked(): Promise<number> };

const tributaryStore =
  (compression: CompressionCodec, idempotence = true) =>
  async (dir: string): Promise<TributaryStore> => {
    const t = await Tributary.open({ dataDir: dir });
    await t.admin.createTopic('bench', { partitions: 1 });
    const producer = t.producer({ lingerMs: 0, batchSize: 1024 * 1024, durability: 'never', compression, idempotence });
    return {
      append: async (chunk) =>
        void (await producer.send(
          'bench',
          chunk.map((r) => ({ key: r.key, value: r.value, partition: 0 })),
        )),
      finishAppend: () => producer.flush(),
      scan: () => consumeAll(t, true),
      scanUnchecked: () => consumeAll(t, false),
      close: () => t.close(),
    };
  };

async function lmdbStore(dir: string): Promise<Store> {
  const { open } = require('lmdb') as typeof import('lmdb');
  const db = open({ path: dir, encoding: 'binary', noSync: true });
  let next = 0;
  return {
    append(chunk) {
      db.transactionSync(() => {
        for (const r of chunk) db.putSync(next++, Buffer.concat([r.key, r.value]));
      });
    },
    finishAppend: () => undefined,
    scan() {
      let count = 0;
      for (const { value } of db.getRange({ start: 0 })) {
        sink ^= touch(value as Buffer, value as Buffer);
        count++;
      }
      return count;
    },
    close: () => db.close(),
  };
}

/** The part of better-sqlite3's API used here (it ships no types). */
interface SqliteDatabase {
  pragma(source: string): unknown;
  exec(source: string): void;
  prepare(source: string): { run(...params: unknown[]): unknown; iterate(): Iterable<unknown> };
  transaction<A>(fn: (arg: A) => void): (arg: A) => void;
  close(): void;
}

async function sqliteStore(dir: string): Promise<Store> {
  const Database = require('better-sqlite3') as new (path: string) => SqliteDatabase;
  const db = new Database(join(dir, 'log.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE log (offset INTEGER PRIMARY KEY, key BLOB, value BLOB)');
  const insert = db.prepare('INSERT INTO log (offset, key, value) VALUES (?, ?, ?)');
  let next = 0;
  const appendChunk = db.transaction((chunk: Rec[]) => {
    for (const r of chunk) insert.run(next++, r.key, r.value);
  });
  const select = db.prepare('SELECT key, value FROM log ORDER BY offset');
  return {
    append: (chunk) => void appendChunk(chunk),
    finishAppend: () => undefined,
    scan() {
      let count = 0;
      for (const row of select.iterate() as Iterable<{ key: Buffer; value: Buffer }>) {
        sink ^= touch(row.key, row.value);
        count++;
      }
      return count;
    },
    close: () => void db.close(),
  };
}

async function levelStore(dir: string): Promise<Store> {
  const { ClassicLevel } = require('classic-level') as typeof import('classic-level');
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  let next = 0;
  return {
    append: (chunk) =>
      db.batch(
        chunk.map((r) => {
          const key = Buffer.alloc(20);
          key.writeUInt32BE(next++, 0);
          r.key.copy(key, 4);
          return { type: 'put' as const, key, value: r.value };
        }),
      ),
    finishAppend: () => undefined,
    async scan() {
      let count = 0;
      for await (const [key, value] of db.iterator()) {
        sink ^= touch(key, value);
        count++;
      }
      return count;
    },
    close: () => db.close(),
  };
}

const PEERS: [string, StoreFactory][] = [
  ['lmdb', lmdbStore],
  ['better-sqlite3', sqliteStore],
  ['classic-level', levelStore],
];

/** What the values hold: random bytes (incompressible) or JSON events (compressible, for the codec cases). */
type Values = 'random' | 'json';

function records(count: number, valueBytes: number, values: Values): Rec[][] {
  const json = values === 'json' ? jsonRecords(count * valueBytes) : null;
  const valueOf = (i: number): Buffer =>
    json?.subarray(i * valueBytes, (i + 1) * valueBytes) ?? randomBytes(valueBytes);
  const chunks: Rec[][] = [];
  for (let i = 0; i < count; i += CHUNK) {
    chunks.push(
      Array.from({ length: Math.min(CHUNK, count - i) }, (_, j) => ({ key: keyOf(i + j), value: valueOf(i + j) })),
    );
  }
  return chunks;
}

interface EmbeddedCase {
  valueBytes: number;
  count: number;
  values: Values;
  compression: CompressionCodec;
}

/** Appends every chunk into a fresh store; the timing covers appends and the final flush. */
async function appendTrial(factory: StoreFactory, root: string, chunks: Rec[][], count: number): Promise<Sample> {
  const dir = mkdtempSync(join(root, 'store-'));
  const store = await factory(dir);
  const ns = await timeAsync(async () => {
    for (const chunk of chunks) await store.append(chunk);
    await store.finishAppend();
  });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { ns, units: count };
}

/** Times `write(fd)` into a fresh file (its opening and deletion outside the timing). */
function fileWriteTrial(root: string, count: number, write: (fd: number) => void): Sample {
  const path = join(mkdtempSync(join(root, 'plain-')), 'payload');
  const fd = openSync(path, 'w');
  const start = process.hrtime.bigint();
  write(fd);
  const ns = Number(process.hrtime.bigint() - start);
  closeSync(fd);
  rmSync(path, { force: true });
  return { ns, units: count };
}

function plainWriteTrial(root: string, payloads: Buffer[], count: number): Sample {
  return fileWriteTrial(root, count, (fd) => {
    let position = 0;
    for (const payload of payloads) position += writeSync(fd, payload, 0, payload.length, position);
  });
}

/**
 * The least a writer of RecordBatches does with the same records, with none of the
 * per-record work (no varints, objects or promises): copy each chunk's keys and values
 * into one batch buffer, CRC32C it, write it.
 */
function batchFloorTrial(root: string, chunks: Rec[][], payloads: Buffer[], count: number): Sample {
  const batch = Buffer.allocUnsafe(BatchHeader.size + Math.max(...payloads.map((p) => p.length)));
  return fileWriteTrial(root, count, (fd) => {
    let position = 0;
    for (const chunk of chunks) {
      let at = BatchHeader.size;
      for (const { key, value } of chunk) {
        batch.set(key, at);
        batch.set(value, (at += key.length));
        at += value.length;
      }
      batch.writeUInt32BE(native.crc32c(batch, BatchHeader.attributes, at), BatchHeader.crc);
      position += writeSync(fd, batch, 0, at, position);
    }
  });
}

async function runCase(
  ctx: SuiteContext,
  { valueBytes, count, values, compression }: EmbeddedCase,
): Promise<ResultRow[]> {
  const chunks = records(count, valueBytes, values);
  const payloads = chunks.map((chunk) => Buffer.concat(chunk.flatMap((r) => [r.key, r.value])));
  // Every trial opens and fills fresh stores: one round is enough to prove a smoke run, and
  // quick runs give the five codec cases one round less.
  const rounds = byMode(
    ctx,
    roundsFor(ctx),
    { warmup: 1, trials: values === 'json' ? 2 : 3 },
    { warmup: 0, trials: 1 },
  );
  const label = `${count / 1000}k records, ${valueBytes} B ${values === 'json' ? `JSON values, compression ${compression}` : 'values'}`;
  const ours = tributaryStore(compression);
  const row = (kind: string, baseline: string, target?: number) => ({
    suite: SUITE,
    case: `${kind}, ${label}`,
    metric: 'records',
    unit: 'records/s',
    baseline,
    ...(target === undefined ? {} : { target }),
  });

  const uncompressed = values === 'random';
  const appendTarget = uncompressed && valueBytes >= 1024 ? 0.5 : undefined;
  const peerTarget = uncompressed && valueBytes <= 100 ? 3 : undefined;
  // The floor where the plain-write target applies: it shows how much of that target any batch writer can reach.
  const floors =
    appendTarget === undefined
      ? []
      : [{ name: 'batch floor', trial: () => batchFloorTrial(ctx.tmpDir, chunks, payloads, count) }];
  // The same producer without idempotence, on the random-value cases: what producer ids and sequences cost.
  const plain = uncompressed
    ? [{ name: 'tributary, idempotence: false', store: tributaryStore(compression, false) }]
    : [];

  log(`${SUITE}: append, ${label}`);
  const appendComparison = await compare({
    ...rounds,
    rate: perSecond,
    subject: { name: 'tributary', trial: () => appendTrial(ours, ctx.tmpDir, chunks, count) },
    baselines: [
      { name: 'fs.writeSync', trial: () => plainWriteTrial(ctx.tmpDir, payloads, count) },
      ...floors,
      ...PEERS.map(([name, factory]) => ({ name, trial: () => appendTrial(factory, ctx.tmpDir, chunks, count) })),
      ...plain.map(({ name, store }) => ({ name, trial: () => appendTrial(store, ctx.tmpDir, chunks, count) })),
    ],
  });

  log(`${SUITE}: scan, ${label}`);
  const filled = async <S extends Store>(factory: (dir: string) => Promise<S>): Promise<{ store: S; dir: string }> => {
    const dir = mkdtempSync(join(ctx.tmpDir, 'scan-'));
    const store = await factory(dir);
    for (const chunk of chunks) await store.append(chunk);
    await store.finishAppend();
    return { store, dir };
  };
  const subject = await filled(ours);
  const peers: { store: Store; dir: string }[] = [];
  for (const [, factory] of PEERS) peers.push(await filled(factory));
  const scanTrial = (scan: () => Promise<number> | number) => async (): Promise<Sample> => {
    let scanned = 0;
    const ns = await timeAsync(async () => void (scanned = await scan()));
    if (scanned !== count) throw new Error(`scan read ${scanned} of ${count} records`);
    return { ns, units: count };
  };
  const scanComparison = await compare({
    ...rounds,
    rate: perSecond,
    subject: { name: 'tributary', trial: scanTrial(() => subject.store.scan()) },
    baselines: [
      ...peers.map(({ store }, i) => ({ name: PEERS[i]![0], trial: scanTrial(() => store.scan()) })),
      // The same log read without the CRC check: the ratio is what checkCrcs costs.
      { name: 'tributary, checkCrcs: false', trial: scanTrial(() => subject.store.scanUnchecked()) },
    ],
  });
  for (const { store, dir } of [subject, ...peers]) {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const [written, floor] = appendComparison.baselines;
  const floorRows =
    floors.length === 0
      ? []
      : [
          toRow(row('append', 'the batch floor (copy, CRC32C, write)'), appendComparison, 1),
          // Its subject is the floor, not tributary: what any batch writer reaches against the plain write.
          toRow(row('batch floor vs plain write', 'fs.writeSync of the key+value bytes'), {
            subject: floor!,
            baselines: [written!],
          }),
        ];
  return [
    toRow(row('append', 'fs.writeSync of the key+value bytes', appendTarget), appendComparison, 0),
    ...floorRows,
    ...PEERS.map(([name], i) => toRow(row('append', name, peerTarget), appendComparison, i + 1 + floors.length)),
    ...plain.map(({ name }) =>
      toRow(row('append', name, IDEMPOTENCE_TARGET), appendComparison, 1 + floors.length + PEERS.length),
    ),
    ...PEERS.map(([name], i) => toRow(row('scan', name, peerTarget), scanComparison, i)),
    toRow(row('scan', 'tributary, checkCrcs: false (what the CRC check costs)'), scanComparison, PEERS.length),
  ];
}

const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function cases(ctx: SuiteContext): EmbeddedCase[] {
  const random = (valueBytes: number, count: number): EmbeddedCase => ({
    valueBytes,
    count,
    values: 'random',
    compression: 'none',
  });
  const codecCount = byMode(ctx, 30_000, 3_000, 1_000);
  return [
    random(100, byMode(ctx, 200_000, 30_000, 2_000)),
    random(1024, byMode(ctx, 50_000, 12_000, 1_000)),
    random(16 * 1024, byMode(ctx, 5_000, 500, 100)),
    ...CODECS.map((compression): EmbeddedCase => ({
      valueBytes: 1024,
      count: codecCount,
      values: 'json',
      compression,
    })),
  ];
}

export async function runEmbedded(ctx: SuiteContext): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const c of cases(ctx)) rows.push(...(await runCase(ctx, c)));
  rows.push(...(await runEmbeddedTransactions(ctx)));
  if (sink === 0x7fffffff) log('(sink hit)');
  return rows;
}
