/**
 * kcat 1.7.1 (librdkafka 2.0.2) as an interop client.
 *
 * What kcat's producer can say, and so what records it can be given:
 * - one partition, one header list and one null mode per run: runs are cut where those
 *   change. `-Z` (null mode) turns an empty key or value into null, so null and empty
 *   cannot share a run;
 * - no explicit timestamps: the producer stamps CreateTime itself;
 * - header values go through argv as UTF-8, so they must be valid UTF-8 without NUL;
 *   `-H name` (no `=`) is a null value;
 * - keys and values are split from stdin on multi-byte delimiters, which they must not contain.
 *
 * `-C -J` writes keys, values and header values as JSON strings of the raw bytes (yajl
 * escapes only control characters, as \u00XX, and passes bytes >= 0x80 through), so the
 * output is decoded as latin1 to get every byte back.
 */
import {
  byPartitionThenOffset,
  listOffsetsTimestamp,
  toBase64,
  type ClientDriver,
  type CompressionCodec,
  type ConsumerRecordJson,
  type HeaderJson,
  type OffsetSpec,
  type PartitionOffset,
  type ProducerRecordJson,
  type TopicMetadataJson,
} from './ClientDriver.js';
import { runProcess } from './process.js';

const KCAT = 'kcat';
const KEY_DELIMITER = '<<kcat-key>>';
const RECORD_DELIMITER = '<<kcat-record>>';
const METADATA_TIMEOUT_S = '10';

interface Run {
  partition: number;
  headers: HeaderJson[];
  nullMode: boolean;
  records: ProducerRecordJson[];
}

const isEmpty = (bytes: string | null): boolean => bytes === '';

function checkExpressible(record: ProducerRecordJson): void {
  if (record.timestamp !== null) throw new Error('kcat cannot produce a record with an explicit timestamp');
  for (const [name, value] of record.headers) {
    const bytes = value === null ? null : Buffer.from(value, 'base64');
    if (
      name.includes('=') ||
      (bytes !== null && (bytes.includes(0) || !Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)))
    ) {
      throw new Error(
        `kcat cannot produce header ${JSON.stringify(name)}: names without '=', values UTF-8 without NUL`,
      );
    }
  }
  for (const field of [record.key, record.value]) {
    const bytes = Buffer.from(field ?? '', 'base64');
    if (bytes.includes(KEY_DELIMITER) || bytes.includes(RECORD_DELIMITER))
      throw new Error('kcat record contains a delimiter');
  }
}

function fits(run: Run, record: ProducerRecordJson): boolean {
  const hasNull = record.key === null || record.value === null;
  const hasEmpty = isEmpty(record.key) || isEmpty(record.value);
  return (
    run.partition === record.partition &&
    JSON.stringify(run.headers) === JSON.stringify(record.headers) &&
    (run.nullMode ? !hasEmpty : !hasNull)
  );
}

/** Consecutive records cut into runs kcat can produce in one process each. */
function runsOf(records: ProducerRecordJson[]): Run[] {
  const runs: Run[] = [];
  for (const record of records) {
    checkExpressible(record);
    const last = runs.at(-1);
    if (last !== undefined && fits(last, record)) last.records.push(record);
    else
      runs.push({
        partition: record.partition,
        headers: record.headers,
        nullMode: record.key === null || record.value === null,
        records: [record],
      });
  }
  return runs;
}

function headerArgs(headers: HeaderJson[]): string[] {
  return headers.flatMap(([name, value]) => [
    '-H',
    value === null ? name : `${name}=${Buffer.from(value, 'base64').toString('utf8')}`,
  ]);
}

function produceRun(bootstrap: string, topic: string, run: Run, codec: CompressionCodec): Promise<unknown> {
  const input = Buffer.concat(
    run.records.flatMap((r) => [
      Buffer.from(r.key ?? '', 'base64'),
      Buffer.from(KEY_DELIMITER),
      Buffer.from(r.value ?? '', 'base64'),
      Buffer.from(RECORD_DELIMITER),
    ]),
  );
  const args = [
    '-P',
    '-q',
    '-b',
    bootstrap,
    '-t',
    topic,
    '-p',
    String(run.partition),
    '-K',
    KEY_DELIMITER,
    '-D',
    RECORD_DELIMITER,
    '-m',
    METADATA_TIMEOUT_S,
  ];
  if (codec !== 'none') args.push('-z', codec);
  if (run.nullMode) args.push('-Z');
  return runProcess(KCAT, [...args, ...headerArgs(run.headers)], { input });
}

