/**
 * LogLoader: turns a partition directory into its segments on open (Kafka's
 * LogLoader). Leftover temporary files are removed, orphan indexes dropped, and then:
 * - after a clean shutdown, every index is sanity-checked and rebuilt if it fails;
 * - after an unclean one, every segment that may hold offsets at or above the recovery
 *   point is scanned batch by batch (framing, magic, CRC, increasing offsets). The
 *   first bad batch and all after it are cut away, later segments deleted, and the
 *   scanned segments' indexes rebuilt.
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

function openSegments(
  dir: string,
  config: LogConfig,
  bases: number[],
): { segment: LogSegment; indexesFound: boolean }[] {
  return bases.map((base, i) => {
    const indexesFound = existsSync(offsetIndexFile(dir, base)) && existsSync(timeIndexFile(dir, base));
    return { segment: LogSegment.open(dir, base, config, false, i === bases.length - 1), indexesFound };
  });
}

export function loadSegments(dir: string, config: LogConfig, state: LoadState): LoadedLog {
  mkdirSync(dir, { recursive: true });
  const opened = openSegments(dir, config, segmentBaseOffsets(dir));
  const scans = opened.map(({ segment, indexesFound }, i) => {
    const next = opened[i + 1]?.segment;
    const unflushed = !state.hadCleanShutdown && (next === undefined || next.baseOffset > state.recoveryPoint);
    return unflushed || !indexesFound || !segment.indexesAreSane();
  });
  state.progress?.expect(opened.reduce((bytes, { segment }, i) => bytes + (scans[i] ? segment.size : 0), 0));
  const segments: LogSegment[] = [];
  let changed = false;
  for (let i = 0; i < opened.length; i++) {
    const { segment } = opened[i]!;
    const needsScan = scans[i]!;
    const cut = needsScan ? segment.recover(state.progress) : 0;
    segments.push(segment);
    if (needsScan) segment.flushIndexes();
    if (cut > 0) {
      changed = true;
      for (const later of opened.slice(i + 1)) later.segment.delete();
      if (i + 1 < opened.length) segment.onBecomeActive();
      break;
    }
  }
  if (segments.length === 0) {
    segments.push(LogSegment.open(dir, state.logStartOffset, config, true, true));
    changed = true;
  }
  for (const segment of segments.slice(0, -1)) segment.onBecomeInactive();
  if (changed) {
    segments[segments.length - 1]!.log.flushSync();
    syncDirectory(dir);
  }
  const logEndOffset = segments[segments.length - 1]!.readNextOffset();
  const logStartOffset = Math.min(Math.max(state.logStartOffset, segments[0]!.baseOffset), logEndOffset);
  return { segments, logStartOffset, logEndOffset };
}
