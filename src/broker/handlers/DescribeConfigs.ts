/**
 * DescribeConfigs for topics (every topic config, where its value comes from, Kafka's
 * config type) and for this broker (its settings, read-only: they are static here).
 */
import type { TopicConfigEntry } from '../../engine/TopicDescription.js';
import { normalizeTopicConfig, topicConfigDefault, topicConfigType } from '../../engine/TopicConfig.js';
import { TributaryError } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import type { CreateTopics } from '../../protocol/messages/CreateTopics.js';
import { DescribeConfigs } from '../../protocol/messages/DescribeConfigs.js';
import { brokerConfigEntries, brokerDefaultSynonymOf, brokerSynonymOf } from '../BrokerConfig.js';
import { errorCodeOf, errorMessageOf, handler, type RequestContext } from '../RequestContext.js';

type DescribeConfigsResource = RequestOf<typeof DescribeConfigs>['resources'][number];
type DescribeConfigsResult = EncodableResponse<typeof DescribeConfigs>['results'][number];
type DescribedConfig = DescribeConfigsResult['configs'][number];
type ConfigSynonym = NonNullable<DescribedConfig['synonyms']>[number];
type CreatableTopicConfig = NonNullable<EncodableResponse<typeof CreateTopics>['topics'][number]['configs']>[number];

/** Kafka's ConfigResource.Type. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** Kafka's DescribeConfigsResponse.ConfigSource. */
const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

/** Kafka's DescribeConfigsResponse.ConfigType. */
const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

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
 * ConfigHelper.createTopicConfigEntry's synonyms, most specific first: the topic's override,
 * the broker's setting (server.properties) and the broker default Kafka falls back to.
 */
function synonyms(context: RequestContext, entry: TopicConfigEntry): ConfigSynonym[] {
  const out: ConfigSynonym[] = [];
  if (entry.source === 'topic')
    out.push({ name: entry.name, value: entry.value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
  const brokerName = brokerSynonymOf(entry.name);
  const brokerValue = context.config.topicDefaults[entry.name];
  if (brokerName !== undefined && brokerValue !== undefined)
    // As server.properties spelled it, in the form the topic config takes (TRUE → true).
    out.push({
      name: brokerName,
      value: normalizeTopicConfig(entry.name, brokerValue),
      source: ConfigSource.STATIC_BROKER_CONFIG,
    });
  const fallback = brokerDefaultSynonymOf(entry.name, topicConfigDefault(entry.name));
  if (fallback !== undefined) out.push({ ...fallback, source: ConfigSource.DEFAULT_CONFIG });
  return out;
}

function topicConfigs(context: RequestContext, name: string, includeSynonyms: boolean): DescribedConfig[] {
  return context.engine.topicConfigEntries(name).map((entry) => ({
    ...describedConfig(entry),
    isDefault: entry.source === 'default',
    synonyms: includeSynonyms ? synonyms(context, entry) : [],
    configType: ConfigType[topicConfigType(entry.name)],
  }));
}

function brokerConfigs(context: RequestContext, name: string): DescribedConfig[] {
  if (name !== '' && name !== String(context.metadata.nodeId)) {
    throw new TributaryError(
      `unknown broker '${name}': this is node ${context.metadata.nodeId}`,
      'ERR_INVALID_ARGUMENT',
    );
  }
  return brokerConfigEntries(context.config).map((e) => ({
    name: e.name,
    value: e.value,
    readOnly: true,
    isDefault: false,
    configSource: ConfigSource.STATIC_BROKER_CONFIG,
    isSensitive: false,
    synonyms: [],
    configType: ConfigType.STRING,
  }));
}

function describeResource(
  context: RequestContext,
  resource: DescribeConfigsResource,
  includeSynonyms: boolean,
): DescribeConfigsResult {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  try {
    let configs: DescribedConfig[];
    if (resource.resourceType === ResourceType.TOPIC)
      configs = topicConfigs(context, resource.resourceName, includeSynonyms);
    else if (resource.resourceType === ResourceType.BROKER) configs = brokerConfigs(context, resource.resourceName);
    else throw new TributaryError(`resource type ${resource.resourceType} has no configs here`, 'ERR_INVALID_ARGUMENT');
    const keys = resource.configurationKeys;
    if (keys !== null) configs = configs.filter((c) => keys.includes(c.name));
    return { ...base, errorCode: 0, errorMessage: null, configs };
  } catch (error) {
    return { ...base, errorCode: errorCodeOf(context, error), errorMessage: errorMessageOf(error), configs: [] };
  }
}

export const handleDescribeConfigs = handler(DescribeConfigs, (context, request) => ({
  throttleTimeMs: 0,
  results: request.resources.map((r) => describeResource(context, r, request.includeSynonyms)),
}));
