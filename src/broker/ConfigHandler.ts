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

/** What TopicConfigHandler tells the controller: KafkaController.enableTopicUncleanLeaderElection. */
export interface UncleanLeaderElectionListener {
  enableTopicUncleanLeaderElection(topic: string): void;
}

/**
 * TopicConfigHandler.processConfigChanges. updateLogConfig (LogManager.updateTopicConfig): a
 * topic with logs here takes the overrides at once; one without logs here reads them from
 * ZooKeeper when the controller makes this broker one of its replicas (Partition.createLog).
 * Then unclean.leader.election.enable=true is told to the controller (acting if it is the active
 * one), whose offline partitions of the topic may now elect a replica out of the ISR.
 */
export class TopicConfigHandler implements ConfigHandler {
  constructor(
    private readonly engine: Engine,
    private readonly controller: () => UncleanLeaderElectionListener | undefined,
    private readonly logger: Logger,
  ) {}

  processConfigChanges(topic: string, config: Readonly<Record<string, string>>): void {
    if (this.engine.hasTopic(topic)) {
      this.engine.updateTopicConfig(topic, config);
      this.logger.info('topic configs applied', { topic, config });
    }
    // Scala's toBoolean: "true" in any case.
    if (config['unclean.leader.election.enable']?.toLowerCase() === 'true')
      this.controller()?.enableTopicUncleanLeaderElection(topic);
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
