/**
 * KafkaServer: a broker's start and stop in ZooKeeper mode, in the order of Kafka 3.8's
 * kafka.server.KafkaServer.startup: connect to ZooKeeper (the chroot made if missing) and
 * make the top-level paths, get or create the cluster id, settle the broker id (configured,
 * else meta.properties', else generated from /brokers/seqid) and check meta.properties
 * against both, and claims its first block of producer ids (ZkProducerIdManager); the broker
 * then opens its logs and listens (Broker.start), registers
 * /brokers/ids/<id> with its advertised endpoint at the bound port, and starts its
 * controller (the election). Stopping first asks the controller to move this broker's
 * leaderships away (controlledShutdown), then resigns and closes the session, so the
 * registration and any /controller go at once.
 */
import { mkdirSync } from 'node:fs';
import { ControllerEventProcessor } from '../controller/ControllerEventProcessor.js';
import type { Engine } from '../engine/Engine.js';
import { FileProducerIdManager } from '../engine/FileProducerIdManager.js';
import { BrokerConnection, type BrokerAddress } from '../network/BrokerConnection.js';
import { ControlledShutdown } from '../protocol/messages/ControlledShutdown.js';
import { BROKER_INFO_VERSION, NO_JMX_PORT, type BrokerInfo } from '../zk/BrokerIdZNode.js';
import { KafkaZkClient } from '../zk/KafkaZkClient.js';
import { generatedBrokerId } from '../zk/ZkData.js';
import { DEFAULT_ENTITY_NAME, type ConfigType } from '../zk/ZkPaths.js';
import { ZooKeeperClient } from '../zk/ZooKeeperClient.js';
import {
  loadClusterBrokerMetadata,
  proposedClusterId,
  readMetaProperties,
  type BrokerMetadata,
} from './BrokerMetadata.js';
import { AlterPartitionManager } from './AlterPartitionManager.js';
import type { ClusterSettings } from './ClusterSettings.js';
import { BrokerConfigHandler, TopicConfigHandler, type ConfigHandler } from './ConfigHandler.js';
import { ControllerChannelManager } from './ControllerChannelManager.js';
import type { DynamicBrokerConfig } from './DynamicBrokerConfig.js';
import type { Logger } from './Logger.js';
import type { MetadataCache } from './MetadataCache.js';
import { ZkConfigManager } from './ZkConfigManager.js';
import { ZkProducerIdManager } from './ZkProducerIdManager.js';

/** ControlledShutdown v3: what a 3.8 broker sends (IBP 2.4 and later). */
const CONTROLLED_SHUTDOWN_VERSION = 3;

/** One controlled shutdown's connection to the controller it last found. */
interface ShutdownChannel {
  node: (BrokerAddress & { readonly id: number }) | undefined;
  connection: BrokerConnection | undefined;
}

/** What a broker of the cluster holds from its start to its close. */
export class KafkaServer {
  private controller: ControllerEventProcessor | undefined;
  /** The broker's metadata cache, from registration on: where the controller is (controlled shutdown). */
  private metadataCache: MetadataCache | undefined;
  private configManager: ZkConfigManager | undefined;
  private alterPartitionManager: AlterPartitionManager | undefined;

