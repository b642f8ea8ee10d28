/**
 * varints: the zig-zag varints of src/record/varint.ts (every length and delta of a
 * v2 record goes through them) in values per second, 1024 values per call, as
 * Benchmark.js trials (bench/micro.ts).
 *
 * - int32-range values, the kind records carry (lengths, offset and timestamp deltas:
 *   60% one byte, 30% two, 10% up to four): writeVarlong / readVarlong against kafkajs
 *   2.2.4's Encoder.writeVarInt / Decoder.readVarInt (what its record codec runs), and
 *   against Buffer.writeInt32BE / readInt32BE of the same count of values, the
 *   fixed-width floor: no varint can be cheaper than a plain 4-byte store.
 * - 64-bit values (up to 2^40 in magnitude, such as absolute timestamps): the same
 *   against kafkajs' writeVarLong / readVarLong (long.js based, as its producer encodes
 *   timestamp deltas) and against Buffer.writeBigInt64BE / readBigInt64BE.
 */
import { createRequire } from 'node:module';
import { readVarlong, sizeOfVarlong, writeVarlong } from '../../src/record/varint.js';
import { compare, log, perSecond, roundsFor, toRow, type ResultRow, type SuiteContext } from '../harness.js';
import { benchmarkTrial, microOptions } from '../micro.js';

const SUITE = 'varints';
const COUNT = 1024;
const require = createRequire(import.meta.url);

interface KafkajsEncoder {
  writeVarInt(value: number): unknown;
  writeVarLong(value: number): unknown;
  buffer: Buffer;
}
interface KafkajsDecoder {
  readVarInt(): number;
  readVarLong(): { toNumber(): number };
}
const KafkajsEncoder = require('kafkajs/src/protocol/encoder.js') as new (initialSize?: number) => KafkajsEncoder;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => KafkajsDecoder;

let sink = 0;

/** Deterministic values: a fixed linear congruential sequence, so every run measures the same mix. */
function values(kind: 'int32' | 'int64'): number[] {
  let state = 12345;
  const next = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: COUNT }, () => {
    const sign = next() % 2 === 0 ? 1 : -1;
    if (kind === 'int64') return sign * (next() * 512 + (next() % 512));
    const pick = next() % 10;
    const bound = pick < 6 ? 64 : pick < 9 ? 2 ** 13 : 2 ** 27;
    return sign * (next() % bound);
  });
}

function encodeOurs(input: number[]): Buffer {
  const buf = Buffer.alloc(input.reduce((n, v) => n + sizeOfVarlong(v), 0));
  let at = 0;
  for (const v of input) at = writeVarlong(buf, at, v);
  return buf;
}

interface VarintCase {
  kind: 'int32' | 'int64';
  label: string;
  kafkajsWrite: (e: KafkajsEncoder, v: number) => void;
  kafkajsRead: (d: KafkajsDecoder) => number;
  kafkajsName: [string, string];
  floorName: [string, string];
  floorWrite: (buf: Buffer, at: number, v: number) => number;
  floorRead: (buf: Buffer, at: number) => number;
}

const CASES: VarintCase[] = [
  {
    kind: 'int32',
    label: 'int32-range values (60% 1 B, 30% 2 B, 10% up to 4 B)',
    kafkajsWrite: (e, v) => void e.writeVarInt(v),
    kafkajsRead: (d) => d.readVarInt(),
    kafkajsName: ['Encoder.writeVarInt', 'Decoder.readVarInt'],
    floorName: ['Buffer.writeInt32BE', 'Buffer.readInt32BE'],
    floorWrite: (buf, at, v) => buf.writeInt32BE(v, at),
    floorRead: (buf, at) => buf.readInt32BE(at),
  },
  {
    kind: 'int64',
    label: '64-bit values (up to 2^40)',
    kafkajsWrite: (e, v) => void e.writeVarLong(v),
    kafkajsRead: (d) => d.readVarLong().toNumber(),
    kafkajsName: ['Encoder.writeVarLong', 'Decoder.readVarLong'],
    floorName: ['Buffer.writeBigInt64BE', 'Buffer.readBigInt64BE'],
    floorWrite: (buf, at, v) => buf.writeBigInt64BE(BigInt(v), at),
    floorRead: (buf, at) => Number(buf.readBigInt64BE(at)),
  },
];

async function runCase(ctx: SuiteContext, c: VarintCase): Promise<ResultRow[]> {
  const input = values(c.kind);
  const encoded = encodeOurs(input);
  const width = c.kind === 'int32' ? 4 : 8;
  const fixed = Buffer.alloc(COUNT * width);
  for (let i = 0, at = 0; i < COUNT; i++) at = c.floorWrite(fixed, at, input[i]!);
  const options = microOptions(ctx);
  const trial = (fn: () => void) => benchmarkTrial(fn, COUNT, options);
  const row = (op: string, baseline: string) => ({
    suite: SUITE,
    case: `${op}, ${COUNT} ${c.label}`,
    metric: 'values',
    unit: 'values/s',
    baseline,
  });

  log(`${SUITE}: encode ${c.kind}`);
  const encode = await compare({
    ...roundsFor(ctx, 'micro'),
    rate: perSecond,
    subject: { name: 'writeVarlong', trial: trial(() => void (sink ^= encodeOurs(input).length)) },
    baselines: [
      {
        name: 'kafkajs',
        trial: trial(() => {
          const e = new KafkajsEncoder(encoded.length);
          for (const v of input) c.kafkajsWrite(e, v);
          sink ^= e.buffer.length;
        }),
      },
      {
        name: c.floorName[0],
        trial: trial(() => {
          const buf = Buffer.alloc(COUNT * width);
          let at = 0;
          for (const v of input) at = c.floorWrite(buf, at, v);
          sink ^= at;
        }),
      },
    ],
  });
  log(`${SUITE}: decode ${c.kind}`);
  const decode = await compare({
    ...roundsFor(ctx, 'micro'),
    rate: perSecond,
    subject: {
      name: 'readVarlong',
      trial: trial(() => {
        let acc = 0;
        for (let at = 0, i = 0; i < COUNT; i++) {
          const read = readVarlong(encoded, at, encoded.length)!;
          acc ^= read.value;
          at = read.next;
        }
        sink ^= acc;
      }),
    },
    baselines: [
      {
        name: 'kafkajs',
        trial: trial(() => {
          const d = new KafkajsDecoder(encoded);
          let acc = 0;
          for (let i = 0; i < COUNT; i++) acc ^= c.kafkajsRead(d);
          sink ^= acc;
        }),
      },
      {
        name: c.floorName[1],
        trial: trial(() => {
          let acc = 0;
          for (let at = 0; at < fixed.length; at += width) acc ^= c.floorRead(fixed, at);
          sink ^= acc;
        }),
      },
    ],
  });
  return [
    toRow(row('encode', `kafkajs 2.2.4 ${c.kafkajsName[0]}`), encode, 0),
    toRow(row('encode', `${c.floorName[0]} (fixed width, floor)`), encode, 1),
    toRow(row('decode', `kafkajs 2.2.4 ${c.kafkajsName[1]}`), decode, 0),
    toRow(row('decode', `${c.floorName[1]} (fixed width, floor)`), decode, 1),
  ];
}

export async function runVarints(ctx: SuiteContext): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const c of CASES) rows.push(...(await runCase(ctx, c)));
  if (sink === 0x7fffffff) log('(sink hit)');
  return rows;
}
