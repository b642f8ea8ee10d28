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

export { Rng } from '../helpers/random.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The interpreter that has python3-kafka (kafka-python 2.0.2) installed. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** An environment for the system Python that pyenv or a virtualenv cannot redirect. */
export function pythonEnv(): NodeJS.ProcessEnv {
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
    throw new Error(`${SYSTEM_PYTHON} ${name} failed: ${e.message}\n${e.stderr ?? ''}`, { cause: error });
  }
  return JSON.parse(stdout) as T;
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
