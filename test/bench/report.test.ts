/**
 * The HTML report: its charts are drawn by the real Chart.js inlined in the page, run
 * here in a VM whose canvases record nothing (there is no browser on the test machines),
 * so a chart spec Chart.js rejects fails the test.
 */
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../../bench/harness.js';
import { renderReport, type BenchReport } from '../../bench/report.js';

function row(
  suite: string,
  caseName: string,
  metric: string,
  baseline: string,
  value: number,
  baselineValue: number,
  target?: number,
): ResultRow {
  const ratio = value / baselineValue;
  return {
    suite,
    case: caseName,
    metric,
    unit: metric.endsWith('latency') ? 'ms' : 'records/s',
    value,
    baseline,
    baselineValue,
    ratio,
    ratioRange: [ratio, ratio],
    trials: 1,
    ...(target === undefined ? {} : { target }),
  };
}

const REPORT: BenchReport = {
  date: '2026-11-25T00:00:00.000Z',
  mode: 'quick',
  suites: ['embedded', 'broker'],
  machine: {
    cpuModel: 'test <cpu>',
    cores: 2,
    nodeVersion: 'v20',
    platform: 'linux',
    arch: 'x64',
    kernel: '6',
    totalMemoryGiB: 1,
    disk: { path: '/tmp', filesystem: 'ext4', device: '/dev/vda' },
  },
  notes: ['a note with </script> in it'],
  results: [
    row('embedded', 'append, 50k records, 100 B values', 'records', 'lmdb', 500, 300, 3),
    row('embedded', 'append, 50k records, 100 B values', 'records', 'better-sqlite3', 500, 200, 3),
    row('embedded', 'append, 20k records, 1 KiB values', 'records', 'lmdb', 300, 200),
    // The floor is this row's subject, not tributary: it must stay out of tributary's series.
    row(
      'embedded',
      'batch floor vs plain write, 20k records, 1 KiB values',
      'records',
      'fs.writeSync of the key+value bytes',
      900,
      2000,
    ),
    row('embedded', 'append, 2k records, 16 KiB values', 'records', 'lmdb', 50, 40),
    row('embedded', 'append, zstd, 20k records, 1 KiB values', 'records', 'lmdb', 100, 200),
    row('embedded', 'scan, 50k records, 100 B values', 'records', 'lmdb', 900, 700),
    row('broker', 'end-to-end latency', 'p50 latency', 'mock cluster', 1, 50),
    row('broker', 'end-to-end latency', 'p99.9 latency', 'mock cluster', 30, 110),
  ],
};

interface DrawnChart {
  options: { plugins: { title: { text: string } } };
  data: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] };
}

/** Runs the page's scripts with stand-in canvases; returns the Chart instances made. */
function drawCharts(html: string): DrawnChart[] {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const context2d: object = new Proxy(
    {},
    {
      get: (target: Record<string | symbol, unknown>, key) =>
        key === 'measureText'
          ? () => ({ width: 10, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 })
          : key in target
            ? target[key]
            : () => undefined,
    },
  );
  const canvas = (): object => ({
    width: 1000,
    height: 400,
    style: {},
    parentElement: { style: {} },
    getContext: () => context2d,
  });
  const sandbox = vm.createContext({ document: { getElementById: canvas } });
  for (const script of scripts) vm.runInContext(script, sandbox);
  return Object.values((sandbox as { Chart: { instances: Record<string, DrawnChart> } }).Chart.instances);
}

describe('bench HTML report', () => {
  it('draws throughput vs record size per peer, latency percentiles and the ratios with Chart.js', () => {
    const html = renderReport(REPORT);
    const charts = drawCharts(html);
    const byTitle = new Map(charts.map((c) => [c.options.plugins.title.text, c]));
    const append = byTitle.get('embedded append: throughput vs record size')!;
    expect(append.data.labels).toEqual(['100 B', '1 KiB', '16 KiB']);
    expect(append.data.datasets.map((d) => [d.label, d.data])).toEqual([
      ['tributary', [500, 300, 50]],
      ['lmdb', [300, 200, 40]],
      ['better-sqlite3', [200, null, null]],
    ]);
    expect(byTitle.get('embedded scan: throughput vs record size')!.data.labels).toEqual(['100 B']);
    expect([...byTitle.keys()].filter((title) => title.startsWith('embedded '))).toEqual([
      'embedded append: throughput vs record size',
      'embedded scan: throughput vs record size',
    ]);
    const latency = charts.find((c) => c.options.plugins.title.text.startsWith('end-to-end latency'))!;
    expect(latency.data.labels).toEqual(['p50', 'p99.9']);
    expect(latency.data.datasets.map((d) => [d.label, d.data])).toEqual([
      ['tributary', [1, 30]],
      ['mock cluster', [50, 110]],
    ]);
    const ratios = byTitle.get('ratio to baseline (higher is better; dashed: target)')!;
    expect(ratios.data.labels).toHaveLength(REPORT.results.length);
    expect(ratios.data.datasets[1]!.data.slice(0, 3)).toEqual([3, 3, null]);
  });

  it('is one self-contained page: the chart library inline, text escaped, every row in the table', () => {
    const html = renderReport(REPORT);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html).toContain('test &#60;cpu&#62;');
    expect(html).toContain('a note with &#60;/script&#62; in it');
    expect(html.match(/<tr>/g)).toHaveLength(REPORT.results.length + 1);
  });
});
