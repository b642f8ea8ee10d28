/**
 * Damage to a segment file as a failing disk or a careless hand does it (zeroed bytes, a
 * cut, a flipped byte, garbage appended), and a partition written with durability
 * 'always' through the LogManager, whose acknowledged batches the damage tests check.
 */
import { appendFileSync, closeSync, openSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';
import { expect } from 'vitest';
import type { Log } from '../../src/log/Log.js';
import type { LogConfig } from '../../src/log/LogConfig.js';
import { LogManager } from '../../src/log/LogManager.js';

export const TP = { topic: 'acked', partition: 0 };

export type DamageKind = 'zero' | 'truncate' | 'flip' | 'garbage';

export interface Damage {
  kind: DamageKind;
  /** Where in the file the damage starts. */
  position: number;
  /** Bytes zeroed or cut (garbage: bytes appended). */
  length: number;
}

/** Applies `damage` to the file at `path`; returns the first position whose bytes it changed. */
export function damageFile(path: string, damage: Damage, garbage: Buffer = Buffer.alloc(0)): number {
  const size = statSync(path).size;
  if (damage.kind === 'truncate') {
    truncateSync(path, Math.max(0, size - damage.length));
    return Math.max(0, size - damage.length);
  }
  if (damage.kind === 'garbage') {
    appendFileSync(path, garbage);
    return size;
  }
  const fd = openSync(path, 'r+');
  try {
    const bytes = Buffer.alloc(damage.kind === 'zero' ? Math.min(damage.length, size - damage.position) : 1);
    if (damage.kind === 'flip') {
      readSync(fd, bytes, 0, 1, damage.position);
      bytes[0]! ^= 0x10;
    }
    writeSync(fd, bytes, 0, bytes.length, damage.position);
  } finally {
    closeSync(fd);
  }
  return damage.position;
}

export interface Acked {
  baseOffset: number;
  lastOffset: number;
  /** The batch as produced; its base offset (the first 8 bytes) is assigned by the log. */
  batch: Buffer;
}

export function openManager(dataDir: string, config: Partial<LogConfig>): LogManager {
  return LogManager.open({ dataDir, config, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 });
}

/** Appends `batch` and records it as acknowledged once the append resolves. */
export async function appendAcked(log: Log, batch: Buffer, acked: Acked[]): Promise<Acked> {
  const info = await log.append(batch);
  const entry = { baseOffset: info.baseOffset, lastOffset: info.lastOffset, batch };
  acked.push(entry);
  return entry;
}

/** Checks that `acked` reads back from `log` byte for byte (all but the base offset the log assigned). */
export function expectReadBack(log: Log, acked: readonly Acked[]): void {
  for (const { baseOffset, batch } of acked) {
    const read = log.read(baseOffset, 1);
    expect(read.firstOffset, `batch at ${baseOffset}`).toBe(baseOffset);
    expect(read.records.readBigInt64BE(0)).toBe(BigInt(baseOffset));
    expect(read.records.subarray(8, batch.length).equals(batch.subarray(8)), `batch at ${baseOffset}`).toBe(true);
  }
}
