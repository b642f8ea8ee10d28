/**
 * Issue 20's clients on a cluster: kcat, confluent-kafka-python (both librdkafka 2.0.2) and
 * kafka-python 2.0.2 against three `tributary serve --zookeeper` processes on a real
 * ZooKeeper, each client bootstrapped on ONE broker that is not the controller. Every topic
 * has six RF 1 partitions, two led by each broker (AdminUtils' round robin), so a client
 * reaches all three: it must follow Metadata's leaders as it does with Kafka.
 * - kcat: produces with keys to every partition and reads them back; `kcat -L` lists the
 *   three brokers, the controller and the leaders every broker's Metadata names.
 * - confluent-kafka-python: AdminClient.create_topics (sent to the controller Metadata names,
 *   as KafkaAdminClient does), an idempotent producer with acks=all, and a consumer group
 *   whose coordinator is not the bootstrap broker: it reads, commits, leaves, and a new member
 *   resumes from the commits.
 * - kafka-python: KafkaAdminClient.create_topics, its producer, and a group consumer likewise.
 * Each checks every record arrives once, with its key, in order within its partition.
 * One cluster for the file (its brokers outlive each test); ~40 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  keyNotCoordinatedBy,
  ledPartitions,
  serveCluster,
  nonControllerBroker,
  type ServedCluster,
} from '../helpers/cluster.js';
import { tributary } from '../helpers/cli.js';
import { toBase64, type ConsumerRecordJson, type ProducerRecordJson } from './clients/ClientDriver.js';
import { startPythonMember, type GroupMember, type PythonGroupLibrary } from './clients/groupMember.js';
import { kcat } from './clients/kcat.js';
import { runProcess, runPythonDriver } from './clients/process.js';
import { confluentKafka, kafkaPython } from './clients/pythonDrivers.js';

const SESSION_TIMEOUT_MS = 6000;
const PARTITIONS = 6;
const PER_PARTITION = 10;
const GROUP_SESSION_TIMEOUT_MS = 6000;
const CONFLUENT_DRIVER = join(dirname(fileURLToPath(import.meta.url)), 'clients', 'confluent_kafka.py');

let cluster: ServedCluster;
let controller: number;
/** The broker every client is given as its one bootstrap: not the controller. */
let bootstrapId: number;
let bootstrap: string;

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS, [
    'offsets.topic.num.partitions=6',
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=1000',
  ]);
  [bootstrapId, controller] = await nonControllerBroker(cluster);
  bootstrap = `127.0.0.1:${cluster.brokers.get(bootstrapId)!.port}`;
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

/** Every partition led once the controller elected them, and the leaders spread two per broker. */
async function spreadLeaders(topic: string): Promise<number[]> {
  const leaders = await ledPartitions(cluster.brokers.get(bootstrapId)!.port, topic, PARTITIONS);
  expect([...leaders].sort()).toEqual([1, 1, 2, 2, 3, 3]);
  return leaders;
}

/** PER_PARTITION keyed records for each partition, `round` telling batches apart; in order within each partition. */
function keyedRecords(topic: string, round: number): ProducerRecordJson[] {
  return Array.from({ length: PARTITIONS * PER_PARTITION }, (_, i) => ({
    partition: i % PARTITIONS,
    key: toBase64(Buffer.from(`${topic}-key-${round}-${i}`)),
    value: toBase64(Buffer.from(`${topic}-value-${round}-${i}`)),
    headers: [],
    timestamp: null,
  }));
}

/** [key, value] per partition, in the order produced (or read, by offset). */
function byPartition(
  records: readonly { partition: number; key: string | null; value: string | null }[],
): string[][][] {
  const out: string[][][] = Array.from({ length: PARTITIONS }, () => []);
  for (const r of records) out[r.partition]!.push([String(r.key), String(r.value)]);
  return out;
}

