/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, e.g. the brokers' under
 * BENCH_BROKER_PROFILE): the functions with the most self time and the most inclusive
 * time, as shares of the sampled wall time ((idle) is time the event loop waited).
 *
 *   node .bench-build/bench/cpuProfileSummary.js FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const frameName = (n: ProfileNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;

function add(totals: Map<string, number>, key: string, us: number): void {
  totals.set(key, (totals.get(key) ?? 0) + us);
}

function summarize(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const selfTotals = new Map<string, number>();
  const inclusiveTotals = new Map<string, number>();
  let wall = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    wall += us;
    add(selfTotals, frameName(byId.get(id)!), us);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at))
      onStack.add(frameName(byId.get(at)!));
    for (const name of onStack) add(inclusiveTotals, name, us);
  });
  const table = (totals: Map<string, number>): string[] =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `${((100 * us) / wall).toFixed(1).padStart(5)}%  ${name}`);
  return [
    `${(wall / 1e6).toFixed(2)} s sampled`,
    '-- self',
    ...table(selfTotals),
    '-- inclusive',
    ...table(inclusiveTotals),
  ].join('\n');
}

const [file, top] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: node cpuProfileSummary.js FILE.cpuprofile [TOP]');
process.stdout.write(`${summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(top ?? 25))}\n`);
