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

test('record cursors, records and producer batches keep their optimized code through a full GC', () => {
  const dir = tempDir();
  const script = join(dir, 'child.mjs');
  writeFileSync(script, CHILD);
  const child = spawnSync(process.execPath, ['--expose-gc', '--trace-deopt', script, join(dir, 'data')], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  expect(child.status, child.stderr).toBe(0);
  const thrownAway = deoptimizedByGc(child.stdout);
  // V8 may have inlined the probe's constructor or loop into their callers: any of them will do.
  expect(thrownAway.filter((name) => ['Probe', 'probeLoop', 'round'].includes(name))).not.toEqual([]);
  const hotPath = [
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
  expect(thrownAway.filter((name) => hotPath.includes(name))).toEqual([]);
}, 60_000);
