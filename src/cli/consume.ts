/** `tributary consume TOPIC`: records of a topic to stdout, from a broker or a data directory, with or without a group. */
import { once } from 'node:events';
import type { IsolationLevel } from '../client/Consumer.js';
import { ClientMetadata } from './ClientMetadata.js';
import { choiceOption, integerOption, parseCommandLine, UsageError, type Command } from './Command.js';
import { BrokerGroupMember } from './consume/BrokerGroupMember.js';
import { BrokerSource } from './consume/BrokerSource.js';
import { openEmbeddedSource } from './consume/EmbeddedSource.js';
import { EndOffsets } from './consume/EndOffsets.js';
import { formatRecord, type FormatOptions, type OutputFormat } from './consume/RecordFormat.js';
import type {
  AssignmentListener,
  RecordSource,
  SourceBatch,
  SourceOptions,
  SourcePartition,
  StartSpec,
} from './consume/RecordSource.js';
import { TARGET_HELP, TARGET_OPTIONS, withTarget, type Target } from './Target.js';
import { topicPartitions } from './TopicPartitions.js';

const HELP = `Usage: tributary consume TOPIC (--bootstrap HOST:PORT | --data-dir DIR) [options]

Prints the records of TOPIC on stdout, one per line. Without --follow it exits once
every partition it reads has been read to its end (as kcat -e); with --follow it waits
for new records until interrupted (SIGINT, SIGTERM).

Options:
${TARGET_HELP}
  --from WHERE            earliest (default, as kcat and rpk), latest, an offset (the same
                          for every partition, kept within each partition's log), or
                          @TIME: the first record at or after TIME, given as epoch
                          milliseconds or an ISO 8601 date (@2024-05-01T12:00:00Z)
  --partition N           read only partition N (default: every partition)
  --group GROUP           join consumer group GROUP: the group shares out the partitions,
                          each starts at the group's committed offset (where there is none,
                          at --from, which must then be earliest or latest) and the
                          offsets of the records printed are committed as they go and on exit
  --format FORMAT         text (default): the value as UTF-8 ('null' for none)
                          json: {"topic","partition","offset","timestamp","key","value",
                          "headers":{...}} per line; keys, values and header values are
                          UTF-8 strings when they are valid UTF-8, else base64; a
                          repeated header key has the array of its values
                          hex: the value's bytes in hex
  --print-key             text and hex: print KEY SEP VALUE
  -K, --key-separator SEP the separator for --print-key (default: a tab)
  --count N               exit after N records
  -f, --follow            keep waiting for new records at the end
  --isolation-level LEVEL read_uncommitted (default) or read_committed: only records of
                          committed transactions, up to the last stable offset (as
                          kafka-console-consumer's --isolation-level)
  --no-check-crcs         print the records of a batch whose CRC32C does not match (by
                          default, as Kafka's check.crcs, such a batch stops the run with
                          an error naming its partition and offset, after the records
                          before it)
  -h, --help              this help

Example:
  tributary consume orders --bootstrap localhost:9092 --from @2024-05-01T00:00:00Z --format json
`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  from: { type: 'string' },
  partition: { type: 'string' },
  group: { type: 'string' },
  format: { type: 'string' },
  'print-key': { type: 'boolean' },
  'key-separator': { type: 'string', short: 'K' },
  count: { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  'no-check-crcs': { type: 'boolean' },
  'isolation-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORMATS: readonly OutputFormat[] = ['text', 'json', 'hex'];
const ISOLATION_LEVELS: readonly IsolationLevel[] = ['read_uncommitted', 'read_committed'];

function parseFrom(from: string | undefined): StartSpec {
  if (from === undefined || from === 'earliest' || from === 'latest') return from ?? 'earliest';
  if (/^\d+$/.test(from)) return { offset: integerOption('from', from, 0, Number.MAX_SAFE_INTEGER)! };
  const time = from.startsWith('@') ? from.slice(1) : '';
  const timestamp = /^\d+$/.test(time) ? Number(time) : Date.parse(time);
  if (time === '' || !Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new UsageError(`--from must be earliest, latest, an offset or @TIME, got '${from}'`);
  return { timestamp };
}

async function openSource(target: Target, options: SourceOptions, listener: AssignmentListener): Promise<RecordSource> {
  if (target.kind === 'data-dir') return openEmbeddedSource(target.tributary, options, listener);
  const source = new BrokerSource(await ClientMetadata.open(target.connection, options.topic), listener, options);
  if (options.group === undefined) source.assign(await source.startPositions(options.partitions, options.start));
  else
    await BrokerGroupMember.join(target.connection, source, {
      group: options.group,
      topic: options.topic,
      partitionCount: options.partitions.length,
      start: options.start,
    });
  return source;
}

/** Writes to stdout, waiting for it to drain when it is full (or to fail: its error listener stops the run). */
async function writeOut(text: string): Promise<void> {
  if (process.stdout.write(text)) return;
  const settled = new AbortController();
  await Promise.race(
    ['drain', 'error'].map((event) => once(process.stdout, event, { signal: settled.signal }).catch(() => undefined)),
  );
  settled.abort();
}

interface RunOptions {
  follow: boolean;
  count: number;
  format: FormatOptions;
}

/** One consume: prints batches until the count, the end (without --follow) or a signal. */
class ConsumeRun implements AssignmentListener {
  private readonly ends = new EndOffsets();
  private source: RecordSource | null = null;
  /** A stdout error: EPIPE (the reader went away, as with \`| head\`) ends the run quietly, others fail it. */
  private outputError: NodeJS.ErrnoException | null = null;
  printed = 0;

  constructor(
    private readonly options: SourceOptions,
    private readonly run: RunOptions,
  ) {}

  onAssigned(partitions: SourcePartition[]): void {
    this.ends.assign(partitions);
    if (this.options.group !== undefined) {
      const names = partitions.map((p) => `${this.options.topic}-${p.partition}`).join(', ');
      process.stderr.write(`group ${this.options.group}: assigned ${names || 'no partitions'}\n`);
    }
    this.stopIfDone();
  }

  onRevoked(partitions: number[]): void {
    this.ends.revoke(partitions);
  }

  async consume(target: Target): Promise<void> {
    const source = await openSource(target, this.options, this);
    this.source = source;
    const stop = (): void => source.stop();
    const onOutputError = (error: NodeJS.ErrnoException): void => {
      this.outputError ??= error;
      source.stop();
    };
    process.once('SIGINT', stop).once('SIGTERM', stop);
    process.stdout.on('error', onOutputError);
    try {
      this.stopIfDone();
      for await (const batch of source.batches()) {
        await this.print(batch);
        if (this.stopIfDone()) break;
      }
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      await source.close();
    }
    if (this.outputError !== null && this.outputError.code !== 'EPIPE') throw this.outputError;
  }

  private stopIfDone(): boolean {
    const done = this.outputError !== null || this.printed >= this.run.count || (!this.run.follow && this.ends.reached);
    if (done) this.source?.stop();
    return done;
  }

  private async print(batch: SourceBatch): Promise<void> {
    const records = batch.records.slice(0, this.run.count - this.printed);
    if (records.length === 0) return;
    const lines = records.map((r) => formatRecord(this.options.topic, batch.partition, r, this.run.format));
    this.printed += records.length;
    const last = records[records.length - 1]!.offset;
    this.ends.advance(batch, last);
    await writeOut(lines.join('\n') + '\n');
    await this.source!.commit([{ partition: batch.partition, offset: last + 1 }]);
  }
}

export const consumeCommand: Command = {
  name: 'consume',
  summary: 'print the records of a topic (text, JSON or hex), optionally in a consumer group',
  async run(args) {
    const { values: o, positionals } = parseCommandLine(args, OPTIONS, {
      count: 1,
      usage: 'tributary consume TOPIC [options]',
    });
    if (o.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const start = parseFrom(o.from);
    const partition = integerOption('partition', o.partition, 0, 2 ** 31 - 1);
    if (o.group !== undefined && partition !== undefined)
      throw new UsageError('--group and --partition exclude each other: the group assigns the partitions');
    if (o.group !== undefined && typeof start === 'object')
      throw new UsageError(
        'with --group, --from must be earliest or latest (where partitions without a committed offset start)',
      );
    if (o.group === '') throw new UsageError('--group must not be empty');
    const run: RunOptions = {
      follow: o.follow === true,
      count: integerOption('count', o.count, 1, Number.MAX_SAFE_INTEGER) ?? Infinity,
      format: {
        format: choiceOption('format', o.format, FORMATS) ?? 'text',
        printKey: o['print-key'] === true,
        keySeparator: o['key-separator'] ?? '\t',
      },
    };
    const isolationLevel =
      choiceOption('isolation-level', o['isolation-level'], ISOLATION_LEVELS) ?? 'read_uncommitted';
    const topic = positionals[0]!;
    const printed = await withTarget(o, async (target) => {
      const consume = new ConsumeRun(
        {
          topic,
          partitions: await topicPartitions(target, topic, partition),
          start,
          group: o.group,
          checkCrcs: o['no-check-crcs'] !== true,
          isolationLevel,
        },
        run,
      );
      await consume.consume(target);
      return consume.printed;
    });
    process.stderr.write(`consumed ${printed} record(s)\n`);
    return 0;
  },
};
