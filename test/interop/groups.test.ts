/**
 * Consumer groups through tributary's broker with external group clients: confluent-kafka-
 * python 1.7.0 (librdkafka 2.0.2) and kafka-python 2.0.2, each in its own group_member.py
 * process, and kafkajs 2.2.4. Per Python library: three members split six partitions two
 * each and read every record once; a leaver's partitions go to the other two within the
 * session timeout; after a broker restart on the same data, a fresh member resumes from
 * the committed offsets and reads exactly the records produced since.
 * Then one group of all three libraries. Their default assignors share no protocol name
 * (librdkafka and kafka-python offer 'range' and 'roundrobin', kafkajs 'RoundRobinAssigner'),
 * so the broker must refuse the mixed group with INCONSISTENT_GROUP_PROTOCOL; with kafkajs'
 * round robin offered as 'roundrobin' and the others told to offer only that, they share one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KafkaJS from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { startTributary, type BrokerUnderTest } from './brokers.js';
import { toBase64 } from './clients/ClientDriver.js';
import {
  startKafkajsMember,
  startPythonMember,
  type GroupMember,
  type GroupMemberSettings,
  type PythonGroupLibrary,
} from './clients/groupMember.js';
import { kafkajs } from './clients/kafkajs.js';

const TOPIC = 'work';
const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 6_000;
const SETTINGS = {
  'group.initial.rebalance.delay.ms': '0',
  'group.min.session.timeout.ms': '1000',
  'offsets.topic.num.partitions': '5',
};
const ALL_PARTITIONS = Array.from({ length: PARTITIONS }, (_, p) => p);

/** One test's broker (restartable on its data directory) and members, all closed when the test finishes. */
class GroupScene {
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'tributary-groups-'));
  private readonly running = new Set<GroupMember>();
  private current: BrokerUnderTest | null = null;

  constructor(onTestFinished: (cleanup: () => Promise<void>) => void) {
    onTestFinished(() => this.close());
  }

  get broker(): BrokerUnderTest {
    if (this.current === null) throw new Error('no broker running');
    return this.current;
  }

  async startBroker(): Promise<void> {
    this.current = await startTributary(SETTINGS, this.dataDir);
  }

  async stopBroker(): Promise<void> {
    const broker = this.broker;
    this.current = null;
    await broker.stop();
  }

  settings(groupId: string, assignors: string[]): GroupMemberSettings {
    return { bootstrap: this.broker.bootstrap, topic: TOPIC, groupId, sessionTimeoutMs: SESSION_TIMEOUT_MS, assignors };
  }

  track(member: GroupMember): GroupMember {
    this.running.add(member);
    return member;
  }

  async stop(member: GroupMember): Promise<void> {
    this.running.delete(member);
    await member.stop();
  }

  /** Values `from`..`from + count - 1`, round robin over the partitions. */
  async produce(from: number, count: number): Promise<void> {
    const records = Array.from({ length: count }, (_, i) => ({
      partition: (from + i) % PARTITIONS,
      key: null,
      value: toBase64(Buffer.from(String(from + i))),
      headers: [],
      timestamp: null,
    }));
    await kafkajs.produce(this.broker.bootstrap, TOPIC, records, 'none');
  }

  private async close(): Promise<void> {
    await Promise.allSettled([...this.running].map((m) => m.stop()));
    await this.current?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A scene with its broker up and the topic created. */
async function sceneWithTopic(onTestFinished: (cleanup: () => Promise<void>) => void): Promise<GroupScene> {
  const scene = new GroupScene(onTestFinished);
  await scene.startBroker();
  await scene.broker.createTopic(TOPIC, PARTITIONS);
  return scene;
}

/** Lets records that should not come (a duplicate, a record past the expected) show up before the check. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));
const values = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
const readValues = (members: readonly GroupMember[]): number[] =>
  members.flatMap((m) => m.records.map((r) => Number(r.value))).sort((a, b) => a - b);
const assignedPartitions = (members: readonly GroupMember[]): number[] =>
  members.flatMap((m) => m.assigned()).sort((a, b) => a - b);

async function until(condition: () => boolean, timeoutMs: number, what: () => string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

const describeMembers = (members: readonly GroupMember[]): string => members.map((m) => m.status()).join('; ');

async function untilSplit(members: readonly GroupMember[], each: number, timeoutMs: number): Promise<number> {
  return until(
    () => members.every((m) => m.assigned().length === each),
    timeoutMs,
    () => `${each} partitions each (${describeMembers(members)})`,
  );
}

async function untilRead(members: readonly GroupMember[], count: number, timeoutMs: number): Promise<void> {
  await until(
    () => readValues(members).length >= count,
    timeoutMs,
    () => `${count} records (${describeMembers(members)})`,
  );
}

/** Each member read only its own partitions' records, and together every value once. */
function expectSplitReading(members: readonly GroupMember[], expected: number[]): void {
  for (const m of members)
    for (const r of m.records) expect(m.assigned(), `${m.name} read partition ${r.partition}`).toContain(r.partition);
  expect(readValues(members)).toEqual(expected);
}

const kafkajsClient = (bootstrap: string): KafkaJS.Kafka =>
  new KafkaJS.Kafka({ clientId: 'interop-group-kafkajs', brokers: [bootstrap], logLevel: KafkaJS.logLevel.NOTHING });

/** The group as DescribeGroups tells it, through kafkajs' admin client. */
async function describeGroup(settings: GroupMemberSettings): Promise<KafkaJS.GroupDescription[]> {
  const admin = kafkajsClient(settings.bootstrap).admin();
  await admin.connect();
  try {
    return (await admin.describeGroups([settings.groupId])).groups;
  } finally {
    await admin.disconnect();
  }
}

const LIBRARIES: readonly PythonGroupLibrary[] = ['confluent', 'kafka-python'];

describe.concurrent.each(LIBRARIES)('a consumer group of %s members', (library) => {
  it('splits partitions, hands a leaver’s on within the session timeout, and resumes from commits after a restart', async ({
    onTestFinished,
  }) => {
    const scene = await sceneWithTopic(onTestFinished);
    const settings = scene.settings(`group-${library}`, ['range', 'roundrobin']);

    const members = [0, 1, 2].map(() => scene.track(startPythonMember(library, settings)));
    await untilSplit(members, 2, 30_000);
    expect(assignedPartitions(members)).toEqual(ALL_PARTITIONS);
    await scene.produce(0, 60);
    await untilRead(members, 60, 10_000);

    const leaver = members.pop()!;
    await scene.stop(leaver);
    await untilSplit(members, 3, SESSION_TIMEOUT_MS);
    expect(assignedPartitions(members)).toEqual(ALL_PARTITIONS);
    await scene.produce(60, 30);
    await untilRead([...members, leaver], 90, 10_000);
    await settle();
    expect(readValues([...members, leaver])).toEqual(values(0, 90));
    await Promise.all(members.map((m) => scene.stop(m)));

    await scene.stopBroker();
    await scene.startBroker();
    await scene.produce(90, 30);
    const resumed = scene.track(startPythonMember(library, scene.settings(settings.groupId, settings.assignors)));
    await untilRead([resumed], 30, 20_000);
    await settle();
    // Everything committed before the restart stays read: only what came after is new.
    expect(readValues([resumed])).toEqual(values(90, 30));
    expect(resumed.assigned()).toEqual(ALL_PARTITIONS);
    for (const m of [...members, leaver, resumed]) expect(m.commitFailures).toEqual([]);
  });
});

type MemberLibrary = PythonGroupLibrary | 'kafkajs';

const startMember = async (library: MemberLibrary, settings: GroupMemberSettings): Promise<GroupMember> =>
  library === 'kafkajs' ? startKafkajsMember(settings) : startPythonMember(library, settings);

const MIXED: readonly MemberLibrary[] = ['kafka-python', 'confluent', 'kafkajs'];

describe.concurrent.each(MIXED)(
  'a consumer group of kafka-python, confluent-kafka-python and kafkajs members, %s first',
  (first) => {
    // The first member of an empty group leads it: its assignor decodes the others' subscriptions.
    it('shares the partitions when all offer a protocol named roundrobin', async ({ onTestFinished }) => {
      const scene = await sceneWithTopic(onTestFinished);
      const settings = scene.settings(`group-mixed-${first}`, ['roundrobin']);
      const leader = scene.track(await startMember(first, settings));
      await untilSplit([leader], PARTITIONS, 30_000);
      const others = await Promise.all(
        MIXED.filter((l) => l !== first).map(async (l) => scene.track(await startMember(l, settings))),
      );
      const members = [leader, ...others];
      await untilSplit(members, 2, 30_000);
      expect(assignedPartitions(members)).toEqual(ALL_PARTITIONS);
      await scene.produce(0, 60);
      await untilRead(members, 60, 10_000);
      await settle();
      expectSplitReading(members, values(0, 60));
      const [group] = await describeGroup(settings);
      expect(group).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'roundrobin' });
      expect(group!.members.map((m) => m.clientId).sort()).toEqual([
        'interop-group-confluent',
        'interop-group-kafka-python',
        'interop-group-kafkajs',
      ]);
    });
  },
);

describe('a consumer group of Python members and a kafkajs member with its defaults', () => {
  it('refuses kafkajs’ default RoundRobinAssigner beside the Python clients’ range and roundrobin', async ({
    onTestFinished,
  }) => {
    const scene = await sceneWithTopic(onTestFinished);
    const settings = scene.settings('group-inconsistent', ['range', 'roundrobin']);
    const members = [
      scene.track(startPythonMember('kafka-python', settings)),
      scene.track(startPythonMember('confluent', settings)),
    ];
    await untilSplit(members, 3, 30_000);

    const consumer = kafkajsClient(settings.bootstrap).consumer({ groupId: settings.groupId, retry: { retries: 0 } });
    const crashed = new Promise<Error>((resolve) =>
      consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error)),
    );
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPIC] });
      await consumer.run({ eachMessage: async () => undefined });
      expect(((await crashed) as Error & { type?: string }).type).toBe('INCONSISTENT_GROUP_PROTOCOL');
    } finally {
      await consumer.disconnect();
    }
    expect(members.map((m) => m.assigned().length)).toEqual([3, 3]);
  });
});
