import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../../src/log/CheckpointFile.js';
import { tempDir } from '../helpers/tmp.js';

describe('CheckpointFile', () => {
  test('writes and reads the Kafka text format', () => {
    const path = join(tempDir(), 'recovery-point-offset-checkpoint');
    writeCheckpoint(path, [
      [{ topic: 'a-b', partition: 3 }, 42],
      [{ topic: 'c', partition: 0 }, 0],
    ]);
    expect(readFileSync(path, 'utf8')).toBe('0\n2\na-b 3 42\nc 0 0\n');
    expect(readCheckpoint(path)).toEqual(
      new Map([
        ['a-b-3', 42],
        ['c-0', 0],
      ]),
    );
    expect(readdirSync(join(path, '..'))).toEqual(['recovery-point-offset-checkpoint']);
  });

  test('a missing file is empty; a malformed one is ERR_CORRUPT_CHECKPOINT', () => {
    const dir = tempDir();
    expect(readCheckpoint(join(dir, 'none')).size).toBe(0);
    for (const text of ['1\n0\n', '0\n2\na 0 1\n', '0\n1\na x 1\n', '0\n1\na 0\n']) {
      writeFileSync(join(dir, 'cp'), text);
      expect(() => readCheckpoint(join(dir, 'cp'))).toThrow(
        expect.objectContaining({ code: 'ERR_CORRUPT_CHECKPOINT' }),
      );
    }
  });
});
