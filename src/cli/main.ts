#!/usr/bin/env -S node --initial-old-space-size=128
/**
 * The `tributary` command. Each subcommand is one module exporting a `Command`; errors a
 * user can fix are one line on stderr and exit code 1.
 *
 * The shebang gives V8 a floor for its old generation (128 MB), as Kafka's start script
 * gives the JVM -Xms: V8 sizes the old generation to the live heap (~12 MB for a broker)
 * and starts a full GC whenever less than a young generation's worth is left, and a broker
 * whose produce requests wait for their replicas promotes their buffers faster than that
 * (measured: ~10 mark-compacts and ~40% of a broker's CPU per 100 MB replicated, a few with
 * the floor; bench/README.md, replication). Tests and benchmarks that spawn this script
 * give node the same flags, read from this line (test/helpers/nodeLauncher.ts).
 */
import { TributaryError } from '../errors.js';
import { UsageError, type Command } from './Command.js';

/** Loaded on use: one command should not pay for loading the others (the broker, the codecs). */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  topics: async () => (await import('./topics.js')).topicsCommand,
  groups: async () => (await import('./groups.js')).groupsCommand,
  transactions: async () => (await import('./transactions.js')).transactionsCommand,
  producers: async () => (await import('./producers.js')).producersCommand,
  brokers: async () => (await import('./brokers.js')).brokersCommand,
  cluster: async () => (await import('./cluster.js')).clusterCommand,
  'leader-election': async () => (await import('./leaderElection.js')).leaderElectionCommand,
  'reassign-partitions': async () => (await import('./reassignPartitions.js')).reassignPartitionsCommand,
  'zookeeper-check': async () => (await import('./zookeeperCheck.js')).zookeeperCheckCommand,
  produce: async () => (await import('./produce.js')).produceCommand,
  consume: async () => (await import('./consume.js')).consumeCommand,
  'dump-log': async () => (await import('./dumpLog.js')).dumpLogCommand,
};

async function usage(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: tributary <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`).join('\n')}

Run 'tributary <command> --help' for a command's options.
`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await usage());
    return name === undefined ? 1 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) throw new UsageError(`unknown command '${name}'`);
  return (await load()).run(rest);
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
