/**
 * `tributary dump-log FILE...` (kafka-dump-log --files --print-data-log --deep-iteration):
 * the batches, records and index entries of segment files, read directly and verified.
 */
import { existsSync, statSync } from 'node:fs';
import { isTributaryError } from '../errors.js';
import {
  checkOffsetIndex,
  checkSegment,
  checkSiblingLog,
  checkTimeIndex,
  segmentFileOf,
  siblingFiles,
  type OffsetIndexEntry,
  type SegmentCheck,
  type SegmentProblem,
  type TimeIndexEntry,
} from '../log/SegmentCheck.js';
import type { SegmentFileName } from '../log/LogFileNames.js';
import { parseCommandLine, UsageError, type Command } from './Command.js';
import { DumpLogOutput } from './DumpLogOutput.js';
import { NO_PROGRESS, progress, type Progress } from './Progress.js';
import { describePlan, repairPlan, repairSegment } from './SegmentRepair.js';

const HELP = `Usage: tributary dump-log [options] FILE...

Prints every batch of each .log segment file, checking each batch's CRC, that its
offsets follow on from the file name's base offset, and the .index and .timeindex
beside the segment against it. A .index or .timeindex file given is printed entry by
entry, checked against its .log. The files are read directly (no broker, no lock).
Exit code 1 when any problem is found.

Options:
  --records, --print-data-log   also print every record (offset, timestamp, key, value, headers)
  --format text|json            lines like kafka-dump-log's (default), or one JSON object a line
  --json                        the same as --format json
  --hex                         keys, values and header values in hex (default: as UTF-8 text)
  --repair                      truncate a .log at its first bad batch and delete its indexes
                                (the log rebuilds them when it opens); asks first
  --yes                         repair without asking (needed when stdin is not a terminal)
  -h, --help                    this help

Example:
  tributary dump-log --records data/orders-0/00000000000000000000.log
`;

const OPTIONS = {
  records: { type: 'boolean' },
  'print-data-log': { type: 'boolean' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  hex: { type: 'boolean' },
  repair: { type: 'boolean' },
  yes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Below this many bytes in all, a dump is over before a bar would mean anything. */
const LARGE_DUMP_BYTES = 32 * 1024 * 1024;

interface DumpSettings {
  out: DumpLogOutput;
  records: boolean;
  repair: boolean;
  yes: boolean;
  bar: Progress;
}

function segmentFileArgument(path: string): SegmentFileName {
  try {
    const parsed = segmentFileOf(path);
    if (!existsSync(path)) throw new UsageError(`${path}: no such file`);
    return parsed;
  } catch (error) {
    if (isTributaryError(error, 'ERR_INVALID_ARGUMENT')) throw new UsageError((error as Error).message);
    throw error;
  }
}

function entryProblem(file: string, entry: OffsetIndexEntry | TimeIndexEntry): SegmentProblem[] {
  if (entry.problem === null) return [];
  const fields = Object.entries(entry).filter(([name]) => name !== 'problem');
  const what = fields.map(([name, value]) => `${name} ${String(value)}`).join(', ');
  return [
    {
      offset: entry.offset,
      position: 'position' in entry ? entry.position : null,
      message: `${file} entry (${what}): ${entry.problem}`,
    },
  ];
}

/** The problems of the indexes beside a scanned .log. */
function siblingIndexProblems(check: SegmentCheck): SegmentProblem[] {
  const { index, timeIndex } = siblingFiles(check.path);
  return [
    ...(existsSync(index) ? checkOffsetIndex(index, check).flatMap((e) => entryProblem(index, e)) : []),
    ...(existsSync(timeIndex) ? checkTimeIndex(timeIndex, check).flatMap((e) => entryProblem(timeIndex, e)) : []),
  ];
}

async function dumpSegment(path: string, settings: DumpSettings): Promise<number> {
  const { out } = settings;
  out.file(path);
  let printed = 0;
  const check = checkSegment(path, {
    records: settings.records,
    visit: (batch) => {
      out.batch(batch);
      printed += batch.problems.length;
    },
    onBytes: (bytes) => settings.bar.advance(bytes),
  });
  for (const p of check.problems.slice(printed)) out.problem(p);
  const indexProblems = siblingIndexProblems(check);
  for (const p of indexProblems) out.problem(p);
  const problems = check.problems.length + indexProblems.length;
  out.summary({ file: path, batches: check.batches, records: check.records, problems });
  const plan = settings.repair ? repairPlan(check, indexProblems.length > 0) : null;
  if (plan !== null) {
    out.flush();
    settings.bar.stop();
    if (await repairSegment(plan, settings.yes)) out.repaired(path, describePlan(plan));
  }
  return problems;
}

function dumpIndex(path: string, kind: 'index' | 'timeindex', out: DumpLogOutput): number {
  out.file(path);
  const log = checkSiblingLog(path);
  const entries = kind === 'index' ? checkOffsetIndex(path, log) : checkTimeIndex(path, log);
  for (const entry of entries) out.indexEntry(entry);
  if (log === null)
    out.problem({ offset: null, position: null, message: `no ${siblingFiles(path).log} to check the entries against` });
  const problems = entries.filter((e) => e.problem !== null).length + (log === null ? 1 : 0);
  out.summary({ file: path, entries: entries.length, problems });
  return problems;
}

function isJson(format: string | undefined, json: boolean | undefined): boolean {
  if (format !== undefined && format !== 'text' && format !== 'json')
    throw new UsageError(`--format must be text or json, got '${format}'`);
  return json === true || format === 'json';
}

function progressFor(files: string[]): Progress {
  const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  // The bar redraws the terminal's last line: only when the dump itself goes elsewhere.
  if (bytes < LARGE_DUMP_BYTES || process.stdout.isTTY === true) return NO_PROGRESS;
  const bar = progress('dump-log');
  bar.expect(bytes);
  return bar;
}

export const dumpLogCommand: Command = {
  name: 'dump-log',
  summary: 'print and verify the batches, records and indexes of segment files',
  async run(args) {
    const { values: o, positionals: files } = parseCommandLine(args, OPTIONS);
    if (o.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    if (files.length === 0) throw new UsageError('dump-log needs at least one FILE');
    if (o.yes === true && o.repair !== true) throw new UsageError('--yes goes with --repair');
    const out = new DumpLogOutput(isJson(o.format, o.json), o.hex === true ? 'hex' : 'utf8');
    const kinds = files.map(segmentFileArgument);
    const logs = files.filter((_, i) => kinds[i]!.kind === 'log');
    const settings: DumpSettings = {
      out,
      records: o.records === true || o['print-data-log'] === true,
      repair: o.repair === true,
      yes: o.yes === true,
      bar: progressFor(logs),
    };
    let problems = 0;
    try {
      for (const [i, file] of files.entries()) {
        const kind = kinds[i]!.kind;
        problems += kind === 'log' ? await dumpSegment(file, settings) : dumpIndex(file, kind, out);
      }
    } finally {
      settings.bar.stop();
      out.flush();
    }
    if (problems > 0) process.stderr.write(`tributary: ${problems} problem${problems === 1 ? '' : 's'} found\n`);
    return problems > 0 ? 1 : 0;
  },
};
