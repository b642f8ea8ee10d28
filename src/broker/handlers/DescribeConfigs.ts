/**
 * DescribeConfigs for topics (every topic config, where its value comes from, Kafka's
 * config type; in a cluster, ZooKeeper's, through any broker) and for this broker (its
 * settings, from the file or from AlterConfigs).
 */
import type { TopicConfigEntry } from '../../engine/TopicDescription.js';
import { topicConfigType, validateTopicName } from '../../engine/TopicConfig.js';
import { TributaryError, errorMessageOf } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import type { CreateTopics } from '../../protocol/messages/CreateTopics.js';
import { DescribeConfigs } from '../../protocol/messages/DescribeConfigs.js';
import { brokerConfigEntries, brokerConfigSynonyms, brokerDefaultValue, brokerSynonymOf } from '../BrokerConfig.js';
import { ALL_DYNAMIC_CONFIGS } from '../DynamicBrokerConfig.js';
import { errorCodeOf, handler, type RequestContext } from '../RequestContext.js';

type DescribeConfigsResource = RequestOf<typeof DescribeConfigs>['resources'][number];
type DescribeConfigsResult = EncodableResponse<typeof DescribeConfigs>['results'][number];
type DescribedConfig = DescribeConfigsResult['configs'][number];
type ConfigSynonym = NonNullable<DescribedConfig['synonyms']>[number];
type CreatableTopicConfig = NonNullable<EncodableResponse<typeof CreateTopics>['topics'][number]['configs']>[number];

/** Kafka's ConfigResource.Type. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** Kafka's DescribeConfigsResponse.ConfigSource. */
const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** Kafka's DescribeConfigsResponse.ConfigType. */
const ConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;

const SOURCE_OF: Readonly<Record<TopicConfigEntry['source'], number>> = {
  topic: ConfigSource.DYNAMIC_TOPIC_CONFIG,
  broker: ConfigSource.STATIC_BROKER_CONFIG,
  default: ConfigSource.DEFAULT_CONFIG,
};

/** A topic config as CreateTopics v5+ and DescribeConfigs report it. */
export function describedConfig(entry: TopicConfigEntry): CreatableTopicConfig {
  return {
    name: entry.name,
    value: entry.value,
    readOnly: false,
    configSource: SOURCE_OF[entry.source],
    isSensitive: false,
  };
}

/**
 * ConfigHelper.configSynonyms: of a setting's names (DynamicBrokerConfig.brokerConfigSynonyms,
 * in Kafka's order), those this broker set through AlterConfigs (DYNAMIC_BROKER_CONFIG), then
 * the cluster-wide ones (DYNAMIC_DEFAULT_BROKER_CONFIG), then those set in the file
 * (STATIC_BROKER_CONFIG), then those with a default (DEFAULT_CONFIG), from `name`'s first entry
 * on: log.retention.hours described alone drops a log.retention.ms set before it, and
 * log.roll.ms (no default) gives no log.roll.hours.
 */
