/**
 * records: RecordBatch v2 encoding, decoding and validation, in records per second, for
 * 100 B and 1 KiB values (keys of 16 B, one 8 B header), uncompressed batches of about
 * 16 KiB (as a producer's default batch.size builds).
 *
 * - encode: RecordBatchBuilder (append each record, build with CRC) vs kafkajs 2.2.4's
 *   encoder (its Record and RecordBatch encoders, the code its producer runs);
 * - decode: RecordBatch.records() touching every key and value vs kafkajs' RecordBatch
 *   decoder (what its consumer runs; it does not check the CRC, we do not either here);
 * - validate: validateRecordBatchSync (header, CRC, every record's framing) vs the CRC-only
 *   batch scan the Log ran before record validation existed: the price of the record check.
 *
 * Every trial is a Benchmark.js run (bench/micro.ts), one batch per call. kafkajs'
 * encoder and decoder are async; each batch is awaited (Benchmark.js's deferred mode),
 * as its producer and consumer do.
 */
import { createRequire } from 'node:module';
import { native } from '../../src/native/addon.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { RecordBatchBuilder, type RecordInput } from '../../src/record/RecordBatchBuilder.js';
import { validateRecordBatchSync } from '../../src/record/RecordBatchValidator.js';
import { compare, log, perSecond, roundsFor, toRow, type ResultRow, type SuiteContext } from '../harness.js';
import { benchmarkTrial, deferredBenchmarkTrial, microOptions } from '../micro.js';

const SUITE = 'records';
const BATCH_BYTES = 16 * 1024;
const T0 = 1_700_000_000_000;

const require = createRequire(import.meta.url);
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: object) => unknown;
const kafkajsBatch = (
  require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (o: object) => Promise<{ buffer: Buffer }> }
).RecordBatch;
const kafkajsDecode = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (
  decoder: unknown,
) => Promise<{ records: { key: Buffer; value: Buffer }[] }>;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;

let sink = 0;

function sampleRecords(valueBytes: number): RecordInput[] {
  const count = Math.max(1, Math.floor(BATCH_BYTES / (valueBytes + 40)));
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`key-${String(i).padStart(12, '0')}`),
    value: Buffer.alloc(valueBytes, i),
    headers: [{ key: 'trace', value: Buffer.alloc(8, i) }],
    timestamp: T0 + i,
  }));
}

function buildOurs(records: RecordInput[]): Buffer {
  const builder = new RecordBatchBuilder({}, BATCH_BYTES + 1024);
  for (const record of records) builder.append(record);
  return builder.build();
}

async function buildKafkajs(records: RecordInput[]): Promise<Buffer> {
  const encoded = records.map((r, i) =>
    kafkajsRecord({
      offsetDelta: i,
      timestampDelta: r.timestamp! - T0,
      key: r.key,
      value: r.value,
      headers: { trace: r.headers![0]!.value },
    }),
  );
  const batch = await kafkajsBatch({
    firstTimestamp: T0,
    maxTimestamp: T0 + records.length - 1,
    lastOffsetDelta: records.length - 1,
    records: encoded,
  });
  return batch.buffer;
}

function touch(key: Buffer | null, value: Buffer | null): number {
  return (key?.[0] ?? 0) + (value?.[value.length - 1] ?? 0);
}

async function runSize(ctx: SuiteContext, valueBytes: number): Promise<ResultRow[]> {
  const records = sampleRecords(valueBytes);
  const count = records.length;
  const batch = buildOurs(records);
  const options = microOptions(ctx);
  const syncTrial = (step: () => void) => benchmarkTrial(step, count, options);
  const asyncTrial = (step: () => Promise<void>) => deferredBenchmarkTrial(step, count, options);
  const rounds = roundsFor(ctx, 'micro');
  const label = `${valueBytes} B values, ${count} records a batch`;
  const row = (kind: string, baseline: string) => ({
    suite: SUITE,
    case: `${kind}, ${label}`,
    metric: 'records',
    unit: 'records/s',
    baseline,
  });

  log(`${SUITE}: encode, ${label}`);
  const encode = await compare({
    ...rounds,
    rate: perSecond,
    subject: { name: 'RecordBatchBuilder', trial: syncTrial(() => void (sink ^= buildOurs(records).length)) },
    baselines: [
      { name: 'kafkajs encoder', trial: asyncTrial(async () => void (sink ^= (await buildKafkajs(records)).length)) },
    ],
  });
  log(`${SUITE}: decode, ${label}`);
  const decode = await compare({
    ...rounds,
    rate: perSecond,
    subject: {
      name: 'RecordBatch.records',
      trial: syncTrial(() => {
        for (const r of RecordBatch.from(batch).records()) sink ^= touch(r.key, r.value);
      }),
    },
    baselines: [
      {
        name: 'kafkajs decoder',
        trial: asyncTrial(async () => {
          for (const r of (await kafkajsDecode(new KafkajsDecoder(batch))).records) sink ^= touch(r.key, r.value);
        }),
      },
    ],
  });
  log(`${SUITE}: validate, ${label}`);
  const scanOut = new Float64Array(3 + 8);
  const validate = await compare({
    ...rounds,
    rate: perSecond,
    subject: {
      name: 'validateRecordBatchSync',
      trial: syncTrial(() => void (sink ^= validateRecordBatchSync(batch).recordCount)),
    },
    baselines: [
      {
        name: 'CRC-only batch scan',
        trial: syncTrial(() => void native.scanBatches(batch, scanOut, 1 | 2, 0, 0, Number.MAX_SAFE_INTEGER, 0)),
      },
    ],
  });
  return [
    toRow(row('encode', 'kafkajs 2.2.4 encoder'), encode),
    toRow(row('decode', 'kafkajs 2.2.4 decoder'), decode),
    toRow(row('validate', 'CRC-only batch scan (no record check)'), validate),
  ];
}

export async function runRecords(ctx: SuiteContext): Promise<ResultRow[]> {
  const rows = [...(await runSize(ctx, 100)), ...(await runSize(ctx, 1024))];
  if (sink === 0x7fffffff) log('(sink hit)');
  return rows;
}
