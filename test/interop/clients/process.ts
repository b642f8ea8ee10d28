/**
 * Runs an external client (kcat, a Python driver) as a child process without blocking
 * the event loop, so several clients can run at once. Input goes to stdin, stdout comes
 * back as bytes, and a failure carries the command line and the child's stderr.
 */
import { execFile } from 'node:child_process';
import { pythonEnv, SYSTEM_PYTHON } from '../support.js';

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        encoding: 'buffer',
        maxBuffer: 256 * 1024 * 1024,
        timeout: options.timeoutMs ?? 30_000,
        killSignal: 'SIGKILL',
        env: options.env ?? process.env,
      },
      (error, stdout, stderr) => {
        const errorText = stderr.toString('utf8');
        if (error !== null)
          reject(new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.signal}):\n${errorText}`));
        else resolve({ stdout, stderr: errorText });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * Runs a Python driver script with the system interpreter: JSON in on stdin, one JSON
 * document out on stdout. Isolated mode (-I) keeps the script's own folder off sys.path,
 * where confluent_kafka.py would shadow the confluent_kafka package.
 */
export async function runPythonDriver<T>(
  script: string,
  command: string,
  input: unknown,
  timeoutMs?: number,
): Promise<T> {
  const { stdout } = await runProcess(SYSTEM_PYTHON, ['-I', script, command], {
    input: JSON.stringify(input),
    env: pythonEnv(),
    timeoutMs,
  });
  return JSON.parse(stdout.toString('utf8')) as T;
}
