/**
 * `tributary topics` as a real process, against a served broker (cross-checked with a
 * kafkajs admin) and against a data directory (cross-checked with kafkajs once a broker
 * serves that directory, and with the embedded API).
 */
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { Tributary } from '../../src/client/Tributary.js';
import { serve } from '../helpers/cli.js';
import { expectHelp, expectUsageErrors, fails, json, ok } from '../helpers/cliExpect.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

interface PartitionOffsets {
  partition: number;
  logStartOffset: number | null;
  logEndOffset: number | null;
}

interface TopicJson {
  name: string;
  id: string;
  replicationFactor: number;
  partitions: (PartitionOffsets & { leader: number | null; replicas: number[]; isr: number[] })[];
  configs: Record<string, string>;
}

const offsetsOf = (t: TopicJson): PartitionOffsets[] =>
  t.partitions.map(({ partition, logStartOffset, logEndOffset }) => ({ partition, logStartOffset, logEndOffset }));

async function kafkajsAdmin(port: number): Promise<Admin> {
  const admin = kafkaClient(port).admin();
  await admin.connect();
  return admin;
}

/** Each partition's low and high watermark as kafkajs reads them. */
async function kafkajsOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets
    .map((o) => ({ partition: o.partition, logStartOffset: Number(o.low), logEndOffset: Number(o.high) }))
    .sort((a, b) => a.partition - b.partition);
}

async function kafkajsConfigs(
  admin: Admin,
  topic: string,
): Promise<Record<string, { value: string; isDefault: boolean }>> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
  });
  return Object.fromEntries(
    resources[0]!.configEntries.map((e) => [e.configName, { value: e.configValue, isDefault: e.isDefault }]),
  );
}