/** Runs for different partitions go at once; each partition's runs go in order. */
async function produce(
  bootstrap: string,
  topic: string,
  records: ProducerRecordJson[],
  codec: CompressionCodec,
): Promise<void> {
  const byPartition = new Map<number, Run[]>();
  for (const run of runsOf(records)) byPartition.set(run.partition, [...(byPartition.get(run.partition) ?? []), run]);
  await Promise.all(
    [...byPartition.values()].map(async (runs) => {
      for (const run of runs) await produceRun(bootstrap, topic, run, codec);
    }),
  );
}

interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  ts: number;
  headers?: (string | null)[];
  key: string | null;
  payload: string | null;
}

const rawBytes = (latin1: string | null): string | null =>
  toBase64(latin1 === null ? null : Buffer.from(latin1, 'latin1'));

function headersOf(flat: (string | null)[] = []): HeaderJson[] {
  const headers: HeaderJson[] = [];
  for (let i = 0; i < flat.length; i += 2)
    headers.push([Buffer.from(flat[i] ?? '', 'latin1').toString('utf8'), rawBytes(flat[i + 1] ?? null)]);
  return headers;
}

function consumerRecordOf(line: string): ConsumerRecordJson {
  const m = JSON.parse(line) as KcatMessage;
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: m.ts,
    key: rawBytes(m.key),
    value: rawBytes(m.payload),
    headers: headersOf(m.headers),
  };
}

const jsonLines = (stdout: Buffer, encoding: BufferEncoding): string[] =>
  stdout
    .toString(encoding)
    .split('\n')
    .filter((line) => line.trim() !== '');

async function consume(bootstrap: string, topic: string, count: number): Promise<ConsumerRecordJson[]> {
  const args = [
    '-C',
    '-q',
    '-J',
    '-b',
    bootstrap,
    '-t',
    topic,
    '-o',
    'beginning',
    '-e',
    '-c',
    String(count),
    '-m',
    METADATA_TIMEOUT_S,
  ];
  const { stdout } = await runProcess(KCAT, args);
  return jsonLines(stdout, 'latin1').map(consumerRecordOf).sort(byPartitionThenOffset);
}

interface KcatMetadata {
  topics: { topic: string; partitions: { partition: number }[]; error?: string }[];
}

async function metadata(bootstrap: string, topics: string[]): Promise<TopicMetadataJson[]> {
  const results = await Promise.all(
    topics.map(async (topic) => {
      const { stdout } = await runProcess(KCAT, [
        '-L',
        '-J',
        '-q',
        '-b',
        bootstrap,
        '-t',
        topic,
        '-m',
        METADATA_TIMEOUT_S,
      ]);
      return (JSON.parse(stdout.toString('utf8')) as KcatMetadata).topics;
    }),
  );
  return results
    .flat()
    .map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => p.partition).sort((a, b) => a - b) }));
}

type KcatOffsets = Record<string, Record<string, { partition: number; offset: number } | string>>;

/** `-Q` asks librdkafka's offsetsForTimes, which passes -1 / -2 through as LATEST / EARLIEST. */
async function listOffsets(bootstrap: string, topic: string, spec: OffsetSpec): Promise<PartitionOffset[]> {
  const [found] = await metadata(bootstrap, [topic]);
  const targets = (found?.partitions ?? []).flatMap((p) => ['-t', `${topic}:${p}:${listOffsetsTimestamp(spec)}`]);
  const { stdout } = await runProcess(KCAT, ['-Q', '-J', '-q', '-b', bootstrap, '-m', METADATA_TIMEOUT_S, ...targets]);
  const entries = Object.values((JSON.parse(stdout.toString('utf8')) as KcatOffsets)[topic] ?? {});
  return entries
    .filter((entry) => typeof entry === 'object')
    .map(({ partition, offset }) => ({ partition, offset }))
    .sort((a, b) => a.partition - b.partition);
}

export const kcat: ClientDriver = { name: 'kcat', produce, consume, listOffsets, metadata };
