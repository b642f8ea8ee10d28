/**
 * crc32c: GB/s of the addon's CRC32C on one 16 MiB buffer and on 4 KiB buffers.
 *
 * - subject: the path this process uses, the fastest the CPU runs ('avx512', 'sse4.2',
 *   'armv8'; its name is in the case);
 * - baselines, one per other path the CPU runs ('sse4.2', 'portable', ...): the same calls
 *   in a child process started with TRIBUTARY_CRC32C=<path> (checked: its
 *   crc32cImplementation() must say so). Each child is driven over IPC one trial at a
 *   time, so its trials interleave with ours;
 * - baseline "Buffer.copy" (16 MiB only): copying the buffer into another, the target's
 *   yardstick (issue 22: >= 1.5x where VPCLMULQDQ exists, >= 1x elsewhere);
 * - baseline "zlib.crc32": Node's built-in CRC-32 (IEEE polynomial, not Castagnoli),
 *   the nearest thing Node offers, when this Node has it (20.15+).
 *
 * Every trial is a Benchmark.js run (bench/micro.ts), which calibrates each contender's
 * iteration count itself; rates are per trial, so the counts need not match.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32cImplementation, crc32cImplementations } from '../../src/index.js';
import {
  compare,
  gigabytesPerSecond,
  log,
  roundsFor,
  toRow,
  type Contender,
  type ResultRow,
  type Sample,
  type SuiteContext,
} from '../harness.js';
import { microOptions, type MicroOptions } from '../micro.js';
import {
  bufferCopyTrial,
  crc32cTrial,
  crcData,
  crcSink,
  zlibCrc32,
  zlibCrc32Trial,
  type CrcCase,
  type FromChild,
  type ToChild,
} from './crc32cWork.js';

const SUITE = 'crc32c';
const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'crc32cChild.js');

/** A child on another path: one request, one reply, strictly in turn. */
class PathChild {
  private constructor(
    private readonly child: ChildProcess,
    readonly implementation: string,
  ) {}

  static async start(path: string): Promise<PathChild> {
    const child = fork(CHILD, [], {
      env: { ...process.env, TRIBUTARY_CRC32C: path },
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await PathChild.next(child);
    if (ready.op !== 'ready') throw new Error(`crc32c child: unexpected first message ${JSON.stringify(ready)}`);
    if (ready.implementation !== path) throw new Error(`crc32c child: asked for ${path}, runs ${ready.implementation}`);
    return new PathChild(child, ready.implementation);
  }

  private static next(child: ChildProcess): Promise<FromChild> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromChild): void => {
        cleanup();
        if (message.op === 'error') reject(new Error(`crc32c child: ${message.message}`));
        else resolve(message);
      };
      const onExit = (code: number | null, signal: string | null): void => {
        cleanup();
        reject(new Error(`crc32c child exited (code ${code}, signal ${signal})`));
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const cleanup = (): void => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.on('error', onError);
    });
  }

  async request(message: ToChild): Promise<FromChild> {
    const reply = PathChild.next(this.child);
    this.child.send(message);
    return reply;
  }

  async trial(kind: CrcCase, options: MicroOptions): Promise<Sample> {
    const reply = await this.request({ op: 'trial', kind, options });
    if (reply.op !== 'sample') throw new Error(`crc32c child: unexpected reply ${JSON.stringify(reply)}`);
    return reply.sample;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.send({ op: 'exit' } satisfies ToChild);
    const timer = setTimeout(() => this.child.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** The 16 MiB target against Buffer.copy (issue 22): 1.5x where VPCLMULQDQ folds, 1x on other hardware paths. */
function copyTarget(implementation: string): number | undefined {
  if (implementation === 'avx512') return 1.5;
  return implementation === 'portable' ? undefined : 1;
}

export async function runCrc32cSuite(ctx: SuiteContext): Promise<ResultRow[]> {
  const rounds = roundsFor(ctx, 'micro');
  const options = microOptions(ctx);
  const implementation = crc32cImplementation();
  const data = crcData();
  if (process.env.TRIBUTARY_CRC32C !== undefined)
    ctx.notes.push(`crc32c: TRIBUTARY_CRC32C is set; this process runs '${implementation}', not the fastest path.`);
  if (zlibCrc32 === null)
    ctx.notes.push(
      `crc32c: zlib.crc32 is missing in Node ${process.version} (needs 20.15+); that baseline is skipped.`,
    );

  const children: PathChild[] = [];
  const rows: ResultRow[] = [];
  try {
    for (const path of crc32cImplementations().filter((p) => p !== implementation))
      children.push(await PathChild.start(path));
    for (const kind of ['large', 'small'] as const) {
      const label = kind === 'large' ? '16 MiB buffer' : '4 KiB buffers';
      log(`${SUITE}: ${label}`);
      const baselines: Contender[] = [];
      const names: string[] = [];
      const targets: (number | undefined)[] = [];
      for (const child of children) {
        baselines.push({ name: child.implementation, trial: () => child.trial(kind, options) });
        names.push(`${child.implementation} crc32c (child, TRIBUTARY_CRC32C=${child.implementation})`);
        targets.push(undefined);
      }
      if (kind === 'large') {
        baselines.push({ name: 'Buffer.copy', trial: bufferCopyTrial(data, options) });
        names.push('Buffer.copy of the same 16 MiB');
        targets.push(copyTarget(implementation));
      }
      if (zlibCrc32 !== null) {
        baselines.push({ name: 'zlib.crc32', trial: zlibCrc32Trial(data, kind, options) });
        names.push('zlib.crc32 (CRC-32/IEEE)');
        targets.push(undefined);
      }
      const comparison = await compare({
        ...rounds,
        rate: gigabytesPerSecond,
        subject: { name: `crc32c ${implementation}`, trial: crc32cTrial(data, kind, options) },
        baselines,
      });
      names.forEach((baseline, i) => {
        const spec = {
          suite: SUITE,
          case: `${label}, ${implementation}`,
          metric: 'throughput',
          unit: 'GB/s',
          baseline,
        };
        const target = targets[i];
        rows.push(toRow(target === undefined ? spec : { ...spec, target }, comparison, i));
      });
    }
  } finally {
    for (const child of children) await child.stop();
  }
  if (crcSink() === 0x7fffffff) log('(sink hit)');
  return rows;
}
