/** `tributary topics`: create, list, describe, delete topics and alter their configs (Kafka's kafka-topics, kafka-configs). */
import { ZERO_TOPIC_ID } from '../broker/MetadataCache.js';
import { adminSubcommand, COMMON_HELP, deleteEach, keyValues, names } from './AdminSubcommand.js';
import { topicAdmin } from './admin/Admins.js';
import { partitionReplicationFactor, type PartitionInfo, type TopicInfo } from './admin/TopicAdmin.js';
import { integerOption, UsageError, withSubcommands } from './Command.js';
import { writeOutput } from './Output.js';

const MAX_PARTITIONS = 1_000_000;

const usage = (synopsis: string, what: string, options = ''): string => `Usage: tributary topics ${synopsis}

${what}

Options:
${options}${COMMON_HELP}
`;

/** CreateTopics' replication factor is an int16 (TopicCommand: "between 1 and 32767 inclusive"). */
const MAX_REPLICATION_FACTOR = 32767;
/** min.insync.replicas when neither the topic nor the broker sets it. */
const DEFAULT_MIN_ISR = 1;

/** A broker id as Java's Integer.parseInt reads one. */
function brokerIdOf(text: string): number {
  const id = Number(text);
  if (!/^[-+]?\d+$/.test(text) || id < -(2 ** 31) || id > 2 ** 31 - 1)
    throw new UsageError(`--replica-assignment: '${text}' is not a broker id`);
  return id;
}

/** TopicCommand.parseReplicaAssignment: `0:1:2,1:2:0`, one replica list a partition, all of one length. */
export function parseReplicaAssignment(text: string): number[][] {
  return text.split(',').map((partition, i, all) => {
    const replicas = partition.split(':').map((id) => brokerIdOf(id.trim()));
    const duplicates = [...new Set(replicas.filter((id, j) => replicas.indexOf(id) !== j))];
    if (duplicates.length > 0)
      throw new UsageError(`Partition replica lists may not contain duplicate entries: ${duplicates.join(',')}`);
    const first = all[0]!.split(':').length;
    if (replicas.length !== first)
      throw new UsageError(`Partition ${i} has different replication factor: [${replicas.join(', ')}]`);
    return replicas;
  });
}

/** kafka-topics --describe's report options: with any, only the partitions one of them selects, no topic line. */
const REPORTS = {
  'under-replicated-partitions': (p: PartitionInfo) => p.isr.length < partitionReplicationFactor(p),
  'unavailable-partitions': (p: PartitionInfo) => p.leader === null,
  'under-min-isr-partitions': (p: PartitionInfo, minIsr: number) => p.leader === null || p.isr.length < minIsr,
  'at-min-isr-partitions': (p: PartitionInfo, minIsr: number) => p.isr.length === minIsr,
} as const;
type Report = keyof typeof REPORTS;

const ids = (list: readonly number[]): string => list.join(',');

/** TopicCommand.TopicDescription.printDescription (Kafka 3.7's, before KRaft's ELR fields). */
function topicLine(t: TopicInfo): string {
  const configs = Object.entries(t.configs).map(([key, value]) => `${key}=${value}`);
  // Kafka's Uuid.ZERO_UUID (a topic without an id) is left out of the line, as kafka-topics does.
  const id = t.id === ZERO_TOPIC_ID ? '' : `\tTopicId: ${t.id}`;
  return `Topic: ${t.name}${id}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${t.replicationFactor}\tConfigs: ${configs.join(',')}\n`;
}

/**
 * PartitionDescription.printDescription (a reassignment's adding and removing replicas
 * included), then the offline replicas when any and the partition's offsets when its leader answered.
 */
function partitionLine(topic: string, p: PartitionInfo): string {
  const moving =
    p.reassignment === null
      ? ''
      : `\tAdding Replicas: ${ids(p.reassignment.addingReplicas)}\tRemoving Replicas: ${ids(p.reassignment.removingReplicas)}`;
  const offline = p.offlineReplicas.length > 0 ? `\tOffline: ${ids(p.offlineReplicas)}` : '';
  const offsets =
    p.logEndOffset === null ? '' : `\tLogStartOffset: ${p.logStartOffset}\tLogEndOffset: ${p.logEndOffset}`;
  return `\tTopic: ${topic}\tPartition: ${p.partition}\tLeader: ${p.leader ?? 'none'}\tReplicas: ${ids(p.replicas)}\tIsr: ${ids(p.isr)}${moving}${offline}${offsets}\n`;
}

/** The topics with only the partitions the reports select (all of them without a report); topics left with none go. */
function selectPartitions(topics: TopicInfo[], reports: Report[]): TopicInfo[] {
  if (reports.length === 0) return topics;
  const selected = topics.map((t) => {
    const minIsr = Number(t.configs['min.insync.replicas'] ?? DEFAULT_MIN_ISR);
    return { ...t, partitions: t.partitions.filter((p) => reports.some((r) => REPORTS[r](p, minIsr))) };
  });
  return selected.filter((t) => t.partitions.length > 0);
}

function describeTopics(topics: TopicInfo[], reports: Report[]): string {
  return topics
    .map((t) => (reports.length === 0 ? topicLine(t) : '') + t.partitions.map((p) => partitionLine(t.name, p)).join(''))
    .join('');
}

