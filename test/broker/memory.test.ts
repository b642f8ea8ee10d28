/**
 * The broker's memory under 100 slow senders of large frames, measured as the process's RSS
 * (/proc/PID/status VmRSS) of `tributary serve` (the built dist/: run `npx tsc -p
 * tsconfig.build.json` first) at its defaults. Each sender declares a 100 MiB frame and
 * trickles several MiB of it: queued.max.request.bytes (256 MiB) admits two such frames, the
 * others wait unread, so RSS stays within a bound far below what 100 partial frames would take
 * (on the broker before the pool: ~400 MiB for 4 MiB each). Closed, the partial frames go back
 * to the system at the next full GC (the test asks for one with SIGUSR2: the broker runs with
 * --expose-gc); kept as the socket's small reads they stayed resident even after a GC.
 * TRIBUTARY_STRESS=1 sends 16 MiB each.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../interop/support.js';
import { tempDir } from '../helpers/tmp.js';

const MiB = 1024 * 1024;
const SENDERS = 100;
const SENT_EACH = (process.env.TRIBUTARY_STRESS === '1' ? 16 : 4) * MiB;
/** Two admitted frames' bytes, plus room for the process's own churn. */
const PEAK_BOUND = 2 * SENT_EACH + 64 * MiB;
const RELEASED_BOUND = 40 * MiB;

const sockets: Socket[] = [];
const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

async function serveWithGc(): Promise<{ pid: number; port: number }> {
  const preload = "data:text/javascript,process.on('SIGUSR2',()=>globalThis.gc())";
  const main = join(REPO_ROOT, 'dist', 'cli', 'main.js');
  const child = spawn(process.execPath, [
    '--expose-gc',
    '--import',
    preload,
    main,
    'serve',
    '--data-dir',
    tempDir(),
    '--port',
    '0',
  ]);
  children.push(child);
  const first = String((await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next()).value);
  return { pid: child.pid!, port: Number(/listening on 127\.0\.0\.1:(\d+)/.exec(first)![1]) };
}

/** Declares a 100 MiB frame and sends SENT_EACH bytes of it, 64 KiB every 5 ms, as long as the broker reads. */
function slowSender(port: number): void {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => {});
  const size = Buffer.alloc(4);
  size.writeInt32BE(100 * MiB);
  socket.write(size);
  const piece = Buffer.alloc(64 * 1024, 7);
  let sent = 0;
  const timer = setInterval(() => {
    if (sent >= SENT_EACH || socket.destroyed) return clearInterval(timer);
    if (socket.writableNeedDrain) return;
    socket.write(piece);
    sent += piece.length;
  }, 5);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('broker memory under slow senders of large frames', () => {
  it(`keeps RSS within ${PEAK_BOUND / MiB} MiB of its start with ${SENDERS} senders, and releases it once they close`, async () => {
    const { pid, port } = await serveWithGc();
    await sleep(300);
    const base = rss(pid);
    for (let i = 0; i < SENDERS; i++) slowSender(port);
    let peak = 0;
    const until = Date.now() + (SENT_EACH / (64 * 1024)) * 5 + 1500;
    while (Date.now() < until) {
      peak = Math.max(peak, rss(pid));
      await sleep(100);
    }
    expect(peak - base).toBeLessThan(PEAK_BOUND);
    for (const s of sockets.splice(0)) s.destroy();
    await sleep(300);
    process.kill(pid, 'SIGUSR2');
    await sleep(500);
    expect(rss(pid) - base).toBeLessThan(RELEASED_BOUND);
  });
});
