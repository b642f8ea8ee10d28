/**
 * `tributary groups` as a real process: against a served broker whose group a kafkajs
 * consumer joins and commits to (lag, reset-offsets and delete seen by a kafkajs admin),
 * and against a data directory an embedded group consumer committed to.
 */
import type { Admin, Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { Tributary } from '../../src/client/Tributary.js';
import { serve } from '../helpers/cli.js';
import { expectHelp, expectUsageErrors, fails, json, ok } from '../helpers/cliExpect.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

const TOPIC = 'events';
/** Record i of partition 0 has timestamp BASE + i s; partition 0 gets 6 records, partition 1 gets 4. */
const BASE = Date.UTC(2024, 0, 31, 12, 0, 0);
const RECORDS = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
/** The group's commits: 4 on partition 0 (lag 2), 1 on partition 1 (lag 3). */
const COMMITS = [
  { topic: TOPIC, partition: 0, offset: 4 },
  { topic: TOPIC, partition: 1, offset: 1 },
];

interface Described {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: {
    memberId: string;
    clientId: string;
    clientHost: string;
    assignment: { topic: string; partition: number }[];
  }[];
  offsets: {
    topic: string;
    partition: number;
    currentOffset: number | null;
    logEndOffset: number;
    lag: number | null;
    consumerId: string | null;
  }[];
}

interface Plan {
  groupId: string;
  executed: boolean;
  offsets: { topic: string; partition: number; currentOffset: number | null; newOffset: number }[];
}

/** The records of RECORDS, the i-th of each partition at BASE + i s. */
function timestamped(): { partition: number; value: string; timestamp: number }[] {
  const counts = [0, 0];
  return RECORDS.map((partition) => {
    const i = counts[partition]!++;
    return { partition, value: `r${i}`, timestamp: BASE + i * 1000 };
  });
}

/** Per partition of TOPIC: the group's committed offset, as kafkajs reads it. */
async function kafkajsCommitted(admin: Admin, groupId: string): Promise<number[]> {
  const [topic] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
  return topic!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

async function joinedConsumer(port: number, groupId: string): Promise<Consumer> {
  const consumer = kafkaClient(port, 'lag-reader').consumer({
    groupId,
    sessionTimeout: 6000,
    heartbeatInterval: 100,
    retry: { retries: 0 },
  });
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: async () => {} });
  await joined;
  return consumer;
}

