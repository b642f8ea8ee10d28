/**
 * LogLoader: turns a partition directory into its segments on open (Kafka's
 * LogLoader). Leftover temporary files are removed, orphan indexes dropped, and then a
 * segment is scanned batch by batch (framing, magic, CRC, offsets following on), its
 * first bad batch and all after it cut away and its indexes rebuilt, when:
 * - a crash may have left it unflushed: after an unclean shutdown, every segment that
 *   may hold offsets at or above the recovery point;
 * - or it fails the checks every other one gets (all of them after a clean shutdown):
 *   its indexes' sanity check, and a check of its tail, from the last index entry to
 *   the end, as the scan would check it.
 * The segments after a cut stay: each is whole by its own checks, and holds offsets
 * that were handed out. A log that then ends below the recovery point goes on from it,
 * so no offset is given out twice.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LogConfig } from './LogConfig.js';
import { isTempFile, offsetIndexFile, parseSegmentFileName, timeIndexFile } from './LogFileNames.js';
import { LogSegment, type RecoveryProgress } from './LogSegment.js';
import { syncDirectory } from '../io/DurableFile.js';

export interface LoadState {
  recoveryPoint: number;
  logStartOffset: number;
  hadCleanShutdown: boolean;
  /** Told of the recovery scan's bytes, when there is one. */
  progress?: RecoveryProgress;
}

export interface LoadedLog {
  segments: LogSegment[];
  logStartOffset: number;
  logEndOffset: number;
}

/** Base offsets of the .log files, after clearing temp files and orphan indexes. */
function segmentBaseOffsets(dir: string): number[] {
  const names = readdirSync(dir);
  const logs = new Set<number>();
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed?.kind === 'log') logs.add(parsed.baseOffset);
  }
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (isTempFile(name) || (parsed !== null && parsed.kind !== 'log' && !logs.has(parsed.baseOffset))) {
      rmSync(join(dir, name), { force: true });
    }
  }
  return [...logs].sort((a, b) => a - b);
}

interface OpenedSegment {
  segment: LogSegment;
  indexesFound: boolean;
  /** A crash may have left it unflushed: it holds offsets at or after the recovery point. */
  unflushed: boolean;
}

function openSegments(dir: string, config: LogConfig, bases: number[], state: LoadState): OpenedSegment[] {
  return bases.map((base, i) => {
    const indexesFound = existsSync(offsetIndexFile(dir, base)) && existsSync(timeIndexFile(dir, base));
    const next = bases[i + 1];
    return {
      segment: LogSegment.open(dir, base, config, false, next === undefined),
      indexesFound,
      unflushed: !state.hadCleanShutdown && (next === undefined || next > state.recoveryPoint),
    };
  });
}

/** Whether a segment's tail, checked, ends where the next segment starts or before (a gap left by an earlier repair). */
function tailAgrees(segment: LogSegment, next: LogSegment | undefined): boolean {
  const end = segment.checkTail();
  return end !== null && (next === undefined || end <= next.baseOffset);
}

/**
 * Whether each segment is scanned in full: those a crash may have left unflushed
 * (Kafka's LogLoader.recoverLog, from the recovery point on), and those found
 * inconsistent, their indexes missing or failing the sanity check (Kafka's
 * LogLoader.loadSegmentFiles) or their tail failing checkTail: Kafka trusts that tail
 * after a clean shutdown, and a damaged one would be counted as log and appended after.
 */
function segmentsToScan(opened: OpenedSegment[]): boolean[] {
  return opened.map(
    ({ segment, indexesFound, unflushed }, i) =>
      unflushed || !indexesFound || !segment.indexesAreSane() || !tailAgrees(segment, opened[i + 1]?.segment),
  );
}

/**
 * Offsets below the recovery point were written and flushed, so handed out: when the
 * log now ends below it (damage cut away what was there), the log goes on from it in a
 * new segment, leaving a gap, rather than give an offset out twice. As Kafka's
 * LogLoader.recoverLog does for a log ending below the log start offset checkpoint
 * (deleteSegmentsIfLogStartGreaterThanLogEnd: it starts again at the checkpoint).
 */
function continueFromRecoveryPoint(
  dir: string,
  config: LogConfig,
  segments: LogSegment[],
  recoveryPoint: number,
): void {
  const active = segments[segments.length - 1]!;
  if (active.size === 0) segments.pop()!.delete();
  segments.push(LogSegment.open(dir, recoveryPoint, config, true, true));
}

export function loadSegments(dir: string, config: LogConfig, state: LoadState): LoadedLog {
  mkdirSync(dir, { recursive: true });
  const opened = openSegments(dir, config, segmentBaseOffsets(dir), state);
  const scans = segmentsToScan(opened);
  state.progress?.expect(opened.reduce((bytes, { segment }, i) => bytes + (scans[i] ? segment.size : 0), 0));
  const segments: LogSegment[] = [];
  let changed = false;
  // Kafka's recoverLog deletes the segments after a cut (a replica fetches them again
  // from the leader); here they are the only copy, so each stays if its own checks pass.
  for (let i = 0; i < opened.length; i++) {
    const { segment } = opened[i]!;
    segments.push(segment);
    if (!scans[i]) continue;
    if (segment.recover(state.progress, opened[i + 1]?.segment.baseOffset) > 0) {
      segment.log.flushSync();
      changed = true;
    }
    segment.flushIndexes();
  }
  if (segments.length === 0) {
    segments.push(LogSegment.open(dir, state.logStartOffset, config, true, true));
    changed = true;
  }
  if (segments[segments.length - 1]!.readNextOffset() < state.recoveryPoint) {
    continueFromRecoveryPoint(dir, config, segments, state.recoveryPoint);
    changed = true;
  }
  for (const segment of segments.slice(0, -1)) segment.onBecomeInactive();
  if (changed) syncDirectory(dir);
  const logEndOffset = segments[segments.length - 1]!.readNextOffset();
  const logStartOffset = Math.min(Math.max(state.logStartOffset, segments[0]!.baseOffset), logEndOffset);
  return { segments, logStartOffset, logEndOffset };
}
