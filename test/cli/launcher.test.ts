/**
 * The `tributary` command's launcher: its shebang starts node with the options the broker
 * needs (src/cli/main.ts: the V8 old generation floor), through `env -S` as npm's bin link
 * runs it, and the tests and benchmarks that spawn the script read the same options.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../interop/support.js';
import { launcherNodeOptions } from '../helpers/nodeLauncher.js';

const MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const run = promisify(execFile);

describe('the tributary launcher', () => {
  it('runs the command under node with its shebang options, as an npm bin link does', async () => {
    const options = launcherNodeOptions(MAIN);
    expect(options.length).toBeGreaterThan(0);
    // npm makes a package's bin files executable when it installs them; the build does not.
    chmodSync(MAIN, statSync(MAIN).mode | 0o111);
    // Each process node starts prints the options it was given, before the command runs.
    const printer = join(mkdtempSync(join(tmpdir(), 'launcher-')), 'print.cjs');
    writeFileSync(printer, 'process.stderr.write(JSON.stringify(process.execArgv) + "\\n");');
    const { stdout, stderr } = await run(MAIN, ['--help'], {
      env: { ...process.env, NODE_OPTIONS: `--require ${printer}` },
    });
    expect(stdout).toContain('Usage: tributary <command>');
    expect(JSON.parse(stderr.split('\n')[0]!)).toEqual(options);
  });

  it('refuses a script without an `env -S node` shebang, so a helper never spawns it without them', () => {
    const script = join(mkdtempSync(join(tmpdir(), 'launcher-')), 'plain.js');
    writeFileSync(script, '#!/usr/bin/env node\n');
    expect(() => launcherNodeOptions(script)).toThrow(/does not start with #!\/usr\/bin\/env -S node/);
  });
});
