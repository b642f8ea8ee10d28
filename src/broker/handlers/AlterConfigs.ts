/**
 * AlterConfigs (the whole set of a resource's configs replaced) and IncrementalAlterConfigs
 * (SET, DELETE, APPEND, SUBTRACT per key) on topics and on the broker: its own configs (the
 * resource named by the node id) or the cluster-wide defaults (the empty name), those of
 * DynamicBrokerConfig.AllDynamicConfigs. Kafka's KafkaApis.handleAlterConfigsRequest and
 * handleIncrementalAlterConfigsRequest: ConfigAdminManager.preprocess, then ZkAdminManager. In a
 * ZooKeeper cluster any broker takes them and writes ZooKeeper, as Kafka's ZooKeeper brokers do.
 */
import { topicConfigType } from '../../engine/TopicConfig.js';
import { TributaryError, errorMessageOf } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { AlterConfigs } from '../../protocol/messages/AlterConfigs.js';
import { IncrementalAlterConfigs } from '../../protocol/messages/IncrementalAlterConfigs.js';
import { BROKER_CONFIGS } from '../BrokerConfigDef.js';
import { configTypeOf } from '../../engine/ConfigDef.js';
import { AdminZkClient } from '../AdminZkClient.js';
import { DEFAULT_ENTITY_NAME } from '../../zk/ZkPaths.js';
import { errorCodeOf, handler, type ClusterContext, type RequestContext } from '../RequestContext.js';
import { ResourceType } from './DescribeConfigs.js';

type AlterConfigsResource = RequestOf<typeof AlterConfigs>['resources'][number];
type IncrementalAlterConfigsResource = RequestOf<typeof IncrementalAlterConfigs>['resources'][number];
type Resource = AlterConfigsResource | IncrementalAlterConfigsResource;
type AlterableConfig = IncrementalAlterConfigsResource['configs'][number];
/** Both APIs answer with the same response (Common.ALTER_CONFIGS_RESPONSE). */
type AlterConfigsResult = EncodableResponse<typeof AlterConfigs>['responses'][number];

/** Kafka's AlterConfigOp.OpType. */
const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

type Props = Record<string, string>;

/** What APPEND and SUBTRACT need of a resource's configs. */
interface ConfigKeys {
  isList(name: string): boolean;
  /** The value a list starts from when the resource does not set it. */
  fallback(name: string): string | null;
}

