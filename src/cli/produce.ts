/** `tributary produce TOPIC`: records from stdin, one per line, to a broker or a data directory. */
import { createInterface } from 'node:readline';
import type { ProducerRecord, RecordMetadata } from '../client/ProducerRecord.js';
import { CompressionType, type CompressionCodec } from '../record/Compression.js';
import { choiceOption, integerOption, parseCommandLine, UsageError, type Command } from './Command.js';
import { ClientMetadata } from './ClientMetadata.js';
import { BrokerProducer, type Acks } from './produce/BrokerProducer.js';
import { parseRecordLine, type InputFormat, type LineOptions } from './produce/RecordLine.js';
import { TARGET_HELP, TARGET_OPTIONS, withTarget, type Target } from './Target.js';
import { checkPartition, partitionCount } from './TopicPartitions.js';

const HELP = `Usage: tributary produce TOPIC (--bootstrap HOST:PORT | --data-dir DIR) [options]

Reads records from stdin, one per line, and produces them to TOPIC. Records are
batched; each batch is sent after 100 ms without input or when it grows large.

Options:
${TARGET_HELP}
  -K, --key-separator SEP the key is the line up to the first SEP, the value the rest
                          (a line without SEP is an error); default: no key
  --header KEY=VALUE      a header on every record (repeatable)
  --partition N           write every record to partition N (default: murmur2 of the
                          key as Kafka's producer; records without a key stick to one
                          partition per 16 KiB)
  --compression CODEC     none (default), gzip, snappy, lz4 or zstd
  --format FORMAT         text (default): the line is the value
                          json: each line is {"key":..., "value":..., "headers":{...},
                          "partition":N, "timestamp":ms}, all optional; strings are
                          taken as UTF-8, other JSON values as their JSON text; a
                          header given an array of values is repeated, one per value
  --acks ACKS             0, 1, all or -1 (default all; write --acks=-1, as a bare -1
                          reads as an option); in-process (--data-dir) it has no effect
  --json                  print each record's {"topic","partition","offset"} on stdout
  -h, --help              this help

Ends at the end of input with a summary on stderr, e.g.
  printf 'k1:v1\\nk2:v2\\n' | tributary produce orders --bootstrap localhost:9092 -K :
`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  'key-separator': { type: 'string', short: 'K' },
  header: { type: 'string', multiple: true },
  partition: { type: 'string' },
  compression: { type: 'string' },
  format: { type: 'string' },
  acks: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORMATS: readonly InputFormat[] = ['text', 'json'];
const ACKS: readonly string[] = ['0', '1', '-1', 'all'];
/** A send once this much input is waiting (well under the default max.message.bytes of 1 MiB per batch). */
const SEND_BYTES = 256 * 1024;
const LINGER_MS = 100;

interface RecordSink {
  send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]>;
  flush(): Promise<void>;
  /** Releases what the sink holds beyond the target (a cluster's other brokers' connections). */
  close(): Promise<void>;
}

function parseHeaders(headers: string[] | undefined): [string, string][] {
  return (headers ?? []).map((header) => {
    const at = header.indexOf('=');
    if (at <= 0) throw new UsageError(`--header must be KEY=VALUE, got '${header}'`);
    return [header.slice(0, at), header.slice(at + 1)];
  });
}

async function openSink(target: Target, topic: string, compression: CompressionCodec, acks: Acks): Promise<RecordSink> {
  if (target.kind === 'broker') {
    const metadata = await ClientMetadata.open(target.connection, topic);
    const producer = new BrokerProducer(metadata, { compression, acks });
    return { send: (records) => producer.send(records), flush: () => producer.flush(), close: () => metadata.close() };
  }
  const partitions = await partitionCount(target, topic);
  const producer = target.tributary.producer({ compression });
  return {
    send: (records) => {
      for (const { partition } of records)
        if (partition !== undefined) checkPartition(topic, partition, partitions, 'producing to');
      return producer.send(topic, records);
    },
    flush: () => producer.flush(),
    close: async () => undefined,
  };
}

/** Gathers records and sends them in order, one send at a time, when enough are waiting or input pauses. */
class Batcher {
  private pending: ProducerRecord[] = [];
  private pendingBytes = 0;
  private sending: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private timer: NodeJS.Timeout | null = null;
  records = 0;
  readonly partitions = new Set<number>();

  constructor(
    private readonly sink: RecordSink,
    private readonly printOffsets: boolean,
  ) {}

  async add(record: ProducerRecord, bytes: number): Promise<void> {
    this.throwIfFailed();
    this.pending.push(record);
    this.pendingBytes += bytes;
    if (this.pendingBytes < SEND_BYTES) {
      this.timer ??= setTimeout(() => this.sendPending(), LINGER_MS);
      return;
    }
    // Waits for the send before, so that input is read no faster than it is sent.
    await this.sending;
    this.sendPending();
  }

  async end(): Promise<void> {
    this.sendPending();
    await this.sending;
    this.throwIfFailed();
    await this.sink.flush();
  }

  /** Queues the waiting records for sending; a failure is kept for the next add() or end(). */
  private sendPending(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const records = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (records.length === 0) return;
    this.sending = this.sending
      .then(() => (this.failure === null ? this.sendNow(records) : undefined))
      .catch((error: unknown) => {
        this.failure ??= error;
      });
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  private async sendNow(records: ProducerRecord[]): Promise<void> {
    const sent = await this.sink.send(records);
    this.records += sent.length;
    for (const meta of sent) this.partitions.add(meta.partition);
    if (this.printOffsets) process.stdout.write(sent.map((m) => JSON.stringify(m)).join('\n') + '\n');
  }
}

async function produceLines(batcher: Batcher, options: LineOptions): Promise<void> {
  let lineNumber = 0;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    const record = parseRecordLine(line, options, ++lineNumber);
    if (record !== null) await batcher.add(record, line.length);
  }
  await batcher.end();
}

export const produceCommand: Command = {
  name: 'produce',
  summary: 'produce records read from stdin (lines or JSON) to a topic',
  async run(args) {
    const { values: o, positionals } = parseCommandLine(args, OPTIONS, {
      count: 1,
      usage: 'tributary produce TOPIC [options]',
    });
    if (o.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const lineOptions: LineOptions = {
      format: choiceOption('format', o.format, FORMATS) ?? 'text',
      keySeparator: o['key-separator'],
      headers: parseHeaders(o.header),
      partition: integerOption('partition', o.partition, 0, 2 ** 31 - 1),
    };
    if (lineOptions.keySeparator === '') throw new UsageError('--key-separator must not be empty');
    const compression =
      choiceOption('compression', o.compression, Object.keys(CompressionType) as CompressionCodec[]) ?? 'none';
    const acksText = choiceOption('acks', o.acks, ACKS) ?? '-1';
    const acks = (acksText === 'all' ? -1 : Number(acksText)) as Acks;
    const topic = positionals[0]!;
    const batcher = await withTarget(o, async (target) => {
      const sink = await openSink(target, topic, compression, acks);
      const b = new Batcher(sink, o.json === true);
      try {
        await produceLines(b, lineOptions);
      } finally {
        await sink.close();
      }
      return b;
    });
    const partitions = [...batcher.partitions].sort((a, b) => a - b);
    process.stderr.write(
      `produced ${batcher.records} record(s) to ${topic} (partitions: ${partitions.join(', ') || 'none'})\n`,
    );
    return 0;
  },
};
