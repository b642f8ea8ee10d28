/**
 * bench/results/report.html: the run's figures as charts (Chart.js, inlined so the page
 * works offline) and the full table. Built from the same object as latest.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Disk } from './disk.js';
import type { Machine, ResultRow } from './harness.js';

export interface BenchReport {
  date: string;
  mode: string;
  suites: readonly string[];
  machine: Machine & Record<string, unknown>;
  notes: string[];
  results: ResultRow[];
}

/** One line (or group of bars) in a chart. */
interface Series {
  label: string;
  data: (number | null)[];
}

interface ChartSpec {
  title: string;
  type: 'line' | 'bar';
  labels: string[];
  series: Series[];
  yTitle: string;
  logScale: boolean;
}

const SIZE = /(\d+)\s*(B|KiB|MiB)\b/;
const CODEC = /\b(gzip|snappy|lz4|zstd)\b/;
const UNIT_BYTES: Readonly<Record<string, number>> = { B: 1, KiB: 1024, MiB: 1024 * 1024 };

function recordBytes(caseName: string): number | undefined {
  const match = SIZE.exec(caseName);
  return match === null ? undefined : Number(match[1]) * UNIT_BYTES[match[2]!]!;
}

function sizeLabel(bytes: number): string {
  if (bytes >= UNIT_BYTES.MiB! && bytes % UNIT_BYTES.MiB! === 0) return `${bytes / UNIT_BYTES.MiB!} MiB`;
  if (bytes >= UNIT_BYTES.KiB! && bytes % UNIT_BYTES.KiB! === 0) return `${bytes / UNIT_BYTES.KiB!} KiB`;
  return `${bytes} B`;
}

/** Adds `value` at (series `label`, x index `at`) of the series list. */
function put(series: Series[], label: string, length: number, at: number, value: number): void {
  let s = series.find((x) => x.label === label);
  if (s === undefined) {
    s = { label, data: new Array<number | null>(length).fill(null) };
    series.push(s);
  }
  s.data[at] = value;
}

/** The embedded cases whose subject is tributary (the batch floor's row has the floor as its subject). */
const OPERATION = /^(append|scan),/;

/**
 * Embedded throughput against record size, tributary next to each peer, one chart per
 * operation (append, scan); uncompressed cases only, since the peers store plain bytes.
 */
function throughputBySize(rows: ResultRow[]): ChartSpec[] {
  const embedded = rows.filter(
    (r) => r.suite === 'embedded' && OPERATION.test(r.case) && !CODEC.test(r.case) && recordBytes(r.case) !== undefined,
  );
  const operations = [...new Set(embedded.map((r) => r.case.split(/[ ,]/)[0]!))];
  return operations.map((operation) => {
    const ofOperation = embedded.filter((r) => r.case.split(/[ ,]/)[0] === operation);
    const sizes = [...new Set(ofOperation.map((r) => recordBytes(r.case)!))].sort((a, b) => a - b);
    const series: Series[] = [];
    for (const row of ofOperation) {
      const at = sizes.indexOf(recordBytes(row.case)!);
      put(series, 'tributary', sizes.length, at, row.value);
      put(series, row.baseline, sizes.length, at, row.baselineValue);
    }
    return {
      title: `embedded ${operation}: throughput vs record size`,
      type: 'line',
      labels: sizes.map(sizeLabel),
      series,
      yTitle: ofOperation[0]!.unit,
      logScale: true,
    };
  });
}

/** End-to-end latency percentiles of the broker, tributary next to each baseline. */
function latencyPercentiles(rows: ResultRow[]): ChartSpec[] {
  const latency = rows.filter((r) => / latency$/.test(r.metric));
  if (latency.length === 0) return [];
  const percentiles = [...new Set(latency.map((r) => r.metric.replace(/ latency$/, '')))];
  const series: Series[] = [];
  for (const row of latency) {
    const at = percentiles.indexOf(row.metric.replace(/ latency$/, ''));
    put(series, 'tributary', percentiles.length, at, row.value);
    put(series, row.baseline, percentiles.length, at, row.baselineValue);
  }
  return [
    {
      title: `end-to-end latency (${latency[0]!.case})`,
      type: 'bar',
      labels: percentiles,
      series,
      yTitle: latency[0]!.unit,
      logScale: true,
    },
  ];
}

