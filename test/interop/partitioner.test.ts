/**
 * murmur2 and the partition of a keyed record against two independent clients:
 *  - kafkajs 2.2.4: the default (Java-compatible) partitioner's murmur2
 *    (kafkajs/src/producer/partitioners/default/murmur2.js, Long arithmetic, signed
 *    result) and the partition Partitioners.DefaultPartitioner picks for a message;
 *  - kafka-python 2.0.2: kafka.partitioner.default.murmur2 (pure Python, returns the
 *    hash as an unsigned 32-bit number) and DefaultPartitioner()(key, all, available).
 *
 * Keys: seeded random bytes of every length 0..200 many times over, and UTF-8 strings
 * (ASCII, accented, CJK, emoji), hashed as bytes; kafkajs also gets the strings
 * themselves, which it encodes as UTF-8.
 */
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { murmur2, partitionForKey } from '../../src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { Rng, runPython, testSeed } from './support.js';

const require = createRequire(import.meta.url);

type KafkaJsKey = Buffer | string;
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: KafkaJsKey) => number;
const { Partitioners } = require('kafkajs') as {
  Partitioners: {
    DefaultPartitioner: () => (args: {
      topic: string;
      partitionMetadata: Array<{ partitionId: number; leader: number }>;
      message: { key: KafkaJsKey; partition?: number | null };
    }) => number;
  };
};

const PARTITION_COUNTS = [1, 2, 3, 7, 12, 64, 1000];
const RANDOM_KEYS = 6000;
const MAX_KEY_LENGTH = 200;
const ALPHABET = ['a', 'Z', '0', '-', ' ', 'é', 'ß', 'Ω', 'ж', '中', '文', '€', '🙂', '🚀', '\u0000', '\u{10ffff}'];

const PYTHON_PARTITION = `
import json, sys
from kafka.partitioner.default import DefaultPartitioner, murmur2

keys_path, counts_path = sys.argv[1], sys.argv[2]
with open(keys_path) as f:
    keys = [bytes.fromhex(k) for k in json.load(f)]
with open(counts_path) as f:
    counts = json.load(f)
partitioner = DefaultPartitioner()
out = {
    'murmur2': [murmur2(k) for k in keys],
    'partitions': {str(n): [partitioner(k, list(range(n)), list(range(n))) for k in keys] for n in counts},
}
json.dump(out, sys.stdout)
`;

interface PythonResult {
  murmur2: number[];
  partitions: Record<string, number[]>;
}

function randomKeys(rng: Rng): Buffer[] {
  const keys: Buffer[] = [];
  for (let length = 0; length <= MAX_KEY_LENGTH; length++) keys.push(rng.bytes(length));
  while (keys.length < RANDOM_KEYS) keys.push(rng.bytes(rng.int(0, MAX_KEY_LENGTH)));
  return keys;
}

function randomStrings(rng: Rng, count: number): string[] {
  const strings: string[] = ['', 'foobar', '21'];
  while (strings.length < count) {
    const length = rng.int(1, 40);
    let s = '';
    for (let i = 0; i < length; i++) s += rng.pick(ALPHABET);
    strings.push(s);
  }
  return strings;
}

function mismatches<T>(actual: readonly T[], expected: readonly T[], keys: readonly Buffer[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i])
      out.push(`key #${i} ${keys[i]!.toString('hex')}: ours ${String(actual[i])}, theirs ${String(expected[i])}`);
  }
  return out.slice(0, 10);
}

/** kafkajs' partition for each key among `numPartitions`, all with a leader. */
function kafkajsPartitions(keys: readonly KafkaJsKey[], numPartitions: number): number[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
  return keys.map((key) => partitioner({ topic: 't', partitionMetadata, message: { key } }));
}

describe('partitioner vs kafkajs and kafka-python', () => {
  const seed = testSeed(0x6d75726d);
  const rng = new Rng(seed);
  const strings = randomStrings(rng, 1500);
  const keys = [...randomKeys(rng), ...strings.map((s) => Buffer.from(s, 'utf8'))];
  const ours = keys.map((k) => murmur2(k));

  test('murmur2 equals kafkajs for Buffers and for the strings kafkajs encodes itself', () => {
    const theirs = keys.map((k) => kafkajsMurmur2(k));
    expect(mismatches(ours, theirs, keys), `INTEROP_SEED=${seed}`).toEqual([]);
    const fromStrings = strings.map((s) => kafkajsMurmur2(s));
    expect(fromStrings).toEqual(strings.map((s) => murmur2(new TextEncoder().encode(s))));
  });

  test('kafkajs DefaultPartitioner picks partitionForKey for every key', () => {
    for (const n of PARTITION_COUNTS) {
      const theirs = kafkajsPartitions(keys, n);
      expect(
        mismatches(
          keys.map((k) => partitionForKey(k, n)),
          theirs,
          keys,
        ),
        `${n} partitions, INTEROP_SEED=${seed}`,
      ).toEqual([]);
      const fromStrings = kafkajsPartitions(strings, n);
      expect(fromStrings).toEqual(strings.map((s) => partitionForKey(Buffer.from(s, 'utf8'), n)));
    }
  });

  test('kafkajs hashes a Uint8Array that is not a Buffer as its String() form', () => {
    // A difference to keep in mind: kafkajs only treats Buffers as bytes.
    const bytes = Uint8Array.from([1, 2, 0xff]);
    expect(kafkajsMurmur2(bytes as unknown as string)).toBe(murmur2(Buffer.from('1,2,255')));
    expect(kafkajsMurmur2(bytes as unknown as string)).not.toBe(murmur2(bytes));
  });

  test('murmur2 (as unsigned) and DefaultPartitioner equal kafka-python', () => {
    const dir = tempDir('tributary-interop-partitioner-');
    const keysPath = join(dir, 'keys.json');
    const countsPath = join(dir, 'counts.json');
    writeFileSync(keysPath, JSON.stringify(keys.map((k) => k.toString('hex'))));
    writeFileSync(countsPath, JSON.stringify(PARTITION_COUNTS));
    const python = runPython<PythonResult>(dir, 'partition.py', PYTHON_PARTITION, [keysPath, countsPath]);

    expect(python.murmur2).toHaveLength(keys.length);
    expect(
      mismatches(
        ours.map((h) => h >>> 0),
        python.murmur2,
        keys,
      ),
      `INTEROP_SEED=${seed}`,
    ).toEqual([]);
    for (const n of PARTITION_COUNTS) {
      const theirs = python.partitions[String(n)]!;
      expect(
        mismatches(
          keys.map((k) => partitionForKey(k, n)),
          theirs,
          keys,
        ),
        `${n} partitions, INTEROP_SEED=${seed}`,
      ).toEqual([]);
    }
  });
});
