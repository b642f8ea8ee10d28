/**
 * KafkaServer: a broker's start and stop in ZooKeeper mode, in the order of Kafka 3.8's
 * kafka.server.KafkaServer.startup: connect to ZooKeeper (the chroot made if missing) and
 * make the top-level paths, get or create the cluster id, settle the broker id (configured,
 * else meta.properties', else generated from /brokers/seqid) and check meta.properties
 * against both; the broker then opens its logs and listens (Broker.start), registers
 * /brokers/ids/<id> with its advertised endpoint at the bound port, and starts its
 * controller (the election). Closing resigns and closes the session, so the registration
 * and any /controller go at once.
 */
import { mkdirSync } from 'node:fs';
import { ControllerEventProcessor } from '../controller/ControllerEventProcessor.js';
import { BROKER_INFO_VERSION, NO_JMX_PORT, type BrokerInfo } from '../zk/BrokerIdZNode.js';
import { KafkaZkClient } from '../zk/KafkaZkClient.js';
import { generatedBrokerId } from '../zk/ZkData.js';
import { ZooKeeperClient } from '../zk/ZooKeeperClient.js';
import {
  loadClusterBrokerMetadata,
  proposedClusterId,
  readMetaProperties,
  type BrokerMetadata,
} from './BrokerMetadata.js';
import type { ClusterSettings } from './ClusterSettings.js';
import { BrokerConfigHandler, TopicConfigHandler, type ConfigHandler } from './ConfigHandler.js';
import { ControllerChannelManager } from './ControllerChannelManager.js';
import type { DynamicBrokerConfig } from './DynamicBrokerConfig.js';
import type { Engine } from '../engine/Engine.js';
import type { Logger } from './Logger.js';
import { ZkConfigManager } from './ZkConfigManager.js';
import { DEFAULT_ENTITY_NAME, type ConfigType } from '../zk/ZkPaths.js';

/** What a broker of the cluster holds from its start to its close. */
export class KafkaServer {
  private controller: ControllerEventProcessor | undefined;
  private configManager: ZkConfigManager | undefined;

  private constructor(
    readonly settings: ClusterSettings,
    readonly zkClient: KafkaZkClient,
    readonly metadata: BrokerMetadata,
    private readonly logger: Logger,
  ) {}

  /** KafkaServer.startup up to the logs: ZooKeeper, the cluster id, the broker id, meta.properties. */
  static async connect(settings: ClusterSettings, dataDir: string, logger: Logger): Promise<KafkaServer> {
    const client = await ZooKeeperClient.connect({
      connect: settings.zookeeperConnect,
      sessionTimeoutMs: settings.zookeeperSessionTimeoutMs,
      connectionTimeoutMs: settings.zookeeperConnectionTimeoutMs,
      maxInFlightRequests: settings.zookeeperMaxInFlightRequests,
      logger,
    });
    try {
      const zk = new KafkaZkClient(client);
      await zk.createTopLevelPaths();
      const stored = readMetaProperties(dataDir);
      const clusterId = await zk.createOrGetClusterId(proposedClusterId(stored));
      logger.info('Cluster ID', { clusterId });
      // KafkaServer.getOrGenerateBrokerId: configured, else stored, else a new sequence number.
      const brokerId =
        settings.brokerId ??
        stored?.nodeId ??
        generatedBrokerId(await zk.generateBrokerSequenceId(), settings.maxReservedBrokerId);
      mkdirSync(dataDir, { recursive: true });
      return new KafkaServer(settings, zk, loadClusterBrokerMetadata(dataDir, clusterId, brokerId), logger);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  get brokerId(): number {
    return this.metadata.nodeId;
  }

  /** The controller this broker runs (active or not), once started. */
  get kafkaController(): ControllerEventProcessor | undefined {
    return this.controller;
  }

  /** This broker's epoch: its registration's czxid (a new one after its session expired). */
  brokerEpoch(): number {
    return this.controller?.brokerEpoch ?? -1;
  }

  /** DynamicBrokerConfig.initialize's reads: /config/brokers/<default> and /config/brokers/<id>. */
  async dynamicBrokerConfigs(): Promise<{ defaults: Record<string, string>; own: Record<string, string> }> {
    const [defaults, own] = await Promise.all([
      this.zkClient.getEntityConfigs('brokers', DEFAULT_ENTITY_NAME),
      this.zkClient.getEntityConfigs('brokers', String(this.brokerId)),
    ]);
    return { defaults, own };
  }

  /**
   * KafkaServer.startup's dynamicConfigManager: topics' configs to their logs here, broker configs
   * to `dynamicConfig`, from ZooKeeper now and on every change notification. Before the broker
   * serves, so its logs run with the cluster's configs, changed or not while it was away.
   */
  async startConfigManager(engine: Engine, dynamicConfig: DynamicBrokerConfig): Promise<void> {
    const handlers = new Map<ConfigType, ConfigHandler>([
      ['topics', new TopicConfigHandler(engine, () => this.controller, this.logger)],
      ['brokers', new BrokerConfigHandler(this.brokerId, dynamicConfig)],
    ]);
    this.configManager = new ZkConfigManager(this.zkClient, handlers, this.logger);
    await this.configManager.startup();
  }

  /**
   * KafkaServer.startup after the socket server: the registration (createBrokerInfo: the
   * advertised listeners, a port of 0 as bound) and the controller's startup.
   */
  async register(boundPort: number): Promise<void> {
    const info: BrokerInfo = {
      id: this.brokerId,
      endpoints: this.settings.advertisedListeners.map((e) => ({ ...e, port: e.port === 0 ? boundPort : e.port })),
      rack: this.settings.rack,
      features: {},
      jmxPort: NO_JMX_PORT,
      version: BROKER_INFO_VERSION,
    };
    const epoch = await this.zkClient.registerBroker(info);
    this.logger.info('Registered broker', { brokerId: this.brokerId, brokerEpoch: epoch, endpoints: info.endpoints });
    const listenerName = this.settings.listener.listenerName;
    const channel = new ControllerChannelManager(this.brokerId, listenerName, this.logger);
    this.controller = new ControllerEventProcessor(
      {
        brokerId: this.brokerId,
        interBrokerListenerName: listenerName,
        autoLeaderRebalanceEnable: this.settings.autoLeaderRebalanceEnable,
        leaderImbalanceCheckIntervalSeconds: this.settings.leaderImbalanceCheckIntervalSeconds,
        leaderImbalancePerBrokerPercentage: this.settings.leaderImbalancePerBrokerPercentage,
        uncleanLeaderElectionEnable: this.settings.uncleanLeaderElectionEnable,
        deleteTopicEnable: true,
      },
      this.zkClient,
      channel,
      info,
      epoch,
      this.logger,
    );
    await this.controller.startup();
  }

  /** KafkaServer.shutdown's ZooKeeper half: the controller resigns, the session closes (its ephemerals go). */
  async shutdown(): Promise<void> {
    await this.configManager?.shutdown();
    await this.controller?.shutdown();
    await this.zkClient.zooKeeperClient.close();
  }
}