  private constructor(
    readonly settings: ClusterSettings,
    readonly zkClient: KafkaZkClient,
    readonly metadata: BrokerMetadata,
    /** The cluster's producer ids, which the broker hands its engine. */
    readonly producerIdManager: ZkProducerIdManager,
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
      const metadata = loadClusterBrokerMetadata(dataDir, clusterId, brokerId);
      // ProducerIdManager.zk: the first block claimed now. A single node's data dir joining keeps
      // the ids its producer-id-block file reserved out of the cluster's blocks.
      const reserved = FileProducerIdManager.open(dataDir).reservedEnd;
      const producerIds = await ZkProducerIdManager.start(brokerId, zk, logger, reserved);
      return new KafkaServer(settings, zk, metadata, producerIds, logger);
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

  /**
   * KafkaServer.startup's alterPartitionManager: this broker's ISR changes, as a partition
   * leader, to the controller `metadataCache` names (on the inter-broker listener); closed at shutdown.
   */
  createAlterPartitionManager(metadataCache: MetadataCache): AlterPartitionManager {
    this.alterPartitionManager = new AlterPartitionManager({
      brokerId: this.brokerId,
      brokerEpoch: () => this.brokerEpoch(),
      metadataCache,
      listenerName: this.settings.listener.listenerName,
      requestTimeoutMs: this.settings.controllerSocketTimeoutMs,
      logger: this.logger,
    });
    return this.alterPartitionManager;
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
  async register(boundPort: number, metadataCache: MetadataCache): Promise<void> {
    this.metadataCache = metadataCache;
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
    const channel = new ControllerChannelManager({
      controllerId: this.brokerId,
      listenerName,
      socketTimeoutMs: this.settings.controllerSocketTimeoutMs,
      logger: this.logger,
    });
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

  /**
   * KafkaServer.controlledShutdown: with controlled.shutdown.enable, once started, the broker
   * asks the controller to move its leaderships away before it stops serving, and tries again
   * (controlled.shutdown.max.retries, controlled.shutdown.retry.backoff.ms apart) while
   * partitions remain or the controller cannot be reached; then it stops anyway.
   */
  async controlledShutdown(): Promise<void> {
    if (!this.settings.controlledShutdownEnable || this.controller === undefined) return;
    this.logger.info('Starting controlled shutdown');
    if (!(await this.doControlledShutdown(this.settings.controlledShutdownMaxRetries)))
      this.logger.warn('Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed');
  }

  /** doControlledShutdown: true once the controller answers that no partition remains. */
  private async doControlledShutdown(retries: number): Promise<boolean> {
    const channel: ShutdownChannel = { node: undefined, connection: undefined };
    try {
      for (let remaining = retries - 1; remaining >= 0; remaining--) {
        this.findController(channel);
        if (channel.node !== undefined && (await this.askController(channel))) return true;
        if (remaining === 0) break;
        await new Promise((resolve) => setTimeout(resolve, this.settings.controlledShutdownRetryBackoffMs));
        this.logger.info(`Retrying controlled shutdown (${remaining} retries remaining)`);
      }
      return false;
    } finally {
      channel.connection?.close();
    }
  }

  /** Step 1: the controller the metadata cache names, at its inter-broker endpoint (else the last one found); a new one is connected to anew. */
  private findController(channel: ShutdownChannel): void {
    const controllerId = this.metadataCache?.controllerId ?? null;
    if (controllerId === null) return this.logger.info('No zk controller present in the metadata cache');
    const node = this.metadataCache!.aliveEndpoint(controllerId, this.settings.listener.listenerName);
    if (node === undefined)
      return this.logger.info(
        `Broker registration for controller ${controllerId} is not available in the metadata cache`,
      );
    const moved =
      channel.node?.id !== controllerId || channel.node.host !== node.host || channel.node.port !== node.port;
    if (!moved) return;
    channel.connection?.close();
    channel.connection = undefined;
    channel.node = { id: controllerId, host: node.host, port: node.port };
  }

  /** Step 2: ControlledShutdown to the controller; true when no partition remains to move. */
  private async askController(channel: ShutdownChannel): Promise<boolean> {
    const started = Date.now();
    if (channel.connection?.closed === true) channel.connection = undefined;
    try {
      channel.connection ??= await BrokerConnection.open(channel.node!, {
        clientId: String(this.brokerId),
        timeoutMs: this.settings.controllerSocketTimeoutMs,
        discoverVersions: false,
      });
      const request = { brokerId: this.brokerId, brokerEpoch: this.brokerEpoch() };
      const response = await channel.connection.request(ControlledShutdown, request, CONTROLLED_SHUTDOWN_VERSION);
      const fields = { controller: channel.node!.id, latencyMs: Date.now() - started };
      if (response.errorCode !== 0)
        this.logger.info('Controlled shutdown request returned with an error', {
          ...fields,
          errorCode: response.errorCode,
        });
      else if (response.remainingPartitions.length > 0)
        this.logger.info('Controlled shutdown request returned with partitions remaining to move', {
          ...fields,
          remaining: response.remainingPartitions.length,
        });
      else this.logger.info('Controlled shutdown request returned successfully', fields);
      return response.errorCode === 0 && response.remainingPartitions.length === 0;
    } catch (error) {
      this.logger.warn(
        'Error during controlled shutdown, possibly because leader movement took longer than the configured controller.socket.timeout.ms and/or request.timeout.ms',
        { error: String(error) },
      );
      channel.connection?.close();
      channel.connection = undefined;
      return false;
    }
  }

  /** KafkaServer.shutdown's ZooKeeper half: the controller resigns, the session closes (its ephemerals go). */
  async shutdown(): Promise<void> {
    this.alterPartitionManager?.close();
    await this.configManager?.shutdown();
    await this.controller?.shutdown();
    await this.producerIdManager.shutdown();
    await this.zkClient.zooKeeperClient.close();
  }
}
