/**
 * `tributary produce` as a real process, against a broker started with `tributary serve`
 * and against a data directory, cross-checked with kafkajs: it reads back the keys,
 * values, headers and partitions the CLI wrote, and partitions keys as the CLI did.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Partitioners, type Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { serve, tributary } from '../helpers/cli.js';
import { kafkaClient, kafkajsBroker } from '../helpers/kafkajs.js';
import { expectUsageErrors } from '../helpers/cliExpect.js';
import { tempDir } from '../helpers/tmp.js';

interface Seen {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: Record<string, string | null>;
}

async function createTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }] });
  await admin.disconnect();
}

/** Every record of `topic`'s partitions, fetched and decoded by kafkajs. */
async function readWithKafkajs(port: number, topic: string, partitions: number): Promise<Seen[]> {
  const client = await kafkajsBroker(port);
  try {
    const response = await client.fetch({
      maxWaitTime: 0,
      topics: [
        {
          topic,
          partitions: [...Array(partitions).keys()].map((partition) => ({
            partition,
            fetchOffset: '0',
            maxBytes: 1 << 20,
          })),
        },
      ],
    });
    const text = (b: Buffer | null): string | null => (b === null ? null : b.toString());
    return response.responses[0]!.partitions.flatMap(({ partition, messages }) =>
      messages.map((m) => ({
        partition,
        offset: Number(m.offset),
        key: text(m.key),
        value: text(m.value),
        timestamp: Number(m.timestamp),
        headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, v === null ? null : String(v)])),
      })),
    ).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  } finally {
    await client.disconnect();
  }
}

/** kafkajs' own DefaultPartitioner (Java's murmur2) for a key. */
function kafkajsPartition(topic: string, key: string, partitions: number): number {
  const partitionMetadata = [...Array(partitions).keys()].map((partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
    offlineReplicas: [],
  }));
  return Partitioners.DefaultPartitioner()({ topic, partitionMetadata, message: { key, value: null } });
}

