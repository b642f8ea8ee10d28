/**
 * A subcommand of `topics` or `groups`: its own options next to the target's, --json
 * and --help; the command line is checked before the target is opened, so a wrong one
 * fails at once, with no broker or data directory needed.
 */
import type { ParseArgsConfig } from 'node:util';
import { parseCommandLine, UsageError } from './Command.js';
import { TARGET_HELP, TARGET_OPTIONS, withTarget, type Target } from './Target.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON_OPTIONS = {
  ...TARGET_OPTIONS,
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const COMMON_HELP = `${TARGET_HELP}
  --json                  one JSON document instead of text
  -h, --help              this help`;

export type CommandLine<T extends Options> = ReturnType<typeof parseCommandLine<typeof COMMON_OPTIONS & T>>;

/** `check` validates the command line and returns the work to do on the target. */
export function adminSubcommand<T extends Options>(
  help: string,
  options: T,
  check: (line: CommandLine<T>) => (target: Target, json: boolean) => Promise<void>,
): (args: string[]) => Promise<number> {
  return async (args) => {
    const line = parseCommandLine(args, { ...COMMON_OPTIONS, ...options });
    // What parseArgs makes of the common options, which TypeScript cannot see through the generic T.
    const common = line.values as { help?: boolean; json?: boolean; bootstrap?: string; 'data-dir'?: string };
    if (common.help === true) {
      process.stdout.write(help);
      return 0;
    }
    const work = check(line);
    await withTarget(common, (target) => work(target, common.json === true));
    return 0;
  };
}

/** The positional arguments, checked against how many the subcommand takes. */
export function names(positionals: string[], what: string, count: { min: 0 | 1; max?: 0 | 1 }): string[] {
  if (positionals.length < count.min) throw new UsageError(`missing ${what}`);
  if (count.max === 0 && positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (count.max === 1 && positionals.length > 1)
    throw new UsageError(`expected one ${what}, got ${positionals.length}: ${positionals.join(' ')}`);
  return positionals;
}

/** Deletes one by one, saying so for each; the first failure stops there (those before stay deleted). */
export async function deleteEach(
  kind: 'topic' | 'group',
  ids: readonly string[],
  remove: (id: string) => Promise<void>,
  json: boolean,
): Promise<void> {
  for (const id of ids) {
    await remove(id);
    if (!json) process.stdout.write(`Deleted ${kind} ${id}.\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify({ deleted: ids })}\n`);
}

/** `--config k=v` (or --set) entries as an object; anything not key=value is a UsageError. */
export function keyValues(option: string, entries: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const match = /^([^=]+)=(.*)$/s.exec(entry);
    if (match === null) throw new UsageError(`--${option} expects key=value, got '${entry}'`);
    out[match[1]!] = match[2]!;
  }
  return out;
}
