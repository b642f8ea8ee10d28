/** Expectations on a `tributary` run: success with its output, or a one-line failure. */
import { expect } from 'vitest';
import { tributary, type Exit } from './cli.js';

export const run = (args: string[]): Promise<Exit> => tributary(args).exit;

/** Exits 0 with nothing on stderr; resolves with stdout. */
export async function ok(args: string[]): Promise<string> {
  const exit = await run(args);
  expect(exit.stderr, args.join(' ')).toBe('');
  expect(exit.code).toBe(0);
  return exit.stdout;
}

/** The JSON document the command prints with --json. */
export async function json<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok([...args, '--json'])) as T;
}

/** Exits with `code`, nothing on stdout and one line on stderr matching `message`. */
export async function fails(args: string[], code: number, message: RegExp): Promise<void> {
  const exit = await run(args);
  expect(exit.code, `${args.join(' ')}: ${exit.stderr}`).toBe(code);
  expect(exit.stderr).toMatch(message);
  expect(exit.stderr).toMatch(/^tributary: [^\n]+\n$/);
  expect(exit.stdout).toBe('');
}

/** Each of `subcommands` of `command` answers --help with its usage, and the command lists them all. */
export async function expectHelp(command: string, subcommands: readonly string[]): Promise<void> {
  const [top, ...each] = await Promise.all([
    run([command, '--help']),
    ...subcommands.map((s) => run([command, s, '--help'])),
  ]);
  expect(top).toMatchObject({ code: 0, stderr: '' });
  for (const s of subcommands) expect(top!.stdout).toContain(`  ${s}`);
  each.forEach((exit, i) => {
    expect(exit).toMatchObject({ code: 0, stderr: '' });
    expect(exit.stdout).toMatch(new RegExp(`^Usage: tributary ${command} ${subcommands[i]}`));
    expect(exit.stdout).toContain('--bootstrap HOST:PORT');
  });
}

/** Every case exits 2 with one line on stderr matching its pattern. */
export async function expectUsageErrors(cases: readonly (readonly [readonly string[], RegExp])[]): Promise<void> {
  const exits = await Promise.all(cases.map(([args]) => run([...args])));
  exits.forEach((exit, i) => {
    expect(exit.code, cases[i]![0].join(' ')).toBe(2);
    expect(exit.stderr).toMatch(cases[i]![1]);
    expect(exit.stderr).toMatch(/^tributary: [^\n]+\n$/);
  });
}
