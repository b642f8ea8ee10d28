/**
 * Runs the compiled bench (bench/run.ts) in smoke mode into a temporary JSON file and
 * checks that file against the schema bench/README.md documents.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Compiles src/ and bench/ into .bench-build/ (what `npm run bench` does first). */
export function compileBench(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.bench.json', '--incremental', '--tsBuildInfoFile', '.bench-build/tsbuildinfo'],
    { cwd: PROJECT_ROOT, stdio: 'pipe' },
  );
}

/**
 * Runs `run.js --quick --smoke --suite <suites> --out FILE` (which must exit 0); returns
 * the parsed JSON and the HTML report written beside it.
 */
export function runSmoke(suites: string[]): { report: unknown; html: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-test-'));
  try {
    const out = join(dir, 'results.json');
    execFileSync(
      process.execPath,
      [
        '--expose-gc',
        join('.bench-build', 'bench', 'run.js'),
        '--quick',
        '--smoke',
        '--suite',
        suites.join(','),
        '--out',
        out,
      ],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return {
      report: JSON.parse(readFileSync(out, 'utf8')) as unknown,
      html: readFileSync(join(dir, 'report.html'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.trim().length > 0;
const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** toPrecision(4) rounding on every figure: the median may sit a rounding step outside the rounded range. */
const within = (x: number, [low, high]: [number, number]): boolean => x >= low * (1 - 1e-3) && x <= high * (1 + 1e-3);

function rowProblems(row: unknown, suites: string[]): string[] {
  if (!isObject(row)) return ['not an object'];
  const problems: string[] = [];
  for (const key of ['suite', 'case', 'metric', 'unit', 'baseline'])
    if (!nonEmpty(row[key])) problems.push(`${key} is not a non-empty string`);
  for (const key of ['value', 'baselineValue', 'ratio'])
    if (!positive(row[key])) problems.push(`${key} is not a finite number > 0`);
  if (!suites.includes(row.suite as string)) problems.push(`suite ${String(row.suite)} did not run`);
  const range = row.ratioRange;
  if (!Array.isArray(range) || range.length !== 2 || !range.every(positive) || range[0] > range[1])
    problems.push('ratioRange is not [min, max] of positive numbers');
  else if (positive(row.ratio) && !within(row.ratio as number, range as [number, number]))
    problems.push(`ratio ${String(row.ratio)} is outside ratioRange ${range.join('-')}`);
  if (!Number.isInteger(row.trials) || (row.trials as number) < 1) problems.push('trials is not a positive integer');
  return problems;
}

function machineProblems(machine: unknown): string[] {
  if (!isObject(machine)) return ['machine is missing'];
  const problems: string[] = [];
  if (!nonEmpty(machine.cpuModel)) problems.push('machine.cpuModel is missing');
  if (!Number.isInteger(machine.cores) || (machine.cores as number) < 1)
    problems.push('machine.cores is not a positive integer');
  if (!nonEmpty(machine.nodeVersion)) problems.push('machine.nodeVersion is missing');
  const disk = machine.disk;
  if (!isObject(disk) || !nonEmpty(disk.path)) problems.push('machine.disk.path is missing');
  else if (process.platform === 'linux' && (!nonEmpty(disk.filesystem) || !nonEmpty(disk.device)))
    problems.push('machine.disk has no filesystem or device');
  return problems;
}

/** Everything wrong with a results file: empty when it matches the schema and every suite that ran reported. */
export function resultsProblems(report: unknown): string[] {
  if (!isObject(report)) return ['the report is not an object'];
  const suites = Array.isArray(report.suites) ? (report.suites as string[]) : [];
  const results = Array.isArray(report.results) ? (report.results as unknown[]) : [];
  const problems = [...machineProblems(report.machine)];
  if (!nonEmpty(report.date) || !nonEmpty(report.mode)) problems.push('date or mode is missing');
  if (suites.length === 0) problems.push('no suites listed');
  if (!Array.isArray(report.notes)) problems.push('notes is not an array');
  else for (const note of report.notes) if (/failed/.test(String(note))) problems.push(`note: ${String(note)}`);
  results.forEach((row, i) =>
    problems.push(
      ...rowProblems(row, suites).map(
        (p) => `results[${i}] (${isObject(row) ? `${String(row.suite)} / ${String(row.case)}` : '?'}): ${p}`,
      ),
    ),
  );
  const reported = new Set(results.filter(isObject).map((row) => row.suite));
  for (const suite of suites) if (!reported.has(suite)) problems.push(`suite ${suite} produced no row`);
  return problems;
}
