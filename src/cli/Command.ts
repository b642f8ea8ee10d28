/** A `tributary` subcommand, and the argument parsing every subcommand shares. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  name: string;
  summary: string;
  /** Resolves with the exit code. */
  run(args: string[]): Promise<number>;
}

/** A wrong command line: one line on stderr, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `args` against `options`; an unknown or malformed option is a UsageError. */
export function parseOptions<T extends Options>(args: string[], options: T): ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true }>>['values'] {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw parseError(error);
  }
}

/** node:util's parse errors run to several lines; the first says what is wrong. */
function parseError(error: unknown): UsageError {
  return new UsageError((error as Error).message.split('\n')[0]);
}

/** As parseOptions, also taking positional arguments: exactly `positionals` of them, named in `usage` when wrong. */
export function parseCommandLine<T extends Options>(
  args: string[],
  options: T,
  positionals: { count: number; usage: string },
): { values: ReturnType<typeof parseOptions<T>>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw parseError(error);
  }
  const help = (parsed.values as { help?: boolean }).help === true;
  if (!help && parsed.positionals.length !== positionals.count) throw new UsageError(`usage: ${positionals.usage}`);
  return { values: parsed.values as ReturnType<typeof parseOptions<T>>, positionals: parsed.positionals };
}

/** One of `allowed`, or undefined when not given. */
export function choiceOption<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

export function integerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got '${value}'`);
  return n;
}