const create = adminSubcommand(
  usage(
    'create NAME [options]',
    'Creates a topic.',
    `  --partitions N          partition count (default: the broker's num.partitions; 1 on a data dir)
  --replication-factor N  replicas of each partition (default: the broker's default.replication.factor)
  --replica-assignment A  each partition's replicas, as kafka-topics takes them: 0:1:2,1:2:0 (partition 0 on
                          brokers 0, 1, 2; partition 1 on 1, 2, 0); not with --partitions or --replication-factor
  --config KEY=VALUE      a topic config (retention.ms, segment.bytes, ...); repeatable
  --if-not-exists         succeed if the topic already exists
`,
  ),
  {
    partitions: { type: 'string' },
    'replication-factor': { type: 'string' },
    'replica-assignment': { type: 'string' },
    config: { type: 'string', multiple: true },
    'if-not-exists': { type: 'boolean' },
  },
  ({ values, positionals }) => {
    const [name] = names(positionals, 'topic name', { min: 1, max: 1 });
    const partitions = integerOption('partitions', values.partitions, 1, MAX_PARTITIONS);
    const replicationFactor = integerOption(
      'replication-factor',
      values['replication-factor'],
      1,
      MAX_REPLICATION_FACTOR,
    );
    const manual = values['replica-assignment'];
    // TopicCommandOptions.checkInvalidArgs: an assignment says both the partitions and their replicas.
    if (manual !== undefined && (partitions !== undefined || replicationFactor !== undefined))
      throw new UsageError('--replica-assignment cannot be used with --partitions or --replication-factor');
    const topic = {
      name: name!,
      partitions,
      replicationFactor,
      assignment: manual === undefined ? [] : parseReplicaAssignment(manual),
      configs: keyValues('config', values.config),
    };
    return async (target, json) => {
      const created = await topicAdmin(target).create(topic, values['if-not-exists'] === true);
      writeOutput(json, { topic: name, created }, () =>
        created ? `Created topic ${name}.\n` : `Topic ${name} already exists.\n`,
      );
    };
  },
);

const list = adminSubcommand(usage('list [options]', 'Lists the topics.'), {}, ({ positionals }) => {
  names(positionals, 'argument', { min: 0, max: 0 });
  return async (target, json) => {
    const topics = await topicAdmin(target).list();
    writeOutput(json, topics, () => topics.map((t) => `${t}\n`).join(''));
  };
});

const describe = adminSubcommand(
  usage(
    'describe [NAME...] [options]',
    `Describes topics (all of them without a name) as kafka-topics --describe: a line per topic (id, partition
count, replication factor, configs set to other than the default), then one per partition (leader, replicas,
in-sync replicas, offline replicas if any, log start and end offsets).`,
    `  --under-replicated-partitions  only partitions with fewer in-sync replicas than replicas
  --unavailable-partitions       only partitions without a live leader
  --under-min-isr-partitions     only partitions with fewer in-sync replicas than min.insync.replicas
  --at-min-isr-partitions        only partitions with exactly min.insync.replicas in-sync replicas
`,
  ),
  Object.fromEntries(Object.keys(REPORTS).map((name) => [name, { type: 'boolean' }])) as Record<
    Report,
    { type: 'boolean' }
  >,
  ({ values, positionals }) => {
    const reports = (Object.keys(REPORTS) as Report[]).filter((r) => values[r] === true);
    return async (target, json) => {
      const topics = selectPartitions(await topicAdmin(target).describe(positionals), reports);
      writeOutput(json, topics, () => describeTopics(topics, reports));
    };
  },
);

const remove = adminSubcommand(
  usage('delete NAME... [options]', 'Deletes topics and their data.'),
  {},
  ({ positionals }) => {
    const topics = names(positionals, 'topic name', { min: 1 });
    return async (target, json) => {
      const admin = topicAdmin(target);
      await deleteEach('topic', topics, (topic) => admin.delete(topic), json);
    };
  },
);

const alterConfig = adminSubcommand(
  usage(
    'alter-config NAME [--set KEY=VALUE]... [--delete KEY]... [options]',
    "Changes a topic's configs (Kafka's IncrementalAlterConfigs).",
    `  --set KEY=VALUE         set a config; repeatable
  --delete KEY            remove an override (back to the default); repeatable
`,
  ),
  { set: { type: 'string', multiple: true }, delete: { type: 'string', multiple: true } },
  ({ values, positionals }) => {
    const [name] = names(positionals, 'topic name', { min: 1, max: 1 });
    const set = keyValues('set', values.set);
    const deleted = values.delete ?? [];
    if (Object.keys(set).length === 0 && deleted.length === 0)
      throw new UsageError('alter-config needs --set KEY=VALUE or --delete KEY');
    return async (target, json) => {
      await topicAdmin(target).alterConfig(name!, set, deleted);
      writeOutput(json, { topic: name, set, deleted }, () => `Altered configs of topic ${name}.\n`);
    };
  },
);

const HELP = `Usage: tributary topics <subcommand> [options]

Subcommands:
  create NAME             create a topic
  list                    list the topics
  describe [NAME...]      leaders, replicas, ISR, offsets and configs of topics
  delete NAME...          delete topics
  alter-config NAME       set or remove topic configs

Run 'tributary topics <subcommand> --help' for its options.
`;

export const topicsCommand = withSubcommands(
  'topics',
  'create, list, describe, delete topics and alter their configs',
  HELP,
  {
    create,
    list,
    describe,
    delete: remove,
    'alter-config': alterConfig,
  },
);