function listValue(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

const invalidRequest = (message: string) => new TributaryError(message, 'ERR_INVALID_ARGUMENT');

/** ConfigAdminManager.prepareIncrementalConfigs: `props` (the resource's own configs) with each operation applied. */
function prepareIncrementalConfigs(configs: readonly AlterableConfig[], props: Props, keys: ConfigKeys): Props {
  for (const { name, configOperation, value } of configs) {
    if (configOperation === OpType.SET) props[name] = value ?? '';
    else if (configOperation === OpType.DELETE) delete props[name];
    else if (configOperation === OpType.APPEND || configOperation === OpType.SUBTRACT) {
      const isAppend = configOperation === OpType.APPEND;
      if (!keys.isList(name)) {
        const what = isAppend ? 'append' : 'subtract';
        throw new TributaryError(`Config value ${what} is not allowed for config key: ${name}`, 'ERR_INVALID_CONFIG');
      }
      const current = listValue(props[name] ?? keys.fallback(name));
      const operand = listValue(value);
      const next = isAppend
        ? [...current, ...operand.filter((v) => !current.includes(v))]
        : current.filter((v) => !operand.includes(v));
      props[name] = next.join(',');
    } else throw invalidRequest(`Unknown operations type ${configOperation}`);
  }
  return props;
}

/** The resource's configs after the request: the request's own (AlterConfigs) or the current ones changed. */
function newProps(resource: Resource, current: Readonly<Props>, keys: ConfigKeys): Props {
  const configs = resource.configs;
  if (configs.length > 0 && 'configOperation' in configs[0]!)
    return prepareIncrementalConfigs(configs as AlterableConfig[], { ...current }, keys);
  return Object.fromEntries(configs.map((c) => [c.name, c.value ?? '']));
}

/** ConfigAdminManager.preprocess: what every resource must satisfy. */
function preprocess(resource: Resource): void {
  const names = resource.configs.map((c) => c.name);
  if (new Set(names).size !== names.length) throw invalidRequest('Error due to duplicate config keys');
  // Only DELETE goes without a value; AlterConfigs has no operations, so a null is never one.
  const nullUpdates = resource.configs
    .filter((c) => c.value === null && !('configOperation' in c && c.configOperation === OpType.DELETE))
    .map((c) => c.name);
  if (nullUpdates.length > 0) throw invalidRequest(`Null value not supported for : ${nullUpdates.join(', ')}`);
}

/** What APPEND and SUBTRACT need of a topic: lists by LogConfig's types, from `values` (its configs as they are). */
function topicConfigKeys(values: () => Readonly<Record<string, string>>): ConfigKeys {
  return { isList: (name) => topicConfigType(name) === 'LIST', fallback: (name) => values()[name] ?? null };
}

/** KafkaConfig.configKeys: lists by the broker config's type; a name Kafka does not know cannot be one. */
const BROKER_CONFIG_KEYS: ConfigKeys = {
  isList: (name) => {
    const def = Object.hasOwn(BROKER_CONFIGS, name) ? BROKER_CONFIGS[name] : undefined;
    if (def === undefined) throw new TributaryError(`Unknown config name: ${name}`, 'ERR_INVALID_CONFIG');
    return configTypeOf(def) === 'LIST';
  },
  fallback: (name) => BROKER_CONFIGS[name]?.default ?? null,
};

function alterTopicConfigs(context: RequestContext, resource: Resource, validateOnly: boolean): void {
  const topic = resource.resourceName;
  const overrides = Object.fromEntries(
    context.engine
      .topicConfigEntries(topic)
      .filter((e) => e.source === 'topic')
      .map((e) => [e.name, e.value ?? '']),
  );
  const props = newProps(
    resource,
    overrides,
    topicConfigKeys(() => context.engine.topicConfig(topic).values),
  );
  if (validateOnly) context.engine.checkTopicConfig(topic, props);
  else context.engine.updateTopicConfig(topic, props);
}

/**
 * ZkAdminManager.alterTopicConfigs in a cluster, through any broker: a topic the metadata cache
 * knows, its overrides (IncrementalAlterConfigs starts from ZooKeeper's), validated as
 * LogConfig.validate against this broker's defaults, written to /config/topics/<topic> with a
 * change notification (AdminZkClient.changeTopicConfig); every broker hosting it applies them.
 */
async function zkAlterTopicConfigs(
  context: RequestContext,
  cluster: ClusterContext,
  admin: AdminZkClient,
  resource: Resource,
  validateOnly: boolean,
): Promise<void> {
  const topic = resource.resourceName;
  if (topic === '') throw invalidRequest('Default topic resources are not allowed.');
  if (!cluster.metadataCache.contains(topic))
    throw new TributaryError(`The topic '${topic}' does not exist.`, 'ERR_UNKNOWN_TOPIC_OR_PARTITION');
  const current = await admin.fetchEntityConfig('topics', topic);
  const values = () => Object.fromEntries(context.engine.describeTopicConfig(current).map((e) => [e.name, e.value]));
  const props = newProps(resource, current, topicConfigKeys(values));
  await admin.validateTopicConfig(topic);
  const validated = context.engine.validateTopicConfig(props);
  if (!validateOnly) await admin.changeTopicConfig(topic, validated);
}

/** ConfigAdminManager.validateResourceNameIsCurrentNodeId. */
function checkNodeId(context: RequestContext, name: string): void {
  const id = /^[+-]?\d+$/.test(name) ? Number(name) : NaN;
  if (!Number.isSafeInteger(id) || id !== (id | 0))
    throw invalidRequest(`Node id must be an integer, but it is: ${name}`);
  const nodeId = context.metadata.nodeId;
  if (id !== nodeId) throw invalidRequest(`Unexpected broker id, expected ${nodeId}, but received ${name}`);
}

/**
 * ZkAdminManager.alterBrokerConfigs, after ConfigAdminManager.validateBrokerConfigChange: this
 * broker's configs (named by its id) or every broker's defaults (the empty name), validated by
 * DynamicBrokerConfig. A single node stores and applies them; a cluster's broker writes them to
 * /config/brokers/<id> or /config/brokers/<default> with a change notification
 * (AdminZkClient.changeBrokerConfig, IncrementalAlterConfigs starting from ZooKeeper's), and
 * each broker applies them as it reads the notification (BrokerConfigHandler), this one too.
 */
async function alterBrokerConfigs(
  context: RequestContext,
  admin: AdminZkClient | undefined,
  resource: Resource,
  validateOnly: boolean,
): Promise<void> {
  const perBrokerConfig = resource.resourceName !== '';
  if (perBrokerConfig) checkNodeId(context, resource.resourceName);
  const dynamic = context.dynamicConfig;
  const nodeId = context.metadata.nodeId;
  const current =
    admin === undefined
      ? dynamic.configsOf(perBrokerConfig)
      : await admin.fetchEntityConfig('brokers', perBrokerConfig ? String(nodeId) : DEFAULT_ENTITY_NAME);
  const props = newProps(resource, current, BROKER_CONFIG_KEYS);
  if (validateOnly) dynamic.validate(props, perBrokerConfig);
  else if (admin === undefined) dynamic.update(props, perBrokerConfig);
  else {
    dynamic.validate(props, perBrokerConfig);
    await admin.changeBrokerConfig(perBrokerConfig ? nodeId : null, props);
  }
}

/** A cluster's broker started with ZooKeeper: its admin client (ZkAdminManager's adminZkClient). */
function zkAdminOf(context: RequestContext): { cluster: ClusterContext; admin: AdminZkClient } | undefined {
  const cluster = context.cluster;
  const server = cluster?.kafkaServer;
  return cluster && server && { cluster, admin: new AdminZkClient(server.zkClient) };
}

/** A resource's answer: no error, or the error that stopped it. */
function resultOf(context: RequestContext, resource: Resource, error?: unknown): AlterConfigsResult {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  if (error === undefined) return { ...base, errorCode: 0, errorMessage: null };
  return { ...base, errorCode: errorCodeOf(context, error), errorMessage: errorMessageOf(error) };
}

async function alterResource(
  context: RequestContext,
  resource: Resource,
  validateOnly: boolean,
): Promise<AlterConfigsResult> {
  try {
    preprocess(resource);
    const zk = zkAdminOf(context);
    if (resource.resourceType === ResourceType.TOPIC) {
      if (zk === undefined) alterTopicConfigs(context, resource, validateOnly);
      else await zkAlterTopicConfigs(context, zk.cluster, zk.admin, resource, validateOnly);
    } else if (resource.resourceType === ResourceType.BROKER)
      await alterBrokerConfigs(context, zk?.admin, resource, validateOnly);
    else throw invalidRequest(`Unknown resource type ${resource.resourceType}`);
    return resultOf(context, resource);
  } catch (error) {
    return resultOf(context, resource, error);
  }
}

/** ConfigAdminManager.preprocess: a resource named twice is refused, both times. */
function alterResources(context: RequestContext, resources: readonly Resource[], validateOnly: boolean) {
  const key = (r: Resource) => `${r.resourceType}:${r.resourceName}`;
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return Promise.all(
    resources.map((r) =>
      counts.get(key(r))! > 1
        ? resultOf(context, r, invalidRequest('Each resource must appear at most once.'))
        : alterResource(context, r, validateOnly),
    ),
  );
}

export const handleAlterConfigs = handler(AlterConfigs, async (context, request) => ({
  throttleTimeMs: 0,
  responses: await alterResources(context, request.resources, request.validateOnly),
}));

export const handleIncrementalAlterConfigs = handler(IncrementalAlterConfigs, async (context, request) => ({
  throttleTimeMs: 0,
  responses: await alterResources(context, request.resources, request.validateOnly),
}));
