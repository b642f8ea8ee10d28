/**
 * `tributary brokers`: a running broker's configs, described and changed while it runs
 * (Kafka's kafka-configs --entity-type brokers): DescribeConfigs and IncrementalAlterConfigs
 * on the broker resource, its node id or the cluster-wide defaults (`--default`), sent to the
 * broker it names.
 */
import { ResourceType } from '../broker/handlers/DescribeConfigs.js';
import type { BrokerConnection } from '../network/BrokerConnection.js';
import { DescribeConfigs } from '../protocol/messages/DescribeConfigs.js';
import { IncrementalAlterConfigs } from '../protocol/messages/IncrementalAlterConfigs.js';
import { Metadata } from '../protocol/messages/Metadata.js';
import { adminSubcommand, COMMON_HELP, keyValues, names, type CommandLine } from './AdminSubcommand.js';
import { checkErrorCode } from './admin/KafkaFailure.js';
import { NodeConnections } from './admin/NodeConnections.js';
import { UsageError, withSubcommands } from './Command.js';
import { writeOutput } from './Output.js';
import type { Target } from './Target.js';

/** DescribeConfigsResponse.ConfigSource, by id, as ConfigEntry.ConfigSource names it. */
const SOURCES = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
];

/** AlterConfigOp.OpType. */
const OpType = { SET: 0, DELETE: 1 } as const;

interface Synonym {
  name: string;
  value: string | null;
  source: string;
}

interface DescribedBrokerConfig extends Synonym {
  sensitive: boolean;
  synonyms: Synonym[];
}

const usage = (synopsis: string, what: string, options: string): string => `Usage: tributary brokers ${synopsis}

${what}

Options:
${options}${COMMON_HELP}
`;

const ENTITY_HELP = `  --default               the cluster-wide defaults instead of one broker's configs
`;

const ENTITY_OPTIONS = { default: { type: 'boolean' } } as const;

/** The resource name: the node id given, or '' for the cluster-wide defaults; a data directory has no running configs. */
function resourceName(line: CommandLine<typeof ENTITY_OPTIONS>): string {
  if ((line.values as { 'data-dir'?: string })['data-dir'] !== undefined)
    throw new UsageError('broker configs are changed on a running broker: give --bootstrap HOST:PORT');
  const [id] = names(line.positionals, 'broker id', { min: 0, max: 1 });
  if ((id === undefined) === (line.values.default !== true))
    throw new UsageError('give exactly one of a broker id or --default');
  if (id !== undefined && !/^\d+$/.test(id)) throw new UsageError(`broker id must be an integer, got '${id}'`);
  return id ?? '';
}

function connectionOf(target: Target): BrokerConnection {
  if (target.kind !== 'broker') throw new UsageError('give --bootstrap HOST:PORT');
  return target.connection;
}

/**
 * `work` on the connection a broker resource's request goes to, as Kafka's admin client sends
 * it: to the broker it names (KafkaAdminClient's ConstantNodeIdProvider; any other broker of a
 * cluster refuses another's id), the cluster-wide defaults to the bootstrap broker.
 */