/** What a driver read, keys and values in base64 as produced: every record once, in order per partition. */
function expectReadInOrder(read: readonly ConsumerRecordJson[], produced: readonly ProducerRecordJson[]): void {
  for (let p = 0; p < PARTITIONS; p++) {
    const offsets = read.filter((r) => r.partition === p).map((r) => r.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  }
  expect(byPartition(read)).toEqual(byPartition(produced));
}

const text = (b64: string | null): string | null => (b64 === null ? null : Buffer.from(b64, 'base64').toString());

/** Group members' reads as [key, value] text per partition, in the order each partition was read. */
const memberReads = (members: readonly GroupMember[]): string[][][] =>
  byPartition(members.flatMap((m) => m.records).sort((a, b) => a.partition - b.partition || a.offset - b.offset));

const producedText = (records: readonly ProducerRecordJson[]): string[][][] =>
  byPartition(records.map((r) => ({ partition: r.partition, key: text(r.key), value: text(r.value) })));

async function until(condition: () => boolean, what: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A group whose coordinator is not the bootstrap broker: one member reads `first`, commits
 * as it goes and leaves; then `more` is produced and a new member of the group reads exactly
 * that, from the commits.
 */
async function groupReadsAndResumes(
  library: PythonGroupLibrary,
  topic: string,
  first: ProducerRecordJson[],
  produceMore: () => Promise<ProducerRecordJson[]>,
): Promise<void> {
  const port = cluster.brokers.get(bootstrapId)!.port;
  const [groupId, coordinator] = await keyNotCoordinatedBy(port, bootstrapId, `${library}-group`, 0);
  expect(coordinator).not.toBe(bootstrapId);
  const settings = { bootstrap, topic, groupId, sessionTimeoutMs: GROUP_SESSION_TIMEOUT_MS, assignors: ['range'] };
  const member = startPythonMember(library, settings);
  try {
    await until(
      () => member.records.length >= first.length,
      () => member.status(),
    );
  } finally {
    await member.stop();
  }
  expect(memberReads([member])).toEqual(producedText(first));
  expect(member.commitFailures).toEqual([]);

  const more = await produceMore();
  const resumed = startPythonMember(library, settings);
  try {
    await until(
      () => resumed.records.length >= more.length,
      () => resumed.status(),
    );
    // Anything read twice would show up by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await resumed.stop();
  }
  expect(memberReads([resumed])).toEqual(producedText(more));
}

describe('three brokers on ZooKeeper, each client bootstrapped on one broker that is not the controller', () => {
  it('kcat produces to and consumes from partitions led by all three, and -L lists the brokers and leaders', async () => {
    const topic = 'kcat-spread';
    const made = await tributary([
      'topics',
      'create',
      topic,
      '--partitions',
      String(PARTITIONS),
      '--bootstrap',
      bootstrap,
    ]).exit;
    expect(made.code, made.stderr).toBe(0);
    const leaders = await spreadLeaders(topic);

    const { stdout } = await runProcess('kcat', ['-L', '-J', '-q', '-b', bootstrap, '-t', topic, '-m', '10']);
    const listed = JSON.parse(stdout.toString('utf8')) as {
      controllerid: number;
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
    };
    expect(listed.controllerid).toBe(controller);
    expect(listed.brokers.map((b) => [b.id, b.name]).sort()).toEqual(
      [...cluster.brokers].map(([id, b]) => [id, `127.0.0.1:${b.port}`]).sort(),
    );
    const kcatLeaders: number[] = [];
    for (const p of listed.topics[0]!.partitions) kcatLeaders[p.partition] = p.leader;
    expect(kcatLeaders).toEqual(leaders);

    const records = keyedRecords(topic, 0);
    await kcat.produce(bootstrap, topic, records, 'lz4');
    expectReadInOrder(await kcat.consume(bootstrap, topic, records.length), records);
  });

  it('confluent-kafka-python creates a topic through a non-controller, produces idempotently with acks=all, and a group resumes from its commits', async () => {
    const topic = 'confluent-spread';
    await confluentKafka.createTopics(bootstrap, [
      { topic, partitions: PARTITIONS, replicationFactor: 1, configs: {} },
    ]);
    await spreadLeaders(topic);
    const produce = async (round: number): Promise<ProducerRecordJson[]> => {
      const records = keyedRecords(topic, round);
      await runPythonDriver(
        CONFLUENT_DRIVER,
        'produce',
        { bootstrap, topic, records, codec: 'zstd', settings: { 'enable.idempotence': true } },
        60_000,
      );
      return records;
    };
    const first = await produce(0);
    expectReadInOrder(await confluentKafka.consume(bootstrap, topic, first.length), first);
    await groupReadsAndResumes('confluent', topic, first, () => produce(1));
  });

  it('kafka-python creates a topic with KafkaAdminClient, produces, and a group consumer resumes from its commits', async () => {
    const topic = 'kafka-python-spread';
    await kafkaPython.createTopics(bootstrap, [{ topic, partitions: PARTITIONS, replicationFactor: 1, configs: {} }]);
    await spreadLeaders(topic);
    const produce = async (round: number): Promise<ProducerRecordJson[]> => {
      const records = keyedRecords(topic, round);
      await kafkaPython.produce(bootstrap, topic, records, 'gzip');
      return records;
    };
    const first = await produce(0);
    expectReadInOrder(await kafkaPython.consume(bootstrap, topic, first.length), first);
    await groupReadsAndResumes('kafka-python', topic, first, () => produce(1));
  });
});
