/**
 * Finds the project root (where bench/results goes) from the compiled bench in
 * .bench-build/.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function isProjectRoot(dir: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return manifest.name === 'tributary';
  } catch {
    return false;
  }
}

/** The directory holding package.json, found by walking up from this file. */
export function findProjectRoot(): string {
  for (let dir = here; ; dir = dirname(dir)) {
    if (isProjectRoot(dir)) return dir;
    if (dirname(dir) === dir) throw new Error(`no tributary package.json above ${here}`);
  }
}
