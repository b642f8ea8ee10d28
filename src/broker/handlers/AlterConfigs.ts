/**
 * AlterConfigs (the whole override set of a topic replaced) and IncrementalAlterConfigs
 * (SET, DELETE, APPEND, SUBTRACT per key) on topics. Broker settings are static here.
 */
import { topicConfigType } from '../../engine/TopicConfig.js';
import { TributaryError } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { AlterConfigs } from '../../protocol/messages/AlterConfigs.js';
import { IncrementalAlterConfigs } from '../../protocol/messages/IncrementalAlterConfigs.js';
import { errorCodeOf, errorMessageOf, handler, type RequestContext } from '../RequestContext.js';
import { ResourceType } from './DescribeConfigs.js';

type AlterConfigsResource = RequestOf<typeof AlterConfigs>['resources'][number];
type IncrementalAlterConfigsResource = RequestOf<typeof IncrementalAlterConfigs>['resources'][number];
type AlterableConfig = IncrementalAlterConfigsResource['configs'][number];
/** Both APIs answer with the same response (Common.ALTER_CONFIGS_RESPONSE). */
type AlterConfigsResult = EncodableResponse<typeof AlterConfigs>['responses'][number];

/** Kafka's AlterConfigOp.OpType. */
const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

type Changes = Record<string, string | null>;

function listValue(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function incrementalChange(context: RequestContext, topic: string, config: AlterableConfig): string | null {
  if (config.configOperation === OpType.SET) return config.value;
  if (config.configOperation === OpType.DELETE) return null;
  const isAppend = config.configOperation === OpType.APPEND;
  if (!isAppend && config.configOperation !== OpType.SUBTRACT) {
    throw new TributaryError(`unknown config operation ${String(config.configOperation)}`, 'ERR_INVALID_ARGUMENT');
  }
  if (topicConfigType(config.name) !== 'LIST') {
    throw new TributaryError(
      `${isAppend ? 'APPEND' : 'SUBTRACT'} needs a list config; ${config.name} is not one`,
      'ERR_INVALID_CONFIG',
    );
  }
  const current = listValue(context.engine.topicConfig(topic).values[config.name] ?? '');
  const operand = listValue(config.value ?? '');
  const next = isAppend
    ? [...current, ...operand.filter((v) => !current.includes(v))]
    : current.filter((v) => !operand.includes(v));
  return next.join(',');
}

function changesOf(
  context: RequestContext,
  resource: AlterConfigsResource | IncrementalAlterConfigsResource,
  incremental: boolean,
): Changes {
  const changes: Changes = {};
  if (!incremental) {
    for (const entry of context.engine.topicConfigEntries(resource.resourceName))
      if (entry.source === 'topic') changes[entry.name] = null;
  }
  for (const c of resource.configs) {
    if (c.name in changes && incremental)
      throw new TributaryError(`config ${c.name} appears more than once`, 'ERR_INVALID_ARGUMENT');
    changes[c.name] = 'configOperation' in c ? incrementalChange(context, resource.resourceName, c) : c.value;
  }
  return changes;
}

function alterResource(
  context: RequestContext,
  resource: AlterConfigsResource | IncrementalAlterConfigsResource,
  validateOnly: boolean,
  incremental: boolean,
): AlterConfigsResult {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  try {
    if (resource.resourceType !== ResourceType.TOPIC) {
      throw new TributaryError('broker configs are static: set them in the --config file', 'ERR_INVALID_ARGUMENT');
    }
    const changes = changesOf(context, resource, incremental);
    if (validateOnly) context.engine.checkTopicConfigChanges(resource.resourceName, changes);
    else context.engine.alterTopicConfig(resource.resourceName, changes);
    return { ...base, errorCode: 0, errorMessage: null };
  } catch (error) {
    return { ...base, errorCode: errorCodeOf(context, error), errorMessage: errorMessageOf(error) };
  }
}

export const handleAlterConfigs = handler(AlterConfigs, (context, request) => ({
  throttleTimeMs: 0,
  responses: request.resources.map((r) => alterResource(context, r, request.validateOnly, false)),
}));

export const handleIncrementalAlterConfigs = handler(IncrementalAlterConfigs, (context, request) => ({
  throttleTimeMs: 0,
  responses: request.resources.map((r) => alterResource(context, r, request.validateOnly, true)),
}));