describe('tributary topics against a broker', () => {
  it('creates, lists, describes, alters and deletes topics that a kafkajs admin sees the same way', async () => {
    const broker = await serve(tempDir());
    const target = ['--bootstrap', `127.0.0.1:${broker.port}`];
    const admin = await kafkajsAdmin(broker.port);
    try {
      expect(
        await ok([
          'topics',
          'create',
          'orders',
          '--partitions',
          '3',
          '--config',
          'retention.ms=3600000',
          '--config',
          'max.message.bytes=2000000',
          ...target,
        ]),
      ).toBe('Created topic orders.\n');
      const metadata = await admin.fetchTopicMetadata({ topics: ['orders'] });
      expect(metadata.topics[0]!.partitions).toHaveLength(3);
      expect(await kafkajsConfigs(admin, 'orders')).toMatchObject({
        'retention.ms': { value: '3600000', isDefault: false },
        'max.message.bytes': { value: '2000000' },
      });

      await admin.createTopics({ topics: [{ topic: 'other', numPartitions: 1 }] });
      const producer = kafkaClient(broker.port).producer();
      await producer.connect();
      await producer.send({
        topic: 'orders',
        messages: [0, 0, 0, 0, 0, 2, 2].map((partition, i) => ({ partition, value: `m${i}` })),
      });
      await producer.disconnect();
      await admin.deleteTopicRecords({ topic: 'orders', partitions: [{ partition: 0, offset: '2' }] });

      const [list, [orders], all, text] = await Promise.all([
        json<string[]>(['topics', 'list', ...target]),
        json<TopicJson[]>(['topics', 'describe', 'orders', ...target]),
        json<TopicJson[]>(['topics', 'describe', ...target]),
        ok(['topics', 'describe', 'orders', ...target]),
        fails(['topics', 'create', 'orders', ...target], 1, /create topic 'orders' failed: TOPIC_ALREADY_EXISTS/),
        fails(['topics', 'describe', 'nope', ...target], 1, /describe topic 'nope' failed: UNKNOWN_TOPIC_OR_PARTITION/),
        fails(
          ['topics', 'alter-config', 'orders', '--set', 'retention.ms=soon', ...target],
          1,
          /failed: INVALID_CONFIG/,
        ),
        ok(['topics', 'create', 'orders', '--if-not-exists', ...target]).then((out) =>
          expect(out).toBe('Topic orders already exists.\n'),
        ),
      ]);
      expect(list).toEqual((await admin.listTopics()).sort());
      expect(offsetsOf(orders!)).toEqual(await kafkajsOffsets(admin, 'orders'));
      // The single node leads every partition, its one replica (Metadata's leader, replicas and ISR).
      const kafkajsPartitions = (await admin.fetchTopicMetadata({ topics: ['orders'] })).topics[0]!.partitions;
      expect(orders!.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr])).toEqual(
        kafkajsPartitions
          .sort((a, b) => a.partitionId - b.partitionId)
          .map((p) => [p.partitionId, p.leader, p.replicas, p.isr]),
      );
      expect(orders!.replicationFactor).toBe(1);
      expect(offsetsOf(orders!)).toEqual([
        { partition: 0, logStartOffset: 2, logEndOffset: 5 },
        { partition: 1, logStartOffset: 0, logEndOffset: 0 },
        { partition: 2, logStartOffset: 0, logEndOffset: 2 },
      ]);
      expect(orders!.configs).toEqual({ 'retention.ms': '3600000', 'max.message.bytes': '2000000' });
      // The broker's own __consumer_offsets is listed too, as kafka-topics lists internal topics.
      expect(all.map((t) => t.name)).toEqual(['__consumer_offsets', 'orders', 'other']);
      expect(all[1]).toEqual(orders);
      expect(text).toMatch(
        /^Topic: orders\tTopicId: [\w-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: .*retention\.ms=3600000/,
      );
      expect(text).toMatch(
        /^\tTopic: orders\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0\tLogStartOffset: 2\tLogEndOffset: 5$/m,
      );

      expect(
        await ok([
          'topics',
          'alter-config',
          'orders',
          '--set',
          'retention.ms=60000',
          '--delete',
          'max.message.bytes',
          ...target,
        ]),
      ).toBe('Altered configs of topic orders.\n');
      expect(await kafkajsConfigs(admin, 'orders')).toMatchObject({
        'retention.ms': { value: '60000', isDefault: false },
        'max.message.bytes': { isDefault: true },
      });

      expect(await ok(['topics', 'delete', 'orders', 'other', ...target])).toBe(
        'Deleted topic orders.\nDeleted topic other.\n',
      );
      expect((await admin.listTopics()).filter((t) => !t.startsWith('__'))).toEqual([]);
      await fails(
        ['topics', 'delete', 'orders', ...target],
        1,
        /delete topic 'orders' failed: UNKNOWN_TOPIC_OR_PARTITION/,
      );
    } finally {
      await admin.disconnect();
    }
  });

  it('sends --replication-factor and --replica-assignment in CreateTopics; the single node refuses what it cannot hold', async () => {
    const broker = await serve(tempDir());
    const target = ['--bootstrap', `127.0.0.1:${broker.port}`];
    const admin = await kafkajsAdmin(broker.port);
    try {
      await ok(['topics', 'create', 'one', '--replication-factor', '1', ...target]);
      // kafka-topics' --replica-assignment: a replica list per partition, here two partitions on node 0.
      await ok(['topics', 'create', 'placed', '--replica-assignment', '0,0', ...target]);
      const { topics } = await admin.fetchTopicMetadata({ topics: ['one', 'placed'] });
      expect(topics.map((t) => [t.name, t.partitions.map((p) => p.replicas)]).sort()).toEqual([
        ['one', [[0]]],
        ['placed', [[0], [0]]],
      ]);
      await Promise.all([
        fails(
          ['topics', 'create', 'three', '--replication-factor', '3', ...target],
          1,
          /create topic 'three' failed: INVALID_REPLICATION_FACTOR \(replication factor 3 is larger than the 1 broker available\)/,
        ),
        fails(
          ['topics', 'create', 'spread', '--replica-assignment', '0:1,1:0', ...target],
          1,
          /create topic 'spread' failed: INVALID_REPLICA_ASSIGNMENT \(replicas \[0, 1\] name brokers other than node 0/,
        ),
      ]);
      expect((await admin.listTopics()).sort()).toEqual(['__consumer_offsets', 'one', 'placed']);
    } finally {
      await admin.disconnect();
    }
  });

  it('fails with one line when no broker listens', async () => {
    await fails(['topics', 'list', '--bootstrap', '127.0.0.1:1'], 1, /cannot connect to 127\.0\.0\.1:1/);
  });
});

