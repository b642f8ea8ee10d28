/**
 * Benchmarks: `npm run bench [-- --quick] [-- --smoke] [-- --suite NAME] [-- --out FILE]`.
 *
 * Every figure is a ratio against a baseline measured in the same run, trial for trial
 * (see harness.ts). Prints one table on stdout (progress goes to stderr) and writes
 * bench/results/latest.json (or --out FILE) as { date, mode, suites, machine, notes, results }.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findProjectRoot } from './bootstrap.js';
import * as harness from './harness.js';
import { writeReport } from './report.js';
import type { ResultRow, SuiteContext } from './harness.js';

const SUITES = [
  'log-append',
  'log-read',
  'recovery',
  'crc32c',
  'varints',
  'records',
  'codecs',
  'embedded',
  'broker',
  'groups',
  'cluster',
  'replication',
] as const;
type SuiteName = (typeof SUITES)[number];

interface Args {
  quick: boolean;
  smoke: boolean;
  verbose: boolean;
  /** Where the JSON goes; default bench/results/latest.json. */
  out: string | undefined;
  suites: SuiteName[];
}

const USAGE = `usage: npm run bench -- [--quick] [--smoke] [--verbose] [--out FILE] [--suite NAME[,NAME...]]...
  --quick        smaller runs and fewer trials (well under 2 minutes)
  --smoke        tiny sizes, no warmup, two rounds: checks that the suites run, not what they measure
  --suite NAME   run only the named suite(s): ${SUITES.join(', ')}
  --out FILE     write the JSON results there instead of bench/results/latest.json
  --verbose      print every round's figures (stderr)`;

function parseArgs(argv: string[]): Args {
  let quick = false;
  let smoke = false;
  let verbose = false;
  let out: string | undefined;
  const suites: SuiteName[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--smoke') smoke = true;
    else if (arg === '--verbose') verbose = true;
    else if (arg === '--out') {
      out = argv[++i];
      if (out === undefined) throw new Error('--out needs a file name');
    } else if (arg === '--suite' || arg.startsWith('--suite=')) {
      const value = arg === '--suite' ? argv[++i] : arg.slice('--suite='.length);
      if (value === undefined) throw new Error('--suite needs a name');
      for (const name of value.split(',')) {
        if (!(SUITES as readonly string[]).includes(name))
          throw new Error(`unknown suite '${name}'; known: ${SUITES.join(', ')}`);
        suites.push(name as SuiteName);
      }
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument '${arg}'\n${USAGE}`);
  }
  return {
    quick,
    smoke,
    verbose,
    out,
    suites: suites.length > 0 ? SUITES.filter((s) => suites.includes(s)) : [...SUITES],
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const projectRoot = findProjectRoot();
  harness.setVerbose(args.verbose);
  const runners: Record<SuiteName, (ctx: SuiteContext) => Promise<ResultRow[]>> = {
    'log-append': (await import('./suites/logAppend.js')).runLogAppend,
    'log-read': (await import('./suites/logRead.js')).runLogRead,
    recovery: (await import('./suites/recovery.js')).runRecovery,
    crc32c: (await import('./suites/crc32c.js')).runCrc32cSuite,
    varints: (await import('./suites/varints.js')).runVarints,
    records: (await import('./suites/records.js')).runRecords,
    codecs: (await import('./suites/codecs.js')).runCodecsSuite,
    embedded: (await import('./suites/embedded.js')).runEmbedded,
    broker: (await import('./suites/broker.js')).runBroker,
    groups: (await import('./suites/groups.js')).runGroups,
    cluster: (await import('./suites/cluster.js')).runCluster,
    replication: (await import('./suites/replication.js')).runReplication,
  };
  const { crc32cImplementation } = await import('../src/index.js');

  if (globalThis.gc === undefined) harness.log('warning: run with --expose-gc so garbage is collected between trials');
  const tmpDir = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  const cleanUp = (): void => rmSync(tmpDir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanUp();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const ctx: SuiteContext = { quick: args.quick, smoke: args.smoke, tmpDir, projectRoot, notes: [] };
  const started = Date.now();
  const results: ResultRow[] = [];
  let failed = false;
  try {
    for (const name of args.suites) {
      const suiteStarted = Date.now();
      try {
        results.push(...(await runners[name](ctx)));
        harness.log(`${name}: done in ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
      } catch (error) {
        // One broken suite should not cost the figures of the others.
        failed = true;
        if (error instanceof harness.PartialSuiteError) results.push(...error.rows);
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        harness.log(`${name} failed: ${message}`);
        ctx.notes.push(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const mode = args.smoke ? 'smoke' : args.quick ? 'quick' : 'full';
  const machine = { ...harness.machineInfo(), crc32c: crc32cImplementation(), tmpDir: tmpdir() };
  process.stdout.write(`\n${harness.formatTable(results)}\n`);
  for (const note of ctx.notes) process.stdout.write(`note: ${note}\n`);
  process.stdout.write(
    `\n${machine.cpuModel}${machine.cpuId ? ` (${machine.cpuId})` : ''}, ${machine.cores} cores, Node ${machine.nodeVersion}, ${machine.platform}-${machine.arch}; ` +
      `${mode} run in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );

  const path = args.out === undefined ? join(projectRoot, 'bench', 'results', 'latest.json') : resolve(args.out);
  mkdirSync(dirname(path), { recursive: true });
  const report = {
    date: new Date().toISOString(),
    mode,
    suites: args.suites,
    machine,
    notes: ctx.notes,
    results,
  };
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  const htmlPath = join(dirname(path), 'report.html');
  writeReport(report, htmlPath);
  harness.log(`wrote ${path} and ${htmlPath}`);
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
