/** A `tributary` subcommand, and the argument parsing every subcommand shares. */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fileSystemError } from '../errors.js';

export interface Command {
  name: string;
  summary: string;
  /** Resolves with the exit code. */
  run(args: string[]): Promise<number>;
}

/** A wrong command line: one line on stderr, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs' error as a UsageError; some of its messages span lines, a usage error is one. */
function usageError(error: unknown): UsageError {
  return new UsageError((error as Error).message.replace(/\s*\n\s*/g, ' '));
}

/** Parses `args` against `options`; an unknown or malformed option is a UsageError. */
export function parseOptions<T extends Options>(
  args: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true }>>['values'] {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageError(error);
  }
}

/** `--shift-by -4` as `--shift-by=-4`: parseArgs takes no value starting with a dash otherwise. */
function joinNegativeValues(args: string[], options: Options): string[] {
  const takesValue = (arg: string): boolean => arg.startsWith('--') && options[arg.slice(2)]?.type === 'string';
  return args.flatMap((arg, i) => {
    if (i > 0 && takesValue(args[i - 1]!) && /^-\d/.test(arg)) return [];
    return takesValue(arg) && /^-\d/.test(args[i + 1] ?? '') ? [`${arg}=${args[i + 1]}`] : [arg];
  });
}

type Parsed<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>
>;

/**
 * As parseOptions, and the positional arguments too (names, subcommands); option values
 * may be negative numbers. With `expected`, exactly `count` positionals (unless --help).
 */
export function parseCommandLine<T extends Options>(
  args: string[],
  options: T,
  expected?: { count: number; usage: string },
): { values: Parsed<T>['values']; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals: true });
  } catch (error) {
    throw usageError(error);
  }
  const help = (parsed.values as { help?: boolean }).help === true;
  if (expected !== undefined && !help && parsed.positionals.length !== expected.count)
    throw new UsageError(`usage: ${expected.usage}`);
  return { values: parsed.values, positionals: parsed.positionals };
}

/** A command made of subcommands (`topics create`): runs the one the first argument names. */
export function withSubcommands(
  name: string,
  summary: string,
  help: string,
  subcommands: Readonly<Record<string, (args: string[]) => Promise<number>>>,
): Command {
  return {
    name,
    summary,
    async run(args) {
      const [sub, ...rest] = args;
      if (sub === '--help' || sub === '-h') {
        process.stdout.write(help);
        return 0;
      }
      const names = Object.keys(subcommands).join(', ');
      if (sub === undefined) throw new UsageError(`${name} needs a subcommand: ${names}`);
      const run = Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
      if (run === undefined) throw new UsageError(`unknown ${name} subcommand '${sub}' (one of ${names})`);
      return run(rest);
    },
  };
}

/** One of `allowed`, or undefined when not given. */
export function choiceOption<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T))
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

export function integerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got '${value}'`);
  return n;
}

/** The text of a file an option names (a JSON file of partitions); one that cannot be read is a one-line failure. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw fileSystemError(`read ${file}`, error);
  }
}