describe('tributary topics on a data directory', () => {
  it('works in-process; a broker later serving the directory shows kafkajs the same topics', async () => {
    const dataDir = tempDir();
    const target = ['--data-dir', dataDir];
    expect(
      await json(['topics', 'create', 'logs', '--partitions', '2', '--config', 'segment.bytes=1048576', ...target]),
    ).toEqual({ topic: 'logs', created: true });
    await ok(['topics', 'create', 'tmp', ...target]);
    await fails(['topics', 'create', 'logs', ...target], 1, /create topic 'logs' failed: TOPIC_ALREADY_EXISTS/);
    expect(await json(['topics', 'create', 'logs', '--if-not-exists', ...target])).toEqual({
      topic: 'logs',
      created: false,
    });
    expect(await ok(['topics', 'list', ...target])).toBe('logs\ntmp\n');
    // A data directory is one node's: the broker's refusals, the same words.
    await fails(
      ['topics', 'create', 'rf', '--replication-factor', '2', ...target],
      1,
      /create topic 'rf' failed: INVALID_REPLICATION_FACTOR \(replication factor 2 is larger than the 1 broker available\)/,
    );
    await fails(['topics', 'create', 'rf', '--replica-assignment', '1', ...target], 1, /INVALID_REPLICA_ASSIGNMENT/);

    const t = await Tributary.open({ dataDir });
    expect((await t.admin.describeTopic('logs')).config['segment.bytes']).toBe('1048576');
    await t.producer().send(
      'logs',
      [0, 0, 0, 1].map((partition) => ({ partition, value: 'x' })),
    );
    await t.admin.deleteRecords([{ topic: 'logs', partition: 0, offset: 1 }]);
    await t.close();

    await ok(['topics', 'alter-config', 'logs', '--set', 'retention.bytes=1000000', ...target]);
    expect(await ok(['topics', 'delete', 'tmp', ...target])).toBe('Deleted topic tmp.\n');
    const [logs] = await json<TopicJson[]>(['topics', 'describe', ...target]);
    expect(logs!.configs).toEqual({ 'segment.bytes': '1048576', 'retention.bytes': '1000000' });

    const broker = await serve(dataDir);
    await fails(['topics', 'list', ...target], 1, /locked/);
    const admin = await kafkajsAdmin(broker.port);
    try {
      expect((await admin.listTopics()).sort()).toEqual(['__consumer_offsets', 'logs']);
      expect(offsetsOf(logs!)).toEqual(await kafkajsOffsets(admin, 'logs'));
      expect(offsetsOf(logs!)).toEqual([
        { partition: 0, logStartOffset: 1, logEndOffset: 3 },
        { partition: 1, logStartOffset: 0, logEndOffset: 1 },
      ]);
      expect(await kafkajsConfigs(admin, 'logs')).toMatchObject({
        'segment.bytes': { value: '1048576', isDefault: false },
        'retention.bytes': { value: '1000000', isDefault: false },
      });
    } finally {
      await admin.disconnect();
    }
  });
});

describe('tributary topics command line', () => {
  it('explains every subcommand with --help', async () => {
    await expectHelp('topics', ['create', 'list', 'describe', 'delete', 'alter-config']);
  });

  it('refuses bad arguments with one line and exit code 2', async () => {
    const dir = ['--data-dir', tempDir()];
    const cases: [string[], RegExp][] = [
      [['topics'], /topics needs a subcommand: create, list, describe, delete, alter-config/],
      [['topics', 'frob', ...dir], /unknown topics subcommand 'frob'/],
      [['topics', 'create', ...dir], /missing topic name/],
      [['topics', 'create', 'a', 'b', ...dir], /expected one topic name, got 2/],
      [
        ['topics', 'create', 'a', '--partitions', 'x', ...dir],
        /--partitions must be an integer in \[1, 1000000\], got 'x'/,
      ],
      [
        ['topics', 'create', 'a', '--config', 'retention.ms', ...dir],
        /--config expects key=value, got 'retention\.ms'/,
      ],
      [
        ['topics', 'create', 'a', '--replication-factor', '0', ...dir],
        /--replication-factor must be an integer in \[1, 32767\], got '0'/,
      ],
      [
        ['topics', 'create', 'a', '--replica-assignment', '0', '--partitions', '1', ...dir],
        /--replica-assignment cannot be used with --partitions or --replication-factor/,
      ],
      [
        ['topics', 'create', 'a', '--replica-assignment', '0:1,2', ...dir],
        /Partition 1 has different replication factor: \[2\]/,
      ],
      [
        ['topics', 'create', 'a', '--replica-assignment', '1:2:1', ...dir],
        /Partition replica lists may not contain duplicate entries: 1/,
      ],
      [
        ['topics', 'create', 'a', '--replica-assignment', '0,x', ...dir],
        /--replica-assignment: 'x' is not a broker id/,
      ],
      [['topics', 'describe', '--under-replicated', ...dir], /Unknown option '--under-replicated'/],
      [['topics', 'alter-config', 'a', ...dir], /alter-config needs --set KEY=VALUE or --delete KEY/],
      [['topics', 'list', '--colour', ...dir], /Unknown option '--colour'/],
      [['topics', 'list', 'extra', ...dir], /unexpected argument 'extra'/],
      [['topics', 'list'], /give exactly one of --bootstrap HOST:PORT or --data-dir DIR/],
      [
        ['topics', 'list', '--bootstrap', '127.0.0.1:9092', ...dir],
        /give exactly one of --bootstrap HOST:PORT or --data-dir DIR/,
      ],
      [['topics', 'list', '--bootstrap', 'nowhere'], /--bootstrap: 'nowhere' is not host:port/],
    ];
    await expectUsageErrors(cases);
  });
});
