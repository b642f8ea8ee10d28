/**
 * The bench's results file: the suites that need no external client run in smoke mode
 * (tiny sizes, two rounds), and their JSON must match the documented schema. The suites
 * with external clients (broker, groups) and the slower ones (codecs, embedded) run in test/interop/bench_smoke.test.ts.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { compileBench, resultsProblems, runSmoke } from './benchRun.js';

const SUITES = ['log-append', 'log-read', 'recovery', 'crc32c', 'varints', 'records'];

/** A row and a report that pass, to break one field at a time. */
function validReport(): Record<string, unknown> {
  return {
    date: '2026-11-25T00:00:00.000Z',
    mode: 'smoke',
    suites: ['varints'],
    machine: {
      cpuModel: 'cpu',
      cores: 2,
      nodeVersion: 'v20.0.0',
      disk: { path: '/tmp', filesystem: 'ext4', device: '/dev/vda' },
    },
    notes: [],
    results: [
      {
        suite: 'varints',
        case: 'encode',
        metric: 'values',
        unit: 'values/s',
        value: 2,
        baseline: 'kafkajs',
        baselineValue: 1,
        ratio: 2,
        ratioRange: [1.5, 2.5],
        trials: 2,
      },
    ],
  };
}

describe('resultsProblems', () => {
  test('accepts a well-formed report', () => {
    expect(resultsProblems(validReport())).toEqual([]);
  });

  test.each([
    ['an empty baseline', (r: Record<string, unknown>) => ((r.results as Record<string, unknown>[])[0]!.baseline = '')],
    [
      'a zero baseline value',
      (r: Record<string, unknown>) => ((r.results as Record<string, unknown>[])[0]!.baselineValue = 0),
    ],
    [
      'a non-finite value',
      (r: Record<string, unknown>) => ((r.results as Record<string, unknown>[])[0]!.value = Number.NaN),
    ],
    [
      'a ratio outside its range',
      (r: Record<string, unknown>) => ((r.results as Record<string, unknown>[])[0]!.ratio = 3),
    ],
    ['a suite without rows', (r: Record<string, unknown>) => (r.suites = ['varints', 'records'])],
    ['a failed suite', (r: Record<string, unknown>) => (r.notes = ['records failed: boom'])],
    ['no disk', (r: Record<string, unknown>) => delete (r.machine as Record<string, unknown>).disk],
  ])('rejects %s', (_, breakIt) => {
    const report = validReport();
    breakIt(report);
    expect(resultsProblems(report)).not.toEqual([]);
  });
});

describe('npm run bench -- --quick --smoke', () => {
  beforeAll(() => compileBench(), 120_000);

  test(`${SUITES.join(', ')}: every row matches the schema, every suite reports`, () => {
    const { report: results, html } = runSmoke(SUITES);
    const report = results as { suites: string[]; mode: string };
    expect(html).toMatch(/<canvas id="chart0">/);
    expect(report.mode).toBe('smoke');
    expect(report.suites).toEqual(SUITES);
    expect(resultsProblems(report)).toEqual([]);
  }, 180_000);
});
