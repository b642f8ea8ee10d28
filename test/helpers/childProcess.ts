/**
 * Runs a child script that reports progress as lines on stdout (`ack K` for each
 * acknowledged unit of work), and SIGKILLs it `killAfterMs` after its first output.
 * The script runs under node unless another interpreter is given (e.g. the system
 * python with -I).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildRun {
  acked: number[];
  lines: string[];
  signal: NodeJS.Signals | null;
}

/**
 * Runs `script` with `args` under `interpreter` (node by default), itself under `wrap`
 * (e.g. prlimit) if given; kills it with SIGKILL after `killAfterMs` unless it ends first.
 */
export function runChild(
  script: string,
  args: string[],
  killAfterMs: number | null,
  wrap: string[] = [],
  interpreter: string[] = [process.execPath],
): Promise<ChildRun> {
  const [command, ...argv] = [...wrap, ...interpreter, script, ...args];
  const child = spawn(command!, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const run: ChildRun = { acked: [], lines: [], signal: null };
  createInterface({ input: child.stdout }).on('line', (line) => {
    run.lines.push(line);
    if (line.startsWith('ack ')) run.acked.push(Number(line.slice(4)));
  });
  let timer: NodeJS.Timeout | undefined;
  const started = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  if (killAfterMs !== null) {
    void started.then(() => {
      timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
  }
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      run.signal = signal;
      resolve(run);
    });
  });
}
