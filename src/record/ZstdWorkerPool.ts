/**
 * zstd off the main thread on runtimes without node:zlib's zstd (before Node 22.15):
 * zstd-napi is synchronous, so a few worker threads run ZstdKernel. Inputs are copied
 * into a fresh ArrayBuffer and transferred (a view may sit in a larger or mapped
 * buffer); outputs come back transferred. Workers keep the process alive only while
 * they have jobs.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TributaryError } from '../errors.js';
import { zstdBindingPath } from './CodecLibraries.js';
import { zstdKernel, type ZstdKernelError } from './ZstdKernel.js';

type Op = 'compress' | 'decompress';

interface Job {
  resolve(value: Buffer): void;
  reject(error: unknown): void;
}

type Reply =
  { id: number; result: Uint8Array } | { id: number; error: Pick<ZstdKernelError, 'kind' | 'size' | 'message'> };

function workerSource(bindingPath: string): string {
  return `
const { parentPort } = require('node:worker_threads');
const kernel = (${zstdKernel.toString()})(require(${JSON.stringify(bindingPath)}));
parentPort.on('message', ({ id, op, data, arg }) => {
  try {
    const result = op === 'compress' ? kernel.compress(data, arg) : kernel.decompress(data, arg);
    const whole = result.byteOffset === 0 && result.byteLength === result.buffer.byteLength ? result : new Uint8Array(result);
    parentPort.postMessage({ id, result: whole }, [whole.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: { kind: error.kind, size: error.size, message: String(error && error.message) } });
  }
});`;
}

class PooledWorker {
  readonly jobs = new Map<number, Job>();
  private readonly worker: Worker;

  constructor(source: string, onExit: (self: PooledWorker) => void) {
    this.worker = new Worker(source, { eval: true });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    const fail = (error: unknown): void => {
      onExit(this);
      const reason = new TributaryError(
        `zstd worker stopped: ${error instanceof Error ? error.message : String(error)}`,
        'ERR_CODEC_UNAVAILABLE',
      );
      for (const job of this.jobs.values()) job.reject(reason);
      this.jobs.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  }

  run(id: number, op: Op, data: Uint8Array, arg: number, job: Job): void {
    if (this.jobs.size === 0) this.worker.ref();
    this.jobs.set(id, job);
    const copy = new Uint8Array(data);
    this.worker.postMessage({ id, op, data: copy, arg }, [copy.buffer]);
  }

  private settle(reply: Reply): void {
    const job = this.jobs.get(reply.id);
    if (job === undefined) return;
    this.jobs.delete(reply.id);
    if (this.jobs.size === 0) this.worker.unref();
    if ('result' in reply)
      job.resolve(Buffer.from(reply.result.buffer, reply.result.byteOffset, reply.result.byteLength));
    else job.reject(Object.assign(new Error(reply.error.message), reply.error));
  }
}

export class ZstdWorkerPool {
  private readonly workers: PooledWorker[] = [];
  private nextId = 0;
  private source: string | undefined;

  constructor(private readonly size = Math.max(1, Math.min(4, availableParallelism()))) {}

  /** Resolves with the kernel's result; rejects with its tagged error. */
  run(op: Op, data: Uint8Array, arg: number): Promise<Buffer> {
    return new Promise((resolve, reject) => this.leastBusy().run(this.nextId++, op, data, arg, { resolve, reject }));
  }

  private leastBusy(): PooledWorker {
    const idle = this.workers.find((w) => w.jobs.size === 0);
    if (idle !== undefined) return idle;
    if (this.workers.length < this.size) {
      this.source ??= workerSource(zstdBindingPath());
      const worker = new PooledWorker(this.source, (gone) => this.forget(gone));
      this.workers.push(worker);
      return worker;
    }
    return this.workers.reduce((best, w) => (w.jobs.size < best.jobs.size ? w : best));
  }

  private forget(gone: PooledWorker): void {
    const index = this.workers.indexOf(gone);
    if (index >= 0) this.workers.splice(index, 1);
  }
}
