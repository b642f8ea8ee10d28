import { describe, expect, test } from 'vitest';
import { isTributaryError, TributaryError } from '../../src/errors.js';
import { BuiltInPartitioner, murmur2, partitionForKey, toPositive } from '../../src/record/Partitioner.js';

/** Kafka's own vectors: apache/kafka UtilsTest.testMurmur2. */
const JAVA_VECTORS: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

/**
 * A straightforward murmur2 over BigInt, written from the algorithm rather than from our
 * code: 64-bit intermediates masked to 32 bits, converted to signed at the end.
 */
function referenceMurmur2(data: Uint8Array): number {
  const mask = 0xffffffffn;
  const m = 0x5bd1e995n;
  const mul = (a: bigint, b: bigint): bigint => (a * b) & mask;
  let h = (0x9747b28cn ^ BigInt(data.length)) & mask;
  const words = Math.floor(data.length / 4);
  for (let w = 0; w < words; w++) {
    let k = 0n;
    for (let b = 3; b >= 0; b--) k = (k << 8n) | BigInt(data[w * 4 + b]!);
    k = mul(k, m);
    k ^= k >> 24n;
    k = mul(k, m);
    h = mul(h, m) ^ k;
  }
  const rest = data.length % 4;
  const tail = words * 4;
  for (let b = rest - 1; b >= 0; b--) h ^= BigInt(data[tail + b]!) << BigInt(8 * b);
  if (rest > 0) h = mul(h, m);
  h ^= h >> 13n;
  h = mul(h, m);
  h ^= h >> 15n;
  return Number(BigInt.asIntN(32, h));
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

/** A random source that replays `values`, each a fraction of Java's 31-bit range. */
function scriptedRandom(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]! / 0x80000000;
}

describe('murmur2', () => {
  test("Kafka's published vectors", () => {
    for (const [key, expected] of JAVA_VECTORS) {
      expect(murmur2(Buffer.from(key)), key).toBe(expected);
      expect(murmur2(new TextEncoder().encode(key)), key).toBe(expected);
    }
  });

  test('the reference implementation agrees with the published vectors', () => {
    for (const [key, expected] of JAVA_VECTORS) expect(referenceMurmur2(Buffer.from(key))).toBe(expected);
  });

  test('every tail length 0..16, with low bytes and with bytes >= 0x80', () => {
    for (let length = 0; length <= 16; length++) {
      const low = Uint8Array.from({ length }, (_, i) => i + 1);
      const high = Uint8Array.from({ length }, (_, i) => 0xff - i * 7);
      const allFF = new Uint8Array(length).fill(0xff);
      for (const key of [low, high, allFF]) expect(murmur2(key), `${key}`).toBe(referenceMurmur2(key));
    }
  });

  test('a signed 32-bit result; empty key', () => {
    const empty = murmur2(new Uint8Array(0));
    expect(empty).toBe(referenceMurmur2(new Uint8Array(0)));
    let negatives = 0;
    const rng = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const key = Uint8Array.from({ length: 1 + (i % 40) }, () => Math.floor(rng() * 256));
      const h = murmur2(key);
      expect(h).toBe(referenceMurmur2(key));
      expect(h | 0).toBe(h);
      if (h < 0) negatives++;
    }
    expect(negatives).toBeGreaterThan(800);
  });

  test('a view into a larger buffer hashes only its own bytes', () => {
    const pool = Buffer.from('xxfoobaryy');
    expect(murmur2(pool.subarray(2, 8))).toBe(-790332482);
  });
});

describe('partitionForKey', () => {
  test('toPositive clears the sign bit', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
  });

  test('is toPositive(murmur2) modulo the partition count', () => {
    // -973932308 & 0x7fffffff = 1173551340
    expect(partitionForKey(Buffer.from('21'), 1000)).toBe(340);
    expect(partitionForKey(Buffer.from('21'), 7)).toBe(1173551340 % 7);
    for (const [key] of JAVA_VECTORS) expect(partitionForKey(Buffer.from(key), 1)).toBe(0);
  });

  test('rejects a partition count below 1 or not an integer', () => {
    for (const bad of [0, -3, 1.5, Number.NaN]) {
      expect(() => partitionForKey(Buffer.from('k'), bad)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_PARTITIONS' }),
      );
    }
  });
});

