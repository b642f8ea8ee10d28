#!/usr/bin/env node
/**
 * The `tributary` command. Each subcommand is one module exporting a `Command`; errors a
 * user can fix are one line on stderr and exit code 1.
 */
import { TributaryError } from '../errors.js';
import { consumeCommand } from './consume.js';
import { produceCommand } from './produce.js';
import { serveCommand } from './serve.js';
import { UsageError, type Command } from './Command.js';

const COMMANDS: readonly Command[] = [serveCommand, produceCommand, consumeCommand];

const USAGE = `Usage: tributary <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'tributary <command> --help' for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw new UsageError(`unknown command '${name}'`);
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const known = error instanceof UsageError || error instanceof TributaryError;
    process.stderr.write(`tributary: ${known ? error.message : String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
