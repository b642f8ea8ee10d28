/**
 * `tributary consume` as a real process, against a broker started with `tributary serve`
 * and against a data directory: kafkajs produces, the CLI prints what kafkajs wrote in
 * every format, from offsets and times, follows new records, and shares partitions in
 * a group whose committed offsets kafkajs' admin reads.
 */
import { CompressionTypes, type Kafka } from 'kafkajs';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { serve, tributary, type ServedBroker } from '../helpers/cli.js';
import { kafkaClient, kafkajsBroker } from '../helpers/kafkajs.js';
import { expectUsageErrors } from '../helpers/cliExpect.js';
import { corruptBatchMessage, corruptedLog, TOPIC } from '../helpers/corruptBatch.js';
import { tempDir } from '../helpers/tmp.js';
import { ABORTED_TRANSACTION, COMMITTED_TRANSACTIONS, writeTransactions } from '../helpers/transactions.js';
import { Engine } from '../../src/engine/Engine.js';

const T0 = 1_700_000_000_000;

interface Produced {
  partition: number;
  key: string | null;
  value: string;
  timestamp: number;
  headers: Record<string, string>;
}

/** Three records per partition of a 2-partition topic; partition 1 gzip-compressed, one key and one value not UTF-8. */
const PRODUCED: Produced[] = [0, 1].flatMap((partition) =>
  [0, 1, 2].map((i) => ({
    partition,
    key: i === 1 ? null : `key-${partition}-${i}`,
    value: `value ${partition}/${i}`,
    timestamp: T0 + 1000 * i,
    headers: { n: String(i) },
  })),
);

async function createTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }] });
  await admin.disconnect();
}

async function produceWithKafkajs(kafka: Kafka, topic: string, records: Produced[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (const partition of [...new Set(records.map((r) => r.partition))]) {
    const messages = records
      .filter((r) => r.partition === partition)
      .map((r) => ({ ...r, timestamp: String(r.timestamp) }));
    await producer.send({
      topic,
      messages,
      compression: partition === 1 ? CompressionTypes.GZIP : CompressionTypes.None,
    });
  }
  await producer.disconnect();
}

/** A broker with topic `t` holding PRODUCED. */
async function brokerWithRecords(
  dataDir = tempDir(),
): Promise<{ broker: ServedBroker; kafka: Kafka; bootstrap: string[] }> {
  const broker = await serve(dataDir);
  const kafka = kafkaClient(broker.port);
  await createTopic(kafka, 't', 2);
  await produceWithKafkajs(kafka, 't', PRODUCED);
  return { broker, kafka, bootstrap: ['--bootstrap', `127.0.0.1:${broker.port}`] };
}

/** The group's committed offsets of `t` and its state, as kafkajs' admin reads them. */
async function describeGroup(
  kafka: Kafka,
  groupId: string,
): Promise<{ state: string; committed: { partition: number; offset: string }[] }> {
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: ['t'] });
  const { groups } = await admin.describeGroups([groupId]);
  await admin.disconnect();
  return {
    state: groups[0]!.state,
    committed: offsets!.partitions
      .map(({ partition, offset }) => ({ partition, offset }))
      .sort((a, b) => a.partition - b.partition),
  };
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function expectedJson(records: Produced[]): Record<string, unknown>[] {
  return records.map((r) => ({
    topic: 't',
    partition: r.partition,
    offset: PRODUCED.filter((p) => p.partition === r.partition).indexOf(r),
    timestamp: r.timestamp,
    key: r.key,
    value: r.value,
    headers: r.headers,
  }));
}

/** Resolves once the child's stderr (from now on) matches `pattern`. */
function stderrMatch(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const listen = (data: Buffer): void => {
      text += data.toString();
      const match = pattern.exec(text);
      if (match === null) return;
      child.stderr.off('data', listen);
      resolve(match[0]);
    };
    child.stderr.on('data', listen);
  });
}

async function nextLines(lines: AsyncIterableIterator<string>, count: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) out.push(String((await lines.next()).value));
  return out;
}