describe('BuiltInPartitioner', () => {
  const KEY = Buffer.from('foobar');

  test('keyed records go by partitionForKey, unless keys are ignored', () => {
    const partitioner = new BuiltInPartitioner({ batchSize: 100, random: scriptedRandom([3]) });
    expect(partitioner.partition('t', KEY, 12, [0, 1])).toBe(partitionForKey(KEY, 12));
    const ignoring = new BuiltInPartitioner({ batchSize: 100, ignoreKeys: true, random: scriptedRandom([3]) });
    expect(ignoring.partition('t', KEY, 12)).toBe(3);
  });

  test('null keys stay on one partition until batch.size bytes, then move', () => {
    const partitioner = new BuiltInPartitioner({ batchSize: 100, random: scriptedRandom([2, 5, 1]) });
    const sent: number[] = [];
    for (let i = 0; i < 12; i++) {
      const partition = partitioner.partition('t', null, 8);
      sent.push(partition);
      partitioner.recordAppended('t', null, partition, 30);
    }
    // 30-byte records: the fourth reaches 120 >= 100 and the next record moves.
    expect(sent).toEqual([2, 2, 2, 2, 5, 5, 5, 5, 1, 1, 1, 1]);
  });

  test('keyed records do not count towards the sticky partition', () => {
    const partitioner = new BuiltInPartitioner({
      batchSize: 100,
      random: scriptedRandom([partitionForKey(KEY, 8), 6]),
    });
    const sticky = partitioner.partition('t', null, 8);
    expect(sticky).toBe(partitionForKey(KEY, 8));
    for (let i = 0; i < 10; i++) partitioner.recordAppended('t', KEY, sticky, 50);
    expect(partitioner.partition('t', null, 8)).toBe(sticky);
    partitioner.recordAppended('t', null, sticky, 100);
    expect(partitioner.partition('t', null, 8)).toBe(6);
  });

  test('topics stick independently', () => {
    const partitioner = new BuiltInPartitioner({ batchSize: 10, random: scriptedRandom([1, 2, 3]) });
    expect(partitioner.partition('a', null, 4)).toBe(1);
    expect(partitioner.partition('b', null, 4)).toBe(2);
    partitioner.recordAppended('a', null, 1, 10);
    expect(partitioner.partition('b', null, 4)).toBe(2);
    expect(partitioner.partition('a', null, 4)).toBe(3);
  });

  test('only available partitions are chosen; all partitions when none is available', () => {
    const partitioner = new BuiltInPartitioner({ batchSize: 1, random: seededRandom(11) });
    const available = [1, 4, 6];
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const partition = partitioner.partition('t', null, 8, available);
      seen.add(partition);
      partitioner.recordAppended('t', null, partition, 1);
    }
    expect([...seen].sort()).toEqual(available);
    const fallback = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const partition = partitioner.partition('t', null, 8, []);
      fallback.add(partition);
      partitioner.recordAppended('t', null, partition, 1);
    }
    expect(fallback.size).toBe(8);
  });

  test('spreads bytes evenly over partitions in the long run', () => {
    const partitioner = new BuiltInPartitioner({ batchSize: 1000, random: seededRandom(42) });
    const bytes = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const partition = partitioner.partition('t', null, 6);
      bytes[partition]! += 100;
      partitioner.recordAppended('t', null, partition, 100);
    }
    const mean = bytes.reduce((a, b) => a + b) / bytes.length;
    for (const b of bytes) expect(Math.abs(b - mean) / mean).toBeLessThan(0.1);
  });

  test('deterministic with an injected random source', () => {
    const run = (): number[] => {
      const partitioner = new BuiltInPartitioner({ batchSize: 64, random: seededRandom(99) });
      const out: number[] = [];
      for (let i = 0; i < 500; i++) {
        const partition = partitioner.partition('t', null, 16);
        out.push(partition);
        partitioner.recordAppended('t', null, partition, 1 + (i % 50));
      }
      return out;
    };
    expect(run()).toEqual(run());
  });

  test('an incomplete batch holds the switch back until it is full, up to 2 x batch.size', () => {
    let full = false;
    const partitioner = new BuiltInPartitioner({
      batchSize: 100,
      random: scriptedRandom([4, 7, 2]),
      allBatchesFull: () => full,
    });
    expect(partitioner.partition('t', null, 8)).toBe(4);
    partitioner.recordAppended('t', null, 4, 120);
    expect(partitioner.partition('t', null, 8)).toBe(4);
    full = true; // the batch filled up (or was sent): the held-back switch happens now
    expect(partitioner.partition('t', null, 8)).toBe(7);
    full = false;
    partitioner.recordAppended('t', null, 7, 150);
    expect(partitioner.partition('t', null, 8)).toBe(7);
    partitioner.recordAppended('t', null, 7, 50); // 200 = 2 x batch.size: switch regardless
    expect(partitioner.partition('t', null, 8)).toBe(2);
  });

  test('queue sizes weight the choice towards short queues', () => {
    // Queues 0 3 1 invert to 4 1 3: running sums 4 5 8 (BuiltInPartitioner's example).
    const draws = [0, 3, 4, 5, 7, 8, 12, 13];
    const partitioner = new BuiltInPartitioner({ batchSize: 1, random: scriptedRandom(draws) });
    partitioner.updatePartitionLoadStats('t', [0, 3, 1], [10, 11, 12], 3);
    const chosen = draws.map(() => {
      const partition = partitioner.partition('t', null, 3, [10, 11, 12]);
      partitioner.recordAppended('t', null, partition, 1);
      return partition;
    });
    // draw % 8: 0 3 4 5 7 0 4 5
    expect(chosen).toEqual([10, 10, 11, 12, 12, 10, 11, 12]);
  });

  test('equal queues on all partitions, or null sizes, mean a uniform choice among available ones', () => {
    const partitioner = new BuiltInPartitioner({ batchSize: 1, random: scriptedRandom([5]) });
    partitioner.updatePartitionLoadStats('t', [2, 2, 2], [0, 1, 2], 3);
    expect(partitioner.partition('t', null, 3, [0, 2])).toBe(2); // 5 % 2 = 1 -> available[1]
    partitioner.recordAppended('t', null, 2, 1);
    // Equal queues but a partition excluded: the stats stand, spread over the two left.
    partitioner.updatePartitionLoadStats('t', [2, 2], [0, 1], 3);
    expect(partitioner.partition('t', null, 3, [0, 1, 2])).toBe(1); // 5 % (1 + 1) = 1 -> partition 1
    partitioner.recordAppended('t', null, 1, 1);
    partitioner.updatePartitionLoadStats('t', null, [], 3);
    expect(partitioner.partition('t', null, 3)).toBe(2); // 5 % 3
  });

  test('bad options and arguments are typed errors', () => {
    expect(() => new BuiltInPartitioner({ batchSize: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
    );
    const partitioner = new BuiltInPartitioner({ batchSize: 10 });
    let error: unknown;
    try {
      partitioner.partition('t', null, 0);
    } catch (e) {
      error = e;
    }
    expect(isTributaryError(error, 'ERR_INVALID_PARTITIONS')).toBe(true);
    expect((error as TributaryError).kafka).toMatchObject({ code: 37, name: 'INVALID_PARTITIONS' });
    expect(() => partitioner.updatePartitionLoadStats('t', [1, 2], [0], 2)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_PARTITIONS' }),
    );
  });
});
