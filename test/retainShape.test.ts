/**
 * The hot classes keep their V8 shapes through a full GC that finds none of their
 * instances alive (src/retainShape.ts): a child process produces and consumes until the
 * record path is optimized, drops every record, forces a GC, and reads V8's deopt trace.
 * A probe class of its own, not retained, is the control: the same GC must throw away
 * code optimized for it, or the trace says nothing and the test proves nothing.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from './interop/support.js';
import { tempDir } from './helpers/tmp.js';

const CHILD = `
import { Tributary } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'index.js'))};
const t = await Tributary.open({ dataDir: process.argv[2] });
await t.admin.createTopic('t', { partitions: 1 });
const producer = t.producer({ lingerMs: 0, durability: 'never' });
class Probe { constructor(i) { this.a = i; this.b = i + 1; } }
let probe = null;
function probeLoop() { let sum = 0; for (let i = 0; i < 10000; i++) { probe = new Probe(i); sum += probe.a + probe.b; } probe = null; return sum; }
let sink = 0;
async function round() {
  await producer.send('t', Array.from({ length: 1000 }, (_, i) => ({ key: 'k' + i, value: Buffer.alloc(100, i), partition: 0 })));
  const end = (await t.admin.describeTopic('t')).partitions[0].logEndOffset;
  const consumer = t.consumer();
  consumer.assign([{ topic: 't', partition: 0, offset: Math.max(0, end - 5000) }]);
  for await (const batch of consumer.batches()) {
    for (const r of batch.records) sink ^= r.key[0] + r.value[99];
    if (batch.records.at(-1).offset + 1 >= end) break;
  }
  await consumer.close();
  sink ^= probeLoop();
}
for (let i = 0; i < 30; i++) await round();
console.log('FULL GC');
globalThis.gc();
await round();
await t.close();
`;

/** Names of the functions whose optimized code the GC threw away because an object it relied on died. */
function deoptimizedByGc(trace: string): string[] {
  const afterGc = trace.slice(trace.indexOf('FULL GC'));
  return [...afterGc.matchAll(/<SharedFunctionInfo ([^>]*)>[^\n]*reason: weak objects/g)].map((m) => m[1]!);
}

/** Runs the child once: the functions the full GC threw away, or the child's failure. */
function traceOneRun(dir: string, attempt: number): string[] {
  const script = join(dir, `child-${attempt}.mjs`);
  writeFileSync(script, CHILD);
  // --no-concurrent-recompilation: optimized code is made on the main thread as soon as V8
  // decides to, not left waiting for a background compile when the GC comes.
  const flags = ['--expose-gc', '--trace-deopt', '--no-concurrent-recompilation'];
  const child = spawnSync(process.execPath, [...flags, script, join(dir, `data-${attempt}`)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  expect(child.status, child.stderr).toBe(0);
  return deoptimizedByGc(child.stdout);
}

/** V8 may have inlined the probe's constructor or loop into their callers: any of them will do. */
const controlThrownAway = (names: string[]): boolean =>
  names.some((name) => ['Probe', 'probeLoop', 'round'].includes(name));

/** The record path's functions: none may lose its optimized code to the GC. */
const HOT_PATH = [
  'varint',
  'readVarint',
  'fieldLength',
  'take',
  'reserve',
  'hasRoomFor',
  'estimatedSize',
  'get key',
  'get value',
];

test('record cursors, records and producer batches keep their optimized code through a full GC', (ctx) => {
  const dir = tempDir();
  // A run whose control shows nothing thrown away proves nothing (once in a whole loaded
  // suite in CI, V8 kept no code for the probe): it is run again, up to three times in all.
  // A hot-path function thrown away in any run, the control's or not, fails the test.
  const thrownAway: string[] = [];
  for (let attempt = 0; attempt < 3 && !controlThrownAway(thrownAway); attempt++)
    thrownAway.push(...traceOneRun(dir, attempt));
  expect(thrownAway.filter((name) => HOT_PATH.includes(name))).toEqual([]);
  // Since the log reads the active segment through views of their own bytes (fewer full GCs
  // before the forced one), a fresh clone's runs kept the probe's code through the GC in 3
  // runs of 4 while a working tree's threw it away: the control is not deterministic, and a
  // run it does not vouch for is reported skipped, not passed.
  if (!controlThrownAway(thrownAway))
    ctx.skip('inconclusive: the control (code optimized for the probe) was not thrown away by the GC in 3 runs');
}, 120_000);
