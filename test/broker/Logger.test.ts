/** The broker's structured log: one JSON object per line, at or above the level asked. */
import { describe, expect, test } from 'vitest';
import { createLogger, type LogLevel } from '../../src/broker/Logger.js';

function logAtEveryLevel(level: LogLevel | undefined): Record<string, unknown>[] {
  const lines: string[] = [];
  const log = createLogger(level, (line) => lines.push(line));
  log.debug('d', { n: 1 });
  log.info('i', { n: 2 });
  log.warn('w', { n: 3 });
  log.error('e', { n: 4, nested: { remote: '127.0.0.1:1' } });
  for (const line of lines) expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  test('writes JSON lines with level, msg, time, pid and the fields', () => {
    const entries = logAtEveryLevel('debug');
    expect(entries.map((e) => [e.level, e.msg, e.n])).toEqual([
      ['debug', 'd', 1],
      ['info', 'i', 2],
      ['warn', 'w', 3],
      ['error', 'e', 4],
    ]);
    expect(entries[3]!.nested).toEqual({ remote: '127.0.0.1:1' });
    expect(Date.parse(String(entries[0]!.time))).toBeGreaterThan(Date.now() - 60_000);
    expect(entries[0]!.pid).toBe(process.pid);
  });

  test('is quiet by default (warnings and errors), and silent says nothing', () => {
    expect(logAtEveryLevel(undefined).map((e) => e.level)).toEqual(['warn', 'error']);
    expect(logAtEveryLevel('info').map((e) => e.level)).toEqual(['info', 'warn', 'error']);
    expect(logAtEveryLevel('error').map((e) => e.level)).toEqual(['error']);
    expect(logAtEveryLevel('silent')).toEqual([]);
  });
});