function configSynonyms(context: RequestContext, name: string, sensitive: boolean): ConfigSynonym[] {
  const names = brokerConfigSynonyms(name);
  const dynamic = context.dynamicConfig;
  const value = (v: string) => (sensitive ? null : v);
  const setIn = (settings: Readonly<Record<string, string>>, source: number) =>
    names.flatMap((n) => (n in settings ? [{ name: n, value: value(settings[n] ?? ''), source }] : []));
  const all: ConfigSynonym[] = [
    ...setIn(dynamic.brokerConfigs, ConfigSource.DYNAMIC_BROKER_CONFIG),
    ...setIn(dynamic.defaultConfigs, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
    ...setIn(context.config.settings, ConfigSource.STATIC_BROKER_CONFIG),
    ...names.flatMap((n) => {
      const fallback = brokerDefaultValue(context.config, n);
      return fallback === null ? [] : [{ name: n, value: value(fallback), source: ConfigSource.DEFAULT_CONFIG }];
    }),
  ];
  const from = all.findIndex((s) => s.name === name);
  return from < 0 ? [] : all.slice(from);
}

/**
 * ConfigHelper.createTopicConfigEntry's synonyms, most specific first: the topic's override,
 * then the synonyms of the broker config it takes its default from (ServerTopicConfigSynonyms).
 */
function synonyms(context: RequestContext, entry: TopicConfigEntry): ConfigSynonym[] {
  const own =
    entry.source === 'topic'
      ? [{ name: entry.name, value: entry.value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG }]
      : [];
  const brokerName = brokerSynonymOf(entry.name);
  return brokerName === undefined ? own : [...own, ...configSynonyms(context, brokerName, false)];
}

function topicConfigs(
  context: RequestContext,
  entries: readonly TopicConfigEntry[],
  includeSynonyms: boolean,
): DescribedConfig[] {
  return entries.map((entry) => {
    // ConfigHelper.createTopicConfigEntry: the source is the first synonym's, DEFAULT_CONFIG without
    // one (so retention.ms set through log.retention.hours alone is DEFAULT_CONFIG, as in Kafka).
    const all = synonyms(context, entry);
    const configSource = all[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
    return {
      ...describedConfig(entry),
      configSource,
      isDefault: configSource === ConfigSource.DEFAULT_CONFIG,
      synonyms: includeSynonyms ? all : [],
      configType: ConfigType[topicConfigType(entry.name)],
    };
  });
}

/**
 * A topic's entries: the single node's from its engine; a cluster's broker's, whether it hosts
 * the topic or not, from ZooKeeper's overrides over its own defaults (ConfigHelper.describeConfigs:
 * a topic the metadata cache knows, configRepository.topicConfig, LogConfig.fromProps).
 */
async function topicConfigEntries(context: RequestContext, name: string): Promise<TopicConfigEntry[]> {
  const cluster = context.cluster;
  const zk = cluster?.kafkaServer?.zkClient;
  if (cluster === undefined || zk === undefined) return context.engine.topicConfigEntries(name);
  validateTopicName(name);
  if (!cluster.metadataCache.contains(name))
    throw new TributaryError(`The topic '${name}' does not exist.`, 'ERR_UNKNOWN_TOPIC_OR_PARTITION');
  return context.engine.describeTopicConfig(await zk.getEntityConfigs('topics', name));
}

/** The broker's id from a resource name, as ConfigHelper.resourceNameToBrokerId reads it. */
function brokerIdOf(name: string): number {
  const id = /^[+-]?\d+$/.test(name) ? Number(name) : NaN;
  if (!Number.isSafeInteger(id) || id !== (id | 0))
    throw new TributaryError(`Broker id must be an integer, but it is: ${name}`, 'ERR_INVALID_ARGUMENT');
  return id;
}

/**
 * ConfigHelper.createBrokerConfigEntry for each config: this broker's (`perBrokerConfig`, every
 * config as the broker runs with it) or the cluster-wide defaults (only those AlterConfigs set,
 * with their DYNAMIC_DEFAULT_BROKER_CONFIG synonyms alone). Read-only unless dynamic.
 */
function brokerConfigs(context: RequestContext, name: string, includeSynonyms: boolean): DescribedConfig[] {
  const perBrokerConfig = name !== '';
  const nodeId = context.metadata.nodeId;
  if (perBrokerConfig && brokerIdOf(name) !== nodeId) {
    throw new TributaryError(
      `Unexpected broker id, expected ${nodeId} or empty string, but received ${name}`,
      'ERR_INVALID_ARGUMENT',
    );
  }
  const dynamic = context.dynamicConfig;
  const entries = brokerConfigEntries(dynamic.current);
  const described = perBrokerConfig ? entries : entries.filter((e) => e.name in dynamic.defaultConfigs);
  return described.map((e) => {
    const all = configSynonyms(context, e.name, e.sensitive).filter(
      (s) => perBrokerConfig || s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
    );
    const value = perBrokerConfig || e.sensitive ? e.value : (dynamic.defaultConfigs[e.name] ?? null);
    return {
      name: e.name,
      value,
      readOnly: !ALL_DYNAMIC_CONFIGS.has(e.name),
      isDefault: e.source === 'default',
      configSource: all[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
      isSensitive: e.sensitive,
      synonyms: includeSynonyms ? all : [],
      configType: e.type === undefined ? ConfigType.UNKNOWN : ConfigType[e.type],
    };
  });
}

async function describeResource(
  context: RequestContext,
  resource: DescribeConfigsResource,
  includeSynonyms: boolean,
): Promise<DescribeConfigsResult> {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  try {
    let configs: DescribedConfig[];
    if (resource.resourceType === ResourceType.TOPIC)
      configs = topicConfigs(context, await topicConfigEntries(context, resource.resourceName), includeSynonyms);
    else if (resource.resourceType === ResourceType.BROKER)
      configs = brokerConfigs(context, resource.resourceName, includeSynonyms);
    else throw new TributaryError(`resource type ${resource.resourceType} has no configs here`, 'ERR_INVALID_ARGUMENT');
    const keys = resource.configurationKeys;
    // ConfigHelper.describeConfigs: no keys, or an empty list, means every config.
    if (keys !== null && keys.length > 0) configs = configs.filter((c) => keys.includes(c.name));
    return { ...base, errorCode: 0, errorMessage: null, configs };
  } catch (error) {
    return { ...base, errorCode: errorCodeOf(context, error), errorMessage: errorMessageOf(error), configs: [] };
  }
}

export const handleDescribeConfigs = handler(DescribeConfigs, async (context, request) => ({
  throttleTimeMs: 0,
  results: await Promise.all(request.resources.map((r) => describeResource(context, r, request.includeSynonyms))),
}));
