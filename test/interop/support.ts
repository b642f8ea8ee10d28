/**
 * Shared pieces of the interop tests: running Debian's kafka-python (the system
 * /usr/bin/python3, not whatever python3 is first on PATH), a seeded random source so a
 * failure can be replayed, and small RecordBatch v2 helpers.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The interpreter that has python3-kafka (kafka-python 2.0.2) installed. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** An environment for the system Python that pyenv or a virtualenv cannot redirect. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };
  for (const name of ['PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP', 'VIRTUAL_ENV', 'PYENV_VERSION']) delete env[name];
  return env;
}

/**
 * Writes `source` to `<dir>/<name>` and runs it with the system Python; its stdout must
 * be one JSON document, which is returned parsed. Inputs go through files named in `args`.
 */
export function runPython<T>(dir: string, name: string, source: string, args: string[] = []): T {
  const script = join(dir, name);
  writeFileSync(script, source);
  let stdout: string;
  try {
    stdout = execFileSync(SYSTEM_PYTHON, [script, ...args], {
      env: pythonEnv(),
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${SYSTEM_PYTHON} ${name} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
  return JSON.parse(stdout) as T;
}

/** A small seeded generator (xorshift32): the same seed gives the same test data. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }

  /** Integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    const span = hi - lo + 1;
    if (span <= 0x1_0000_0000) return lo + (this.u32() % span);
    return lo + Math.floor((this.u32() * 0x1_0000_0000 + this.u32()) % span);
  }

  /** True with probability 1/n. */
  oneIn(n: number): boolean {
    return this.u32() % n === 0;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let i = 0;
    for (; i + 4 <= length; i += 4) out.writeUInt32LE(this.u32(), i);
    for (; i < length; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** The seed for a test: INTEROP_SEED when set (to replay a failure), else a fixed one. */
export function testSeed(fallback: number): number {
  const fromEnv = process.env.INTEROP_SEED;
  return fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) >>> 0 : fallback;
}

/** RecordBatch v2 field positions. */
export const BATCH = BatchHeader;

/** Splits back-to-back batches by their batchLength fields; throws on a torn tail. */
export function splitBatches(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < BATCH.logOverhead) throw new Error(`torn batch header at ${pos}`);
    const size = BATCH.logOverhead + bytes.readInt32BE(pos + BATCH.batchLength);
    if (pos + size > bytes.length) throw new Error(`torn batch at ${pos}: ${size} bytes, ${bytes.length - pos} left`);
    out.push(bytes.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

export const hexOrNull = (b: Buffer | null | undefined): string | null => (b == null ? null : b.toString('hex'));
