/**
 * ConfigHandler: Kafka 3.8's kafka.server.ConfigHandler, what a broker does with an entity's
 * configs when ZkConfigManager reads them from ZooKeeper (at start, and after each change
 * notification): TopicConfigHandler gives a topic's overrides to its logs here,
 * BrokerConfigHandler the cluster-wide defaults and this broker's own to DynamicBrokerConfig.
 */
import type { Engine } from '../engine/Engine.js';
import { DEFAULT_ENTITY_NAME } from '../zk/ZkPaths.js';
import type { DynamicBrokerConfig } from './DynamicBrokerConfig.js';
import type { Logger } from './Logger.js';

/** Kafka's ConfigHandler: the entity's whole set of configs, as /config/<type>/<name> holds it. */
export interface ConfigHandler {
  processConfigChanges(entityName: string, config: Readonly<Record<string, string>>): void;
}

/**
 * TopicConfigHandler.updateLogConfig (LogManager.updateTopicConfig): a topic with logs here
 * takes the overrides at once; one without logs here reads them from ZooKeeper when the
 * controller makes this broker one of its replicas (Partition.createLog).
 */
export class TopicConfigHandler implements ConfigHandler {
  constructor(
    private readonly engine: Engine,
    private readonly logger: Logger,
  ) {}

  processConfigChanges(topic: string, config: Readonly<Record<string, string>>): void {
    if (!this.engine.hasTopic(topic)) return;
    this.engine.updateTopicConfig(topic, config);
    this.logger.info('topic configs applied', { topic, config });
  }
}

/** BrokerConfigHandler: `<default>` is every broker's (updateDefaultConfig), `<id>` this broker's only (updateBrokerConfig). */
export class BrokerConfigHandler implements ConfigHandler {
  constructor(
    private readonly brokerId: number,
    private readonly dynamicConfig: DynamicBrokerConfig,
  ) {}

  processConfigChanges(entityName: string, config: Readonly<Record<string, string>>): void {
    if (entityName === DEFAULT_ENTITY_NAME) this.dynamicConfig.updateFromZooKeeper(config, false);
    else if (Number(entityName.trim()) === this.brokerId) this.dynamicConfig.updateFromZooKeeper(config, true);
  }
}