describe('tributary consume', () => {
  it('prints what kafkajs produced, in json, text and hex, to the end of every partition', async () => {
    const { bootstrap } = await brokerWithRecords();
    const [json, text, hex] = await Promise.all([
      tributary(['consume', 't', ...bootstrap, '--format', 'json']).exit,
      tributary(['consume', 't', ...bootstrap, '--print-key', '-K', ' => ', '--partition', '1']).exit,
      tributary(['consume', 't', ...bootstrap, '--format', 'hex', '--partition', '0']).exit,
    ]);
    expect(json).toMatchObject({ code: 0, stderr: 'consumed 6 record(s)\n' });
    expect(jsonLines(json.stdout)).toEqual(expectedJson(PRODUCED));
    expect(text.stdout).toBe(['key-1-0 => value 1/0', 'null => value 1/1', 'key-1-2 => value 1/2', ''].join('\n'));
    expect(hex.stdout).toBe([0, 1, 2].map((i) => Buffer.from(`value 0/${i}`).toString('hex') + '\n').join(''));
  });

  it('starts at an offset or a time and stops after --count records', async () => {
    const { bootstrap } = await brokerWithRecords();
    const iso = new Date(T0 + 1000).toISOString();
    const runs = await Promise.all([
      tributary(['consume', 't', ...bootstrap, '--format', 'json', '--from', '2']).exit,
      tributary(['consume', 't', ...bootstrap, '--format', 'json', '--from', `@${T0 + 1500}`]).exit,
      tributary(['consume', 't', ...bootstrap, '--format', 'json', '--from', `@${iso}`, '--partition', '1']).exit,
      tributary(['consume', 't', ...bootstrap, '--format', 'json', '--count', '2', '--partition', '0']).exit,
      tributary(['consume', 't', ...bootstrap, '--from', 'latest']).exit,
      tributary(['consume', 't', ...bootstrap, '--from', '99']).exit,
    ]);
    const [fromOffset, fromEpoch, fromIso, counted, latest, pastEnd] = runs.map((r) => jsonLines(r.stdout));
    const at = (partition: number, index: number): Produced => PRODUCED[partition * 3 + index]!;
    expect(fromOffset).toEqual(expectedJson([at(0, 2), at(1, 2)]));
    expect(fromEpoch).toEqual(expectedJson([at(0, 2), at(1, 2)]));
    expect(fromIso).toEqual(expectedJson([at(1, 1), at(1, 2)]));
    expect(counted).toEqual(expectedJson([at(0, 0), at(0, 1)]));
    expect(latest).toEqual([]);
    expect(pastEnd).toEqual([]);
    for (const run of runs) expect(run.code).toBe(0);
  });

  it('prints a repeated header key as the array of its values, which produce --format json writes back as it was', async () => {
    const broker = await serve(tempDir());
    const kafka = kafkaClient(broker.port);
    await createTopic(kafka, 'h', 1);
    await createTopic(kafka, 'copy', 1);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'h', messages: [{ value: 'v', headers: { trace: ['1', '2'], source: 'x' } }] });
    await producer.disconnect();
    const bootstrap = ['--bootstrap', `127.0.0.1:${broker.port}`];

    const printed = await tributary(['consume', 'h', ...bootstrap, '--format', 'json']).exit;
    expect(jsonLines(printed.stdout).map((r) => r.headers)).toEqual([{ trace: ['1', '2'], source: 'x' }]);
    expect(
      (await tributary(['produce', 'copy', ...bootstrap, '--format', 'json'], { stdin: printed.stdout }).exit).code,
    ).toBe(0);

    const client = await kafkajsBroker(broker.port);
    const fetched = await client.fetch({
      maxWaitTime: 0,
      topics: [{ topic: 'copy', partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1 << 20 }] }],
    });
    await client.disconnect();
    const headers = fetched.responses[0]!.partitions[0]!.messages.map((m) => m.headers);
    expect(headers).toEqual([{ trace: [Buffer.from('1'), Buffer.from('2')], source: Buffer.from('x') }]);
  });

  it('with --follow, waits at the end and prints what a later produce writes, until SIGTERM', async () => {
    const { bootstrap, kafka } = await brokerWithRecords();
    // From the end offset rather than 'latest', which a produce racing the start could move.
    const follow = tributary(['consume', 't', ...bootstrap, '--from', '3', '--follow', '--partition', '0']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await produceWithKafkajs(kafka, 't', [
      { partition: 0, key: 'late', value: 'late value', timestamp: T0, headers: {} },
    ]);
    expect(await nextLines(follow.lines, 1)).toEqual(['late value']);
    follow.child.kill('SIGTERM');
    expect(await follow.exit).toMatchObject({ code: 0, stderr: 'consumed 1 record(s)\n' });
  });

  it('shares partitions between two consumers of a group and commits what they printed, as kafkajs admin reads it', async () => {
    const { bootstrap, kafka } = await brokerWithRecords();
    const args = ['consume', 't', ...bootstrap, '--group', 'cli-group', '--follow'];
    const first = tributary(args);
    await stderrMatch(first.child, /group cli-group: assigned t-0, t-1\n/);
    expect(await nextLines(first.lines, 6)).toHaveLength(6);
    const shared = stderrMatch(first.child, /group cli-group: assigned t-\d\n/);
    const second = tributary(args);
    const [firstGot, secondGot] = await Promise.all([
      shared,
      stderrMatch(second.child, /group cli-group: assigned t-\d\n/),
    ]);
    expect(new Set([firstGot, secondGot]).size).toBe(2);

    await produceWithKafkajs(
      kafka,
      't',
      [0, 1].map((partition) => ({ partition, key: null, value: `new ${partition}`, timestamp: T0, headers: {} })),
    );
    const [firstLine, secondLine] = await Promise.all([nextLines(first.lines, 1), nextLines(second.lines, 1)]);
    expect(firstLine).toEqual([`new ${firstGot.slice(-2, -1)}`]);
    expect(secondLine).toEqual([`new ${secondGot.slice(-2, -1)}`]);
    first.child.kill('SIGTERM');
    second.child.kill('SIGTERM');
    expect((await first.exit).code).toBe(0);
    expect((await second.exit).code).toBe(0);

    expect(await describeGroup(kafka, 'cli-group')).toEqual({
      state: 'Empty',
      committed: [
        { partition: 0, offset: '4' },
        { partition: 1, offset: '4' },
      ],
    });
  });

  it('reads a data directory in-process, and a group there resumes at its commits, which a broker then serves', async () => {
    const dataDir = tempDir();
    const { broker } = await brokerWithRecords(dataDir);
    broker.child.kill('SIGTERM');
    await broker.exit;
    const local = ['consume', 't', '--data-dir', dataDir];
    const all = await tributary([...local, '--format', 'json']).exit;
    expect(all.code).toBe(0);
    expect(jsonLines(all.stdout)).toEqual(expectedJson(PRODUCED));
    const firstRun = await tributary([...local, '--group', 'local', '--count', '4']).exit;
    const secondRun = await tributary([...local, '--group', 'local']).exit;
    const printed = (firstRun.stdout + secondRun.stdout).trim().split('\n');
    expect(firstRun).toMatchObject({ code: 0, stderr: 'group local: assigned t-0, t-1\nconsumed 4 record(s)\n' });
    expect(secondRun).toMatchObject({ code: 0, stderr: 'group local: assigned t-0, t-1\nconsumed 2 record(s)\n' });
    expect(printed.sort()).toEqual(PRODUCED.map((r) => r.value).sort());

    const served = await serve(dataDir);
    expect(await describeGroup(kafkaClient(served.port), 'local')).toEqual({
      state: 'Empty',
      committed: [
        { partition: 0, offset: '3' },
        { partition: 1, offset: '3' },
      ],
    });
  });

  it('stops at a batch whose CRC32C does not match (check.crcs), from a data directory and from a broker, after the records before it; --no-check-crcs prints it', async () => {
    const { dataDir, written, bad } = await corruptedLog('none');
    const local = await tributary(['consume', TOPIC, '--data-dir', dataDir]).exit;
    const unchecked = await tributary(['consume', TOPIC, '--data-dir', dataDir, '--no-check-crcs']).exit;
    const broker = await serve(dataDir);
    const remote = await tributary(['consume', TOPIC, '--bootstrap', `127.0.0.1:${broker.port}`]).exit;
    const stopped = {
      code: 1,
      stdout: written.slice(0, bad.baseOffset).join('\n') + '\n',
      stderr: `tributary: ${corruptBatchMessage(bad)}\n`,
    };
    expect(local).toEqual(stopped);
    expect(remote).toEqual(stopped);
    expect(unchecked).toMatchObject({ code: 0, stderr: `consumed ${written.length} record(s)\n` });
    const printed = unchecked.stdout.trim().split('\n');
    expect(printed.map((value, offset) => value !== written[offset]).indexOf(true)).toBe(bad.lastOffset);
    expect(printed.filter((value, offset) => value !== written[offset])).toHaveLength(1);
  });

  it('--isolation-level read_committed and read_uncommitted, from a data directory and from a broker: committed transactions print without their markers, to the end', async () => {
    const dataDir = tempDir();
    const engine = await Engine.open({ dataDir });
    engine.createTopic('tx', { partitions: 1 });
    await writeTransactions(engine.partition('tx', 0), COMMITTED_TRANSACTIONS);
    await engine.close();
    const expected = { code: 0, stdout: 'p0\na\nb\nc\np1\n', stderr: 'consumed 5 record(s)\n' };
    const levels = ['read_committed', 'read_uncommitted'];
    for (const level of levels)
      expect(await tributary(['consume', 'tx', '--data-dir', dataDir, '--isolation-level', level]).exit).toEqual(
        expected,
      );
    const broker = await serve(dataDir);
    for (const level of levels) {
      const remote = ['consume', 'tx', '--bootstrap', `127.0.0.1:${broker.port}`, '--isolation-level', level];
      expect(await tributary(remote).exit).toEqual(expected);
      expect(await tributary([...remote, '--from', 'latest']).exit).toEqual({
        ...expected,
        stdout: '',
        stderr: 'consumed 0 record(s)\n',
      });
    }
  });

  it('--isolation-level over an aborted transaction, from a data directory and from a broker: read_committed leaves its records out, read_uncommitted prints them', async () => {
    const dataDir = tempDir();
    const engine = await Engine.open({ dataDir });
    engine.createTopic('tx', { partitions: 1 });
    await writeTransactions(engine.partition('tx', 0), ABORTED_TRANSACTION);
    await engine.close();
    const expected = {
      read_committed: { code: 0, stdout: 'p0\np1\n', stderr: 'consumed 2 record(s)\n' },
      read_uncommitted: { code: 0, stdout: 'p0\na\nb\np1\n', stderr: 'consumed 4 record(s)\n' },
    };
    for (const [level, exit] of Object.entries(expected))
      expect(await tributary(['consume', 'tx', '--data-dir', dataDir, '--isolation-level', level]).exit).toEqual(exit);
    const broker = await serve(dataDir);
    for (const [level, exit] of Object.entries(expected)) {
      const remote = ['consume', 'tx', '--bootstrap', `127.0.0.1:${broker.port}`, '--isolation-level', level];
      expect(await tributary(remote).exit).toEqual(exit);
    }
  });

  it('answers --help, refuses bad arguments with one line and exit 2, and names an unknown topic with exit 1', async () => {
    const help = await tributary(['consume', '--help']).exit;
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/valid UTF-8, else base64/);
    await expectUsageErrors([
      [['consume'], /^tributary: usage: tributary consume TOPIC/],
      [
        ['consume', 't', '--data-dir', 'x', '--from', 'yesterday'],
        /^tributary: --from must be earliest, latest, an offset or @TIME/,
      ],
      [['consume', 't', '--data-dir', 'x', '--format', 'xml'], /^tributary: --format must be one of text, json, hex/],
      [['consume', 't', '--data-dir', 'x', '--count', '0'], /^tributary: --count must be an integer/],
      [
        ['consume', 't', '--data-dir', 'x', '--group', 'g', '--partition', '0'],
        /^tributary: --group and --partition exclude each other/,
      ],
      [
        ['consume', 't', '--data-dir', 'x', '--group', 'g', '--from', '5'],
        /^tributary: with --group, --from must be earliest or latest/,
      ],
      [['consume', 't', '--bootstrap', 'nowhere'], /^tributary: --bootstrap: 'nowhere' is not host:port/],
      [
        ['consume', 't', '--data-dir', 'x', '--isolation-level', 'committed'],
        /^tributary: --isolation-level must be one of read_uncommitted, read_committed/,
      ],
    ]);
    const dataDir = tempDir();
    const local = await tributary(['consume', 'missing', '--data-dir', dataDir]).exit;
    const broker = await serve(dataDir);
    const remote = await tributary(['consume', 'missing', '--bootstrap', `127.0.0.1:${broker.port}`]).exit;
    for (const exit of [local, remote])
      expect(exit).toMatchObject({
        code: 1,
        stderr: "tributary: looking up topic 'missing' failed: UNKNOWN_TOPIC_OR_PARTITION\n",
      });
  });
});
