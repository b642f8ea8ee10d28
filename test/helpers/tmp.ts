import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

/** A fresh directory (under `root`, the system's temporary directory by default) removed after the current test. */
export function tempDir(prefix = 'tributary-', root = tmpdir()): string {
  const dir = mkdtempSync(join(root, prefix));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