/** Every row's ratio to its baseline, one bar each: the overview of where we stand. */
function ratios(rows: ResultRow[]): ChartSpec {
  return {
    title: 'ratio to baseline (higher is better; dashed: target)',
    type: 'bar',
    labels: rows.map((r) => `${r.suite}: ${r.case} [${r.metric}] vs ${r.baseline}`),
    series: [
      { label: 'ratio', data: rows.map((r) => r.ratio) },
      { label: 'target', data: rows.map((r) => r.target ?? null) },
    ],
    yTitle: 'x baseline',
    logScale: true,
  };
}

function diskLabel(disk: Disk): string {
  const kind = disk.rotational === undefined ? '' : disk.rotational ? ' (rotational)' : ' (non-rotational)';
  return `${disk.path} on ${disk.filesystem ?? '?'} ${disk.device ?? '?'}${kind}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function tableHtml(rows: ResultRow[]): string {
  const head = [
    'suite',
    'case',
    'metric',
    'unit',
    'value',
    'baseline',
    'baseline value',
    'ratio',
    'ratio range',
    'target',
  ];
  const cells = (r: ResultRow): string[] => [
    r.suite,
    r.case,
    r.metric,
    r.unit,
    String(r.value),
    r.baseline,
    String(r.baselineValue),
    `${r.ratio}x`,
    `${r.ratioRange[0]}-${r.ratioRange[1]}`,
    r.target === undefined ? '' : `>= ${r.target}x ${r.ratio >= r.target ? 'ok' : 'MISS'}`,
  ];
  const row = (values: string[], tag: string): string =>
    `<tr>${values.map((v) => `<${tag}>${escapeHtml(v)}</${tag}>`).join('')}</tr>`;
  return `<table>${row(head, 'th')}${rows.map((r) => row(cells(r), 'td')).join('')}</table>`;
}

function chartLibrary(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8').replaceAll(
    '</script',
    '<\\/script',
  );
}

/** Draws each spec on its canvas; runs in the page. */
const DRAW = `
for (const [i, spec] of SPECS.entries()) {
  const horizontal = spec.labels.length > 12;
  const canvas = document.getElementById('chart' + i);
  if (horizontal) canvas.parentElement.style.height = (spec.labels.length * 16 + 80) + 'px';
  const valueAxis = { type: spec.logScale ? 'logarithmic' : 'linear', title: { display: true, text: spec.yTitle } };
  new Chart(canvas, {
    type: spec.type,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s) => s.label === 'target'
        ? { type: 'line', label: s.label, data: s.data, borderDash: [4, 4], pointStyle: 'line', showLine: false, pointRadius: 6 }
        : { label: s.label, data: s.data, spanGaps: true }),
    },
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      maintainAspectRatio: false,
      animation: false,
      plugins: { title: { display: true, text: spec.title } },
      scales: horizontal ? { x: valueAxis, y: { ticks: { autoSkip: false, font: { size: 10 } } } } : { y: valueAxis },
    },
  });
}`;

export function renderReport(report: BenchReport): string {
  const specs = [...throughputBySize(report.results), ...latencyPercentiles(report.results), ratios(report.results)];
  const m = report.machine;
  const canvases = specs.map((_, i) => `<div class="chart"><canvas id="chart${i}"></canvas></div>`).join('\n');
  const notes = report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>tributary bench ${escapeHtml(report.date)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; }
.chart { position: relative; height: 360px; max-width: 1100px; margin-bottom: 2em; }
table { border-collapse: collapse; font-size: 12px; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
</style>
<script>${chartLibrary()}</script>
</head><body>
<h1>tributary benchmarks</h1>
<p>${escapeHtml(report.mode)} run, ${escapeHtml(report.date)}: ${escapeHtml(m.cpuModel)}, ${m.cores} cores, Node ${escapeHtml(m.nodeVersion)}, ${escapeHtml(m.platform)}-${escapeHtml(m.arch)}, ${escapeHtml(diskLabel(m.disk))}.
Every ratio is tributary over a baseline measured in the same run, round by round.</p>
${notes === '' ? '' : `<ul>${notes}</ul>`}
${canvases}
${tableHtml(report.results)}
<script>const SPECS = ${JSON.stringify(specs).replaceAll('<', '\\u003c')};${DRAW}</script>
</body></html>
`;
}

export function writeReport(report: BenchReport, path: string): void {
  writeFileSync(path, renderReport(report));
}