describe('tributary produce', () => {
  it('writes keyed lines with headers over the wire, partitioned by murmur2 as kafkajs partitions them', async () => {
    const broker = await serve(tempDir());
    const kafka = kafkaClient(broker.port);
    await createTopic(kafka, 'lines', 4);
    const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
    const input = keys.map((k, i) => `${k}::value ${i}: with a colon`).join('\n') + '\n';
    const run = tributary(
      [
        'produce',
        'lines',
        '--bootstrap',
        `127.0.0.1:${broker.port}`,
        '-K',
        '::',
        '--header',
        'source=cli',
        '--header',
        'n=1=2',
        '--json',
      ],
      { stdin: input },
    );
    const exit = await run.exit;
    expect(exit.code).toBe(0);
    const offsets = exit.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { topic: string; partition: number; offset: number });
    expect(exit.stderr).toMatch(/^produced 8 record\(s\) to lines \(partitions: [\d, ]+\)\n$/);

    const seen = await readWithKafkajs(broker.port, 'lines', 4);
    for (const [i, key] of keys.entries()) {
      const record = seen.find((s) => s.key === key)!;
      expect(record).toMatchObject({ value: `value ${i}: with a colon`, headers: { source: 'cli', n: '1=2' } });
      expect(record.partition).toBe(kafkajsPartition('lines', key, 4));
      expect(offsets[i]).toEqual({ topic: 'lines', partition: record.partition, offset: record.offset });
    }
  });

  it('sends JSON lines with every codec and acks setting; the batches on disk carry the codec', async () => {
    const dataDir = tempDir();
    const broker = await serve(dataDir);
    const kafka = kafkaClient(broker.port);
    await createTopic(kafka, 'json', 5);
    const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
    const acks = ['-1', '1', '0', '1', '-1'];
    const runs = codecs.map((codec, partition) => {
      const line = JSON.stringify({
        key: `k-${codec}`,
        value: { codec },
        headers: { codec, empty: null },
        partition,
        timestamp: 1_700_000_000_000 + partition,
      });
      return tributary(
        [
          'produce',
          'json',
          '--bootstrap',
          `127.0.0.1:${broker.port}`,
          '--format',
          'json',
          '--compression',
          codec,
          `--acks=${acks[partition]!}`,
        ],
        { stdin: `${line}\n\n` },
      ).exit;
    });
    for (const exit of await Promise.all(runs)) expect(exit).toMatchObject({ code: 0, stdout: '' });

    const seen = await readWithKafkajs(broker.port, 'json', codecs.length);
    expect(seen).toEqual(
      codecs.map((codec, partition) => ({
        partition,
        offset: 0,
        key: `k-${codec}`,
        value: JSON.stringify({ codec }),
        timestamp: 1_700_000_000_000 + partition,
        headers: { codec, empty: null },
      })),
    );
    for (const [partition, codec] of codecs.entries()) {
      const log = readFileSync(join(dataDir, `json-${partition}`, '00000000000000000000.log'));
      // RecordBatch v2: attributes (int16) at byte 21, compression in its low 3 bits.
      expect(log.readInt16BE(21) & 7).toBe(codecs.indexOf(codec));
    }
  });

  it('writes to a data directory in-process; a broker serving it afterwards hands kafkajs the same records', async () => {
    const dataDir = tempDir();
    const first = await serve(dataDir);
    await createTopic(kafkaClient(first.port), 'local', 2);
    first.child.kill('SIGTERM');
    await first.exit;

    const input = ['one', 'two', 'three'].join('\n') + '\n';
    const exit = await tributary(
      ['produce', 'local', '--data-dir', dataDir, '--partition', '1', '--header', 'h=v', '--compression', 'lz4'],
      { stdin: input },
    ).exit;
    expect(exit).toMatchObject({ code: 0, stdout: '', stderr: 'produced 3 record(s) to local (partitions: 1)\n' });
    const badPartition = await tributary(['produce', 'local', '--data-dir', dataDir, '--format', 'json'], {
      stdin: '{"value":"v","partition":2}\n',
    }).exit;
    expect(badPartition).toMatchObject({
      code: 1,
      stderr: 'tributary: producing to local-2 (of 2 partitions) failed: UNKNOWN_TOPIC_OR_PARTITION\n',
    });

    const broker = await serve(dataDir);
    const seen = await readWithKafkajs(broker.port, 'local', 2);
    expect(
      seen.map(({ partition, offset, key, value, headers }) => ({ partition, offset, key, value, headers })),
    ).toEqual(
      ['one', 'two', 'three'].map((value, offset) => ({ partition: 1, offset, key: null, value, headers: { h: 'v' } })),
    );
  });

  it('answers --help, refuses bad arguments with one line and exit 2, and names Kafka errors with exit 1', async () => {
    const help = await tributary(['produce', '--help']).exit;
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--key-separator SEP/);
    await expectUsageErrors([
      [['produce'], /^tributary: usage: tributary produce TOPIC/],
      [
        ['produce', 't', '--data-dir', 'x', '--compression', 'brotli'],
        /^tributary: --compression must be one of none, gzip, snappy, lz4, zstd/,
      ],
      [['produce', 't', '--data-dir', 'x', '--header', 'novalue'], /^tributary: --header must be KEY=VALUE/],
      [['produce', 't', '--data-dir', 'x', '--acks', '2'], /^tributary: --acks must be one of/],
      [['produce', 't', '--data-dir', 'x', '--partition=-1'], /^tributary: --partition must be an integer/],
      [['produce', 't', '--data-dir', 'x', '--bogus'], /^tributary: Unknown option '--bogus'/],
      [['produce', 't'], /^tributary: give exactly one of --bootstrap/],
    ]);

    const dataDir = tempDir();
    const unknownLocal = await tributary(['produce', 'missing', '--data-dir', dataDir], { stdin: 'x\n' }).exit;
    expect(unknownLocal).toMatchObject({
      code: 1,
      stderr: "tributary: looking up topic 'missing' failed: UNKNOWN_TOPIC_OR_PARTITION\n",
    });
    const broker = await serve(dataDir);
    await createTopic(kafkaClient(broker.port), 'one', 1);
    const bootstrap = ['--bootstrap', `127.0.0.1:${broker.port}`];
    const [unknownRemote, badPartition, noSeparator, badJson] = await Promise.all([
      tributary(['produce', 'missing', ...bootstrap], { stdin: 'x\n' }).exit,
      tributary(['produce', 'one', ...bootstrap, '--partition', '3'], { stdin: 'x\n' }).exit,
      tributary(['produce', 'one', ...bootstrap, '-K', ':'], { stdin: 'a:b\nno separator\n' }).exit,
      tributary(['produce', 'one', ...bootstrap, '--format', 'json'], { stdin: '{"value":"ok"}\n[1]\n' }).exit,
    ]);
    expect(unknownRemote).toMatchObject({
      code: 1,
      stderr: "tributary: looking up topic 'missing' failed: UNKNOWN_TOPIC_OR_PARTITION\n",
    });
    expect(badPartition).toMatchObject({
      code: 1,
      stderr: 'tributary: producing to one-3 (of 1 partitions) failed: UNKNOWN_TOPIC_OR_PARTITION\n',
    });
    expect(noSeparator).toMatchObject({ code: 1, stderr: "tributary: line 2: no key separator ':'\n" });
    expect(badJson).toMatchObject({ code: 1, stderr: 'tributary: line 2: not a JSON object\n' });
  });
});
