/** `tributary topics`: create, list, describe, delete topics and alter their configs (Kafka's kafka-topics, kafka-configs). */
import { adminSubcommand, COMMON_HELP, deleteEach, keyValues, names } from './AdminSubcommand.js';
import { topicAdmin } from './admin/Admins.js';
import type { TopicInfo } from './admin/TopicAdmin.js';
import { integerOption, UsageError, withSubcommands } from './Command.js';
import { formatTable, writeOutput } from './Output.js';

const MAX_PARTITIONS = 1_000_000;

const usage = (synopsis: string, what: string, options = ''): string => `Usage: tributary topics ${synopsis}

${what}

Options:
${options}${COMMON_HELP}
`;

function describeTopic(t: TopicInfo): string {
  const configs = Object.entries(t.configs).map(([key, value]) => `${key}=${value}`);
  const title = `Topic: ${t.name}\tTopicId: ${t.id}\tPartitionCount: ${t.partitions.length}\tConfigs: ${configs.join(',')}\n`;
  return (
    title +
    formatTable(
      ['PARTITION', 'LOG-START-OFFSET', 'LOG-END-OFFSET'],
      t.partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset]),
    )
  );
}

const create = adminSubcommand(
  usage(
    'create NAME [options]',
    'Creates a topic.',
    `  --partitions N          partition count (default: the broker's num.partitions; 1 on a data dir)
  --config KEY=VALUE      a topic config (retention.ms, segment.bytes, ...); repeatable
  --if-not-exists         succeed if the topic already exists
`,
  ),
  { partitions: { type: 'string' }, config: { type: 'string', multiple: true }, 'if-not-exists': { type: 'boolean' } },
  ({ values, positionals }) => {
    const [name] = names(positionals, 'topic name', { min: 1, max: 1 });
    const partitions = integerOption('partitions', values.partitions, 1, MAX_PARTITIONS);
    const configs = keyValues('config', values.config);
    return async (target, json) => {
      const created = await topicAdmin(target).create(name!, partitions, configs, values['if-not-exists'] === true);
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
    'Describes topics (all of them without a name): partitions with their log start and end offsets, configs set to other than the default.',
  ),
  {},
  ({ positionals }) =>
    async (target, json) => {
      const topics = await topicAdmin(target).describe(positionals);
      writeOutput(json, topics, () => topics.map(describeTopic).join('\n'));
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
  describe [NAME...]      partitions, offsets and configs of topics
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