async function viaNode<T>(
  target: Target,
  name: string,
  work: (connection: BrokerConnection) => Promise<T>,
): Promise<T> {
  const bootstrap = connectionOf(target);
  if (name === '') return work(bootstrap);
  const { brokers } = await bootstrap.request(Metadata, {
    topics: [],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  const nodes = new NodeConnections(bootstrap, brokers);
  try {
    return await work(await nodes.to(Number(name), `broker ${name}`));
  } finally {
    await nodes.close();
  }
}

const sourceName = (id: number) => SOURCES[id] ?? 'UNKNOWN';

async function describeConfigs(connection: BrokerConnection, name: string): Promise<DescribedBrokerConfig[]> {
  const response = await connection.request(DescribeConfigs, {
    resources: [{ resourceType: ResourceType.BROKER, resourceName: name, configurationKeys: null }],
    includeSynonyms: true,
    includeDocumentation: false,
  });
  const [result] = response.results;
  checkErrorCode(`describe configs of broker '${name}'`, result!.errorCode, result!.errorMessage);
  return result!.configs.map((c) => ({
    name: c.name,
    value: c.value,
    source: sourceName(c.configSource),
    sensitive: c.isSensitive,
    synonyms: (c.synonyms ?? []).map((s) => ({ name: s.name, value: s.value, source: sourceName(s.source) })),
  }));
}

/** ConfigCommand.describeResourceConfig's lines. */
function describeText(name: string, all: boolean, configs: DescribedBrokerConfig[]): string {
  const title =
    name === ''
      ? 'Default configs for brokers in the cluster are:'
      : `${all ? 'All' : 'Dynamic'} configs for broker ${name} are:`;
  const lines = configs.map((c) => {
    const synonyms = c.synonyms.map((s) => `${s.source}:${s.name}=${s.value}`).join(', ');
    return `  ${c.name}=${c.value} sensitive=${c.sensitive} synonyms={${synonyms}}`;
  });
  return [title, ...lines].join('\n') + '\n';
}

const describe = adminSubcommand(
  usage(
    'describe-config (ID | --default) [--all] [options]',
    "A broker's dynamic configs (those AlterConfigs set), or with --all every config and where its value comes from.",
    `${ENTITY_HELP}  --all                   every config, not only the dynamic ones
`,
  ),
  { ...ENTITY_OPTIONS, all: { type: 'boolean' } },
  (line) => {
    const name = resourceName(line);
    const all = line.values.all === true;
    // ConfigCommand.getResourceConfig: without --all, only the level's own dynamic configs, sorted by name.
    const own = name === '' ? 'DYNAMIC_DEFAULT_BROKER_CONFIG' : 'DYNAMIC_BROKER_CONFIG';
    return async (target, json) => {
      const configs = (await viaNode(target, name, (connection) => describeConfigs(connection, name)))
        .filter((c) => all || c.source === own)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      writeOutput(json, { broker: name, configs }, () => describeText(name, all, configs));
    };
  },
);

const alterConfig = adminSubcommand(
  usage(
    'alter-config (ID | --default) [--set KEY=VALUE]... [--delete KEY]... [options]',
    "Changes a broker's dynamic configs, or the cluster-wide defaults (Kafka's IncrementalAlterConfigs); they are kept across restarts.",
    `${ENTITY_HELP}  --set KEY=VALUE         set a config; repeatable
  --delete KEY            remove a dynamic config (back to the file's or the default); repeatable
`,
  ),
  { ...ENTITY_OPTIONS, set: { type: 'string', multiple: true }, delete: { type: 'string', multiple: true } },
  (line) => {
    const name = resourceName(line);
    const set = keyValues('set', line.values.set);
    const deleted = line.values.delete ?? [];
    if (Object.keys(set).length === 0 && deleted.length === 0)
      throw new UsageError('alter-config needs --set KEY=VALUE or --delete KEY');
    const configs = [
      ...Object.entries(set).map(([key, value]) => ({ name: key, configOperation: OpType.SET, value })),
      ...deleted.map((key) => ({ name: key, configOperation: OpType.DELETE, value: null })),
    ];
    return async (target, json) => {
      const response = await viaNode(target, name, (connection) =>
        connection.request(IncrementalAlterConfigs, {
          resources: [{ resourceType: ResourceType.BROKER, resourceName: name, configs }],
          validateOnly: false,
        }),
      );
      const [result] = response.responses;
      const what = name === '' ? 'the cluster-wide broker defaults' : `broker ${name}`;
      checkErrorCode(`alter configs of ${what}`, result!.errorCode, result!.errorMessage);
      writeOutput(json, { broker: name, set, deleted }, () => `Altered configs of ${what}.\n`);
    };
  },
);

const HELP = `Usage: tributary brokers <subcommand> [options]

Subcommands:
  describe-config (ID | --default)   a broker's dynamic configs, or all of them
  alter-config (ID | --default)      set or remove dynamic broker configs

Run 'tributary brokers <subcommand> --help' for its options.
`;

export const brokersCommand = withSubcommands('brokers', "describe and change a running broker's configs", HELP, {
  'describe-config': describe,
  'alter-config': alterConfig,
});