describe('tributary groups against a broker', () => {
  it('lists and describes a kafkajs group with its lag, refuses to touch it while it has members, then resets and deletes it', async () => {
    const broker = await serve(tempDir());
    const target = ['--bootstrap', `127.0.0.1:${broker.port}`];
    const kafka = kafkaClient(broker.port);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: TOPIC,
        messages: timestamped().map((r) => ({ ...r, timestamp: String(r.timestamp) })),
      });
      await producer.disconnect();

      const consumer = await joinedConsumer(broker.port, 'readers');
      await consumer.commitOffsets(COMMITS.map((c) => ({ ...c, offset: String(c.offset) })));
      const [listed, [described], text] = await Promise.all([
        json<{ groupId: string; state: string; protocolType: string }[]>(['groups', 'list', ...target]),
        json<Described[]>(['groups', 'describe', 'readers', ...target]),
        ok(['groups', 'describe', 'readers', ...target]),
        fails(
          ['groups', 'reset-offsets', 'readers', '--topic', TOPIC, '--to-earliest', ...target],
          1,
          /reset offsets of group 'readers' failed: NON_EMPTY_GROUP/,
        ),
        fails(['groups', 'delete', 'readers', ...target], 1, /delete group 'readers' failed: NON_EMPTY_GROUP/),
        fails(['groups', 'describe', 'nobody', ...target], 1, /describe group 'nobody' failed: GROUP_ID_NOT_FOUND/),
      ]);
      const kafkajsGroup = (await admin.describeGroups(['readers'])).groups[0]!;
      expect(listed).toEqual([{ groupId: 'readers', state: 'Stable', protocolType: 'consumer' }]);
      expect(described).toMatchObject({
        groupId: 'readers',
        state: kafkajsGroup.state,
        protocolType: 'consumer',
        protocol: kafkajsGroup.protocol,
      });
      expect(described!.members).toEqual([
        {
          memberId: kafkajsGroup.members[0]!.memberId,
          groupInstanceId: null,
          clientId: 'lag-reader',
          clientHost: kafkajsGroup.members[0]!.clientHost,
          assignment: [
            { topic: TOPIC, partition: 0 },
            { topic: TOPIC, partition: 1 },
          ],
        },
      ]);
      const ends = (await admin.fetchTopicOffsets(TOPIC))
        .sort((a, b) => a.partition - b.partition)
        .map((p) => Number(p.high));
      const committed = await kafkajsCommitted(admin, 'readers');
      expect(described!.offsets).toEqual(
        [0, 1].map((partition) => ({
          topic: TOPIC,
          partition,
          currentOffset: committed[partition],
          logEndOffset: ends[partition],
          lag: ends[partition]! - committed[partition]!,
          consumerId: kafkajsGroup.members[0]!.memberId,
          host: kafkajsGroup.members[0]!.clientHost,
          clientId: 'lag-reader',
        })),
      );
      expect(described!.offsets.map((o) => o.lag)).toEqual([2, 3]);
      expect(text).toMatch(/^Group readers: state Stable, protocol consumer\/\w+, 1 member$/m);
      expect(text).toMatch(new RegExp(`^readers +${TOPIC} +0 +4 +6 +2 +${kafkajsGroup.members[0]!.memberId} `, 'm'));
      await consumer.disconnect();

      const dryRun = await ok(['groups', 'reset-offsets', 'readers', '--topic', TOPIC, '--to-earliest', ...target]);
      expect(dryRun).toMatch(/^readers +events +0 +4 +0$/m);
      expect(dryRun).toMatch(/Dry run/);
      expect(await kafkajsCommitted(admin, 'readers')).toEqual([4, 1]);

      const latest = await json<Plan>([
        'groups',
        'reset-offsets',
        'readers',
        '--topic',
        TOPIC,
        '--to-latest',
        '--execute',
        ...target,
      ]);
      expect(latest.offsets.map((o) => [o.currentOffset, o.newOffset])).toEqual([
        [4, 6],
        [1, 4],
      ]);
      expect(await kafkajsCommitted(admin, 'readers')).toEqual([6, 4]);
      await ok([
        'groups',
        'reset-offsets',
        'readers',
        '--topic',
        `${TOPIC}:0`,
        '--shift-by',
        '-4',
        '--execute',
        ...target,
      ]);
      expect(await kafkajsCommitted(admin, 'readers')).toEqual([2, 4]);
      await ok([
        'groups',
        'reset-offsets',
        'readers',
        '--topic',
        `${TOPIC}:1`,
        '--to-datetime',
        new Date(BASE + 1500).toISOString(),
        '--execute',
        ...target,
      ]);
      expect(await kafkajsCommitted(admin, 'readers')).toEqual([2, 2]);
      await ok(['groups', 'reset-offsets', 'readers', '--topic', TOPIC, '--to-offset', '5', '--execute', ...target]);
      expect(await kafkajsCommitted(admin, 'readers')).toEqual([5, 4]); // kept within each log

      expect(await ok(['groups', 'delete', 'readers', ...target])).toBe('Deleted group readers.\n');
      expect((await admin.listGroups()).groups).toEqual([]);
      await fails(['groups', 'delete', 'readers', ...target], 1, /delete group 'readers' failed: GROUP_ID_NOT_FOUND/);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('tributary groups on a data directory', () => {
  it('describes, resets and deletes the group an embedded consumer committed to; a broker later serving the directory shows kafkajs the new offsets', async () => {
    const dataDir = tempDir();
    const target = ['--data-dir', dataDir];
    const t = await Tributary.open({ dataDir });
    await t.admin.createTopic(TOPIC, { partitions: 2 });
    await t.producer().send(TOPIC, timestamped());
    const consumer = t.consumer({
      groupId: 'embedded',
      autoCommit: false,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 50,
    });
    consumer.subscribe([TOPIC]);
    const reading = (async () => {
      for await (const record of consumer) void record;
    })();
    while (consumer.assignment().length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    await consumer.commit(COMMITS);
    await consumer.close();
    await reading;
    await t.close();

    expect(await json(['groups', 'list', ...target])).toEqual([
      { groupId: 'embedded', state: 'Empty', protocolType: 'consumer' },
    ]);
    const [described] = await json<Described[]>(['groups', 'describe', 'embedded', ...target]);
    expect(described).toMatchObject({ state: 'Empty', members: [] });
    expect(described!.offsets.map((o) => [o.partition, o.currentOffset, o.logEndOffset, o.lag, o.consumerId])).toEqual([
      [0, 4, 6, 2, null],
      [1, 1, 4, 3, null],
    ]);
    const plan = await json<Plan>([
      'groups',
      'reset-offsets',
      'embedded',
      '--topic',
      `${TOPIC}:0`,
      '--to-datetime',
      new Date(BASE + 2500).toISOString(),
      '--execute',
      ...target,
    ]);
    expect(plan).toEqual({
      groupId: 'embedded',
      executed: true,
      offsets: [{ topic: TOPIC, partition: 0, currentOffset: 4, newOffset: 3 }],
    });
    await fails(
      ['groups', 'reset-offsets', 'embedded', '--topic', 'nope', '--to-latest', ...target],
      1,
      /UNKNOWN_TOPIC_OR_PARTITION/,
    );

    const broker = await serve(dataDir);
    const admin = kafkaClient(broker.port).admin();
    await admin.connect();
    try {
      expect(await kafkajsCommitted(admin, 'embedded')).toEqual([3, 1]);
    } finally {
      await admin.disconnect();
    }
    broker.child.kill('SIGTERM');
    await broker.exit;

    expect(await ok(['groups', 'delete', 'embedded', ...target])).toBe('Deleted group embedded.\n');
    await fails(
      ['groups', 'describe', 'embedded', ...target],
      1,
      /describe group 'embedded' failed: GROUP_ID_NOT_FOUND/,
    );
  });
});

describe('tributary groups command line', () => {
  it('explains every subcommand with --help', async () => {
    await expectHelp('groups', ['list', 'describe', 'reset-offsets', 'delete']);
  });

  it('refuses bad arguments with one line and exit code 2', async () => {
    const dir = ['--data-dir', tempDir()];
    const reset = ['groups', 'reset-offsets', 'g', '--topic', TOPIC];
    await expectUsageErrors([
      [['groups', 'frob', ...dir], /unknown groups subcommand 'frob'/],
      [['groups', 'describe', ...dir], /missing group id/],
      [['groups', 'reset-offsets', '--to-earliest', ...dir], /missing group id/],
      [['groups', 'reset-offsets', 'g', '--to-earliest', ...dir], /reset-offsets needs --topic/],
      [[...reset, ...dir], /give exactly one of --to-earliest, --to-latest/],
      [[...reset, '--to-earliest', '--to-latest', ...dir], /give exactly one of --to-earliest, --to-latest/],
      [[...reset, '--to-offset', '-1', ...dir], /--to-offset must be an integer/],
      [[...reset, '--to-datetime', 'yesterday', ...dir], /--to-datetime expects an ISO 8601 time/],
      [
        ['groups', 'reset-offsets', 'g', '--topic', `${TOPIC}:x`, '--to-latest', ...dir],
        /--topic partition must be an integer/,
      ],
      [
        ['groups', 'list', '--bootstrap', '127.0.0.1:9092', ...dir],
        /give exactly one of --bootstrap HOST:PORT or --data-dir DIR/,
      ],
      [['groups', 'delete', 'g'], /give exactly one of --bootstrap HOST:PORT or --data-dir DIR/],
    ]);
  });
});
