/**
 * ZkConfigManager: Kafka 3.8's kafka.server.ZkConfigManager. Configs live in ZooKeeper at
 * /config/<type>/<name>; whoever changes one writes a sequential /config/changes/config_change_N
 * naming it ({"version":2,"entity_path":"topics/<t>"}: AdminZkClient.changeEntityConfig). Every
 * broker watches /config/changes (ZkNodeChangeNotificationListener), reads the named entity's
 * configs again and hands them to the handler of its type. The notification is only a trigger:
 * the config is always read from its znode, so a broker that missed changes while it was down
 * loses nothing, since at start it reads every entity of its handlers' types.
 */
import type { KafkaZkClient } from '../zk/KafkaZkClient.js';
import { CONFIG_CHANGE_PREFIX, decodeConfigChange } from '../zk/ZkData.js';
import { ZkNodeChangeNotificationListener } from '../zk/ZkNodeChangeNotificationListener.js';
import { CONFIG_CHANGES_PATH, type ConfigType } from '../zk/ZkPaths.js';
import type { ConfigHandler } from './ConfigHandler.js';
import type { Logger } from './Logger.js';

export class ZkConfigManager {
  private readonly listener: ZkNodeChangeNotificationListener;

  constructor(
    private readonly zk: KafkaZkClient,
    private readonly configHandlers: ReadonlyMap<ConfigType, ConfigHandler>,
    private readonly logger: Logger,
    changeExpirationMs?: number,
  ) {
    this.listener = new ZkNodeChangeNotificationListener(zk.zooKeeperClient, {
      seqNodeRoot: CONFIG_CHANGES_PATH,
      seqNodePrefix: CONFIG_CHANGE_PREFIX,
      handler: { processNotification: (data, notification) => this.processNotification(data, notification) },
      logger,
      changeExpirationMs,
    });
  }

  /**
   * ConfigChangedNotificationHandler.processNotification: the entity the notification names
   * (version 1 or 2), its configs read again. Quotas (clients, users, ips) have no handler here
   * yet: their notifications are logged and passed over.
   */
  private async processNotification(data: Buffer, notification: string): Promise<void> {
    const { type, name } = decodeConfigChange(notification, data);
    const handler = this.configHandlers.get(type);
    if (handler === undefined) {
      this.logger.info('config change of an entity type not served', { notification, type, name });
      return;
    }
    const config = await this.zk.getEntityConfigs(type, name);
    this.logger.info('Processing override', { entityPath: `${type}/${name}`, config });
    handler.processConfigChanges(name, config);
  }

  /**
   * ZkConfigManager.startup: the listener's first pass over every notification, then each
   * handler's every entity (fetchAllEntityConfigs), so that nothing changed while this broker
   * was away is missed. An entity whose configs cannot be applied is logged, the others applied.
   */
  async startup(): Promise<void> {
    await this.listener.init();
    for (const [type, handler] of this.configHandlers)
      for (const name of await this.zk.getAllEntitiesWithConfig(type)) {
        try {
          handler.processConfigChanges(name, await this.zk.getEntityConfigs(type, name));
        } catch (error) {
          this.logger.error('configs could not be applied', { entityPath: `${type}/${name}`, error: String(error) });
        }
      }
  }

  shutdown(): Promise<void> {
    return this.listener.close();
  }
}
