/**
 * Import layering (DESIGN.md): front doors -> engine -> log -> record -> native ->
 * errors, never back up. Each src/ folder has a rank; a file may import only from its
 * own folder or from folders of lower rank.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

const RANK: Record<string, number> = {
  errors: 0,
  retainShape: 0,
  native: 1,
  record: 2,
  log: 3,
  engine: 4,
  protocol: 4,
  group: 5,
  client: 6,
  broker: 6,
  cli: 7,
  index: 8,
};

function layerOf(file: string): string {
  const first = relative(SRC, file).split('/')[0]!;
  return first.replace(/\.ts$/, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) =>
    resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')),
  );
}

describe('layering', () => {
  const files = sourceFiles(SRC);

  test('every src/ folder has a rank', () => {
    for (const file of files) expect(RANK, file).toHaveProperty(layerOf(file));
  });

  test('no module imports from a higher layer', () => {
    const violations = files.flatMap((file) =>
      localImports(file)
        .filter((target) => RANK[layerOf(target)]! > RANK[layerOf(file)]!)
        .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`),
    );
    expect(violations).toEqual([]);
  });
});
