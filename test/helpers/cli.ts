/**
 * The `tributary` command as a real process (the built dist/cli/main.js), for tests of
 * the CLI: spawn it with arguments (and stdin), read its output line by line, or start
 * `tributary serve` on a free port.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach } from 'vitest';
import { REPO_ROOT } from '../interop/support.js';
import { launcherArgs } from './nodeLauncher.js';

const MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const running: ChildProcessWithoutNullStreams[] = [];
/** Processes kept past the test that started them (a file's shared cluster): killed when this process exits. */
const kept = new Set<ChildProcessWithoutNullStreams>();

afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});
process.once('exit', () => {
  for (const child of kept) child.kill('SIGKILL');
});

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  child: ChildProcessWithoutNullStreams;
  exit: Promise<Exit>;
  lines: AsyncIterableIterator<string>;
}

export interface CliOptions {
  stdin?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** Not killed after the test that started it (the caller stops it; it dies with this process at the latest). */
  keep?: boolean;
}

/** Spawns `tributary ...args`; `stdin`, when given, is written and the input closed. Killed after the test unless kept. */
export function tributary(args: string[], options: CliOptions = {}): CliRun {
  const child = spawn(process.execPath, launcherArgs(MAIN, args), { env: { ...process.env, ...options.env } });
  if (options.keep === true) {
    kept.add(child);
    child.once('exit', () => kept.delete(child));
  } else running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<Exit>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  return { child, exit, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator]() };
}

export interface ServedBroker {
  child: ChildProcessWithoutNullStreams;
  port: number;
  exit: Promise<Exit>;
}

/** `tributary serve` on `dataDir` and a free port, once it says where it listens. */
export async function serve(
  dataDir: string,
  extraArgs: string[] = [],
  options: Pick<CliOptions, 'keep'> = {},
): Promise<ServedBroker> {
  const run = tributary(['serve', '--data-dir', dataDir, '--port', '0', ...extraArgs], options);
  const first = await run.lines.next();
  const match = /listening on 127\.0\.0\.1:(\d+)/.exec(String(first.value));
  if (match === null) throw new Error(`unexpected first line: ${String(first.value)} ${(await run.exit).stderr}`);
  return { child: run.child, port: Number(match[1]), exit: run.exit };
}
