/**
 * `dump-log --repair`: cuts a .log at its first bad batch and deletes its indexes, which
 * the LogLoader rebuilds (scanning the segment) when the log next opens. Never while a
 * broker holds the data directory, and only once the user agreed (or gave --yes).
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { DataDirLock, LOCK_FILE } from '../engine/DataDirLock.js';
import { TributaryError } from '../errors.js';
import { syncDirectory } from '../io/DurableFile.js';
import { siblingFiles, type SegmentCheck } from '../log/SegmentCheck.js';

export interface RepairPlan {
  log: string;
  /** Where the .log is cut, or null when only its indexes are wrong. */
  cut: { position: number; offset: number | null; bytes: number } | null;
  /** The index files to delete. */
  indexes: string[];
}

/** What repairing the segment `check` describes takes, or null if it needs nothing. */
export function repairPlan(check: SegmentCheck, indexesWrong: boolean): RepairPlan | null {
  if (check.firstBad === null && !indexesWrong) return null;
  const { index, timeIndex } = siblingFiles(check.path);
  const cut = check.firstBad === null ? null : { ...check.firstBad, bytes: check.size - check.firstBad.position };
  return { log: check.path, cut, indexes: [index, timeIndex].filter((path) => existsSync(path)) };
}

export function describePlan(plan: RepairPlan): string {
  const deletes = plan.indexes.length === 0 ? '' : `delete ${plan.indexes.join(' and ')} (rebuilt when the log opens)`;
  if (plan.cut === null) return deletes;
  const from = plan.cut.offset === null ? '' : `, from offset ${plan.cut.offset}`;
  return `truncate ${plan.log} at position ${plan.cut.position} (${plan.cut.bytes} bytes${from})${deletes === '' ? '' : ` and ${deletes}`}`;
}

/** Takes the data directory's lock, if the segment is in one, so no broker opens it meanwhile (ERR_DATA_DIR_LOCKED if one has it). */
function lockDataDir(log: string): DataDirLock | null {
  const dataDir = dirname(dirname(log));
  return existsSync(join(dataDir, LOCK_FILE)) ? DataDirLock.acquire(dataDir) : null;
}

async function confirmed(question: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (process.stdin.isTTY !== true) {
    throw new TributaryError(
      `will not ${question} without asking: no terminal to ask on (add --yes)`,
      'ERR_INVALID_ARGUMENT',
    );
  }
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(`${question}? [y/N] `)).trim());
  } finally {
    terminal.close();
  }
}

function applyPlan(plan: RepairPlan): void {
  if (plan.cut !== null) {
    const fd = openSync(plan.log, 'r+');
    try {
      ftruncateSync(fd, plan.cut.position);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  for (const index of plan.indexes) rmSync(index, { force: true });
  syncDirectory(dirname(plan.log));
}

/** Carries out `plan` once allowed; resolves with whether it did. */
export async function repairSegment(plan: RepairPlan, yes: boolean): Promise<boolean> {
  const lock = lockDataDir(plan.log);
  try {
    if (!(await confirmed(describePlan(plan), yes))) return false;
    applyPlan(plan);
    return true;
  } finally {
    lock?.release();
  }
}
