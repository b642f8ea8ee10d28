/**
 * Broker: the Kafka-protocol front door to the same engine the embedded API opens. One
 * node that leads every partition. close() stops accepting, lets requests in flight
 * finish, then closes the engine (flushing every log and writing the recovery points).
 */
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { Engine, type RecoveryProgress } from '../engine/Engine.js';
import { TributaryError } from '../errors.js';
import { GroupCoordinator, type GroupClusterView } from '../group/GroupCoordinator.js';
import { GROUP_METADATA_TOPIC_NAME } from '../group/OffsetsTopicStore.js';
import { supportedApis } from '../protocol/index.js';
import { applyBrokerSettings, brokerConfigValue, DEFAULT_BROKER_CONFIG, type BrokerConfig } from './BrokerConfig.js';
import { DynamicBrokerConfig } from './DynamicBrokerConfig.js';
import { clusterSettingsOf } from './ClusterSettings.js';
import { loadBrokerMetadata, type BrokerMetadata } from './BrokerMetadata.js';
import { BrokerMetrics } from './BrokerMetrics.js';
import { Connection } from './Connection.js';
import { ConnectionQuotas, normalizeAddress } from './ConnectionQuotas.js';
import { CLUSTER_REQUEST_HANDLERS, REQUEST_HANDLERS } from './handlers/index.js';
import { MetadataCache } from './MetadataCache.js';
import { ReplicaFetcherManager, replicaFetcherSettings } from './ReplicaFetcherManager.js';
import { ReplicaManager } from './ReplicaManager.js';
import { KafkaServer } from './KafkaServer.js';
import { createLogger, type Logger } from './Logger.js';
import { MemoryPool } from './MemoryPool.js';
import { MetricsServer } from './MetricsServer.js';
import { TransactionCoordinator, type TransactionCoordinatorOptions } from '../transaction/TransactionCoordinator.js';
import type { TxnMarker } from '../transaction/TransactionMarkerWriter.js';
import { TRANSACTION_STATE_TOPIC_NAME } from '../transaction/TransactionStateManager.js';
import { appendLeaderTxnMarkers, TransactionMarkerChannelManager } from './TransactionMarkerChannelManager.js';
import type { BrokerContext, ClusterContext, RequestHandler } from './RequestContext.js';

/** The engine and coordinators of an embedded Tributary the broker serves in the same process. */
interface SharedResources {
  brokerResources(): Promise<{ engine: Engine; groups: GroupCoordinator; transactions: TransactionCoordinator }>;
}

export interface BrokerOptions {
  /** The data directory to open; or `tributary`, an open embedded Tributary to serve (it keeps owning its data directory). */
  dataDir?: string;
  tributary?: SharedResources;
  /** Listener address (default 127.0.0.1) and port (default 9092; 0 picks a free one). */
  host?: string;
  port?: number;
  /** What clients are told to connect to (default: the listener host, or this machine's name for a wildcard). */
  advertisedHost?: string;
  nodeId?: number;
  /**
   * `HOST:PORT[,HOST:PORT...][/chroot]`: join the ZooKeeper cluster there (zookeeper.connect,
   * over the settings'). Without it, and without zookeeper.connect, the broker is a single node.
   */
  zookeeper?: string;
  /** Kafka server.properties settings (auto.create.topics.enable, num.partitions, log.retention.ms, ...). */
  settings?: Record<string, string>;
  logger?: Logger;
  /** Serves Prometheus metrics at http://host:metricsPort/metrics (0 picks a free port); none when unset. */
  metricsPort?: number;
  /** Told of the bytes the logs' recovery scans go through when the data directory opens (a progress bar). */
  recoveryProgress?: RecoveryProgress;
  /** Handlers replacing the broker's own for their APIs: the benchmark's null sink acknowledges produce without storing. */
  handlerOverrides?: readonly RequestHandler[];
  /**
   * Cluster mode: the controller decides which partitions this broker leads (LeaderAndIsr,
   * StopReplica) and tells it about the cluster (UpdateMetadata); Metadata, DescribeCluster
   * and FindCoordinator answer from that, and a partition led elsewhere is NOT_LEADER_OR_FOLLOWER.
   */
  cluster?: ClusterOptions;
}

export interface ClusterOptions {
  /** This broker's epoch: the czxid of its /brokers/ids/<id> znode, once registered. */
  brokerEpoch: () => number;
  /** The listener clients reach this broker by (default PLAINTEXT). */
  listenerName?: string;
}

/** Kafka's default listener name: the security protocol's, PLAINTEXT. */
const DEFAULT_LISTENER_NAME = 'PLAINTEXT';

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function resolveConfig(options: BrokerOptions, logger: Logger): BrokerConfig {
  const settings: Record<string, string> = { ...options.settings };
  if (options.zookeeper !== undefined) settings['zookeeper.connect'] = options.zookeeper;
  const { config, unknown } = applyBrokerSettings(DEFAULT_BROKER_CONFIG, settings);
  // AbstractConfig.logUnused: kept (DescribeConfigs shows them), and warned about.
  for (const name of unknown) logger.warn(`The configuration '${name}' was supplied but isn't a known config.`);
  const cluster = clusterSettingsOf(config.settings, options);
  // A cluster's broker binds its listener (`listeners`, over which --host and --port win) and
  // tells clients its advertised listener, as Kafka's; an empty listener host is every interface.
  const host = cluster !== null ? (cluster.listener.host ?? '0.0.0.0') : (options.host ?? config.host);
  const wildcard = host === '0.0.0.0' || host === '::';
  return {
    ...config,
    host,
    port: cluster?.listener.port ?? options.port ?? config.port,
    nodeId: options.nodeId ?? config.nodeId,
    advertisedHost: cluster?.advertisedListeners[0]?.host ?? options.advertisedHost ?? (wildcard ? hostname() : host),
    cluster,
  };
}

/** The cluster as a broker's group coordinator reads it: ZooKeeper's `__consumer_offsets` through the metadata cache. */
function groupClusterView(cache: MetadataCache): GroupClusterView {
  return {
    offsetsTopicPartitionCount: () => cache.allPartitions(GROUP_METADATA_TOPIC_NAME).length || undefined,
    containsPartition: (topic, partition) => cache.contains(topic, partition),
  };
}

/** The cluster as a broker's transaction coordinator reads it, and its markers' way to the partition leaders. */
function transactionClusterView(
  cluster: ClusterContext & { markerChannel: TransactionMarkerChannelManager },
): TransactionCoordinatorOptions['cluster'] {
  return {
    stateTopicPartitionCount: () =>
      cluster.metadataCache.allPartitions(TRANSACTION_STATE_TOPIC_NAME).length || undefined,
    writeTxnMarkers: (marker) => cluster.markerChannel.writeTxnMarkers(marker),
  };
}

export class Broker {
  private readonly connections = new Set<Connection>();
  /** queued.max.request.bytes: what every connection's requests hold, together. */
  /** queued.max.request.bytes, and the buffers request frames are read into. */
  readonly memoryPool: MemoryPool;
  private closing: Promise<void> | null = null;
  /** False once closing has passed its controlled shutdown: new connections are refused. */
  private accepting = true;
  private metricsServer: MetricsServer | null = null;
  /** In a ZooKeeper cluster: the session, the registration and the controller (undefined for a single node). */
  kafkaServer: KafkaServer | undefined;
  /** In a cluster: the connections carrying transaction markers to other brokers. */
  private markerChannel: TransactionMarkerChannelManager | undefined;
  /** In a cluster: the hosted partitions, their replication and its isr-expiration task. */
  private replicaManager: ReplicaManager | undefined;

  private constructor(
    readonly engine: Engine,
    readonly groups: GroupCoordinator,
    readonly transactions: TransactionCoordinator,
    /** False when serving an embedded Tributary's engine and coordinators, which that Tributary closes. */
    private readonly ownsEngine: boolean,
    readonly config: BrokerConfig,
    readonly dynamicConfig: DynamicBrokerConfig,
    readonly metadata: BrokerMetadata,
    private readonly server: Server,
    private readonly logger: Logger,
    private readonly quotas: ConnectionQuotas,
  ) {
    this.memoryPool = new MemoryPool(dynamicConfig.current.queuedMaxRequestBytes);
  }

  static async start(options: BrokerOptions): Promise<Broker> {
    const logger = options.logger ?? createLogger();
    const config = resolveConfig(options, logger);
    if (config.cluster === null) return Broker.startWith(options, config, logger, undefined);
    if (options.tributary !== undefined)
      throw new TributaryError(
        'A broker of a ZooKeeper cluster opens its own data directory: give it dataDir, not tributary',
        'ERR_INVALID_ARGUMENT',
      );
    // KafkaServer.startup: ZooKeeper, the cluster and broker ids and meta.properties before the logs.
    const server = await KafkaServer.connect(config.cluster, Broker.dataDirOf(options), logger);
    try {
      const clusterConfig = { ...config, nodeId: server.brokerId };
      const cluster: ClusterOptions = {
        brokerEpoch: () => server.brokerEpoch(),
        listenerName: config.cluster.listener.listenerName,
      };
      return await Broker.startWith({ ...options, cluster }, clusterConfig, logger, server);
    } catch (error) {
      await server.shutdown();
      throw error;
    }
  }

  private static async startWith(
    options: BrokerOptions,
    config: BrokerConfig,
    logger: Logger,
    kafkaServer: KafkaServer | undefined,
  ): Promise<Broker> {
    const owned = options.tributary === undefined;
    // The configs AlterConfigs stored take effect when the broker opens its own engine; serving an
    // embedded Tributary, its engine keeps the defaults it opened with, and its transaction
    // coordinator is shared as its group coordinator is, with the Tributary's settings: one
    // coordinator per engine, whichever front door a producer comes by.
    // A cluster's are ZooKeeper's (DynamicBrokerConfig.initialize), a single node's in its data directory.
    const ownDynamic = !owned
      ? undefined
      : kafkaServer === undefined
        ? DynamicBrokerConfig.load(Broker.dataDirOf(options), config, logger)
        : DynamicBrokerConfig.fromZooKeeper(config, await kafkaServer.dynamicBrokerConfigs(), logger);
    const shared = owned ? undefined : await options.tributary!.brokerResources();
    // A cluster's coordinators read the cluster's internal topics from the metadata cache.
    const metadataCache = options.cluster && new MetadataCache();
    const { engine, groups } =
      shared ?? (await Broker.openResources(options, ownDynamic!.current, metadataCache, logger, kafkaServer));
    const server = createServer({ noDelay: true, pauseOnConnect: false });
    let transactions: TransactionCoordinator | undefined = shared?.transactions;
    try {
      const dynamic = ownDynamic ?? DynamicBrokerConfig.load(engine.dataDir, config, logger);
      // DynamicLogConfig: the topic defaults (log.retention.ms, ...) of the broker's own engine change at once.
      if (owned)
        dynamic.addReconfigurable({
          validateReconfiguration: (c) => void engine.checkDefaults(c.topicDefaults),
          reconfigure: (c) => engine.setDefaults(c.topicDefaults),
        });
      await kafkaServer?.startConfigManager(engine, dynamic);
      const running = dynamic.current;
      const metadata = kafkaServer?.metadata ?? loadBrokerMetadata(engine.dataDir, config.nodeId);
      const quotas = await ConnectionQuotas.create(running);
      const cluster =
        options.cluster &&
        Broker.clusterContext(options.cluster, metadataCache!, engine, groups, config, logger, kafkaServer);
      transactions ??= TransactionCoordinator.open({
        engine,
        groups,
        config: running.transactions,
        logger,
        cluster: cluster && transactionClusterView(cluster),
      });
      const broker = new Broker(engine, groups, transactions, owned, config, dynamic, metadata, server, logger, quotas);
      broker.kafkaServer = kafkaServer;
      broker.markerChannel = cluster?.markerChannel;
      broker.replicaManager = cluster?.replicaManager;
      broker.replicaManager?.startup();
      const metrics =
        options.metricsPort === undefined
          ? undefined
          : new BrokerMetrics({
              engine,
              groups,
              connections: () => broker.connections.size,
              memoryPool: broker.memoryPool,
              replicaManager: cluster?.replicaManager,
            });
      const handlers = [
        ...REQUEST_HANDLERS,
        ...(cluster ? CLUSTER_REQUEST_HANDLERS : []),
        ...(options.handlerOverrides ?? []),
      ];
      broker.accept(new Map(handlers.map((h) => [h.api.apiKey, h])), metrics, cluster);
      await listen(server, config.port, config.host);
      if (metrics !== undefined) await broker.serveMetrics(metrics, options.metricsPort!);
      // KafkaServer.startup: registered once the socket server is up, then the controller's election.
      if (kafkaServer !== undefined) await kafkaServer.register(broker.port, metadataCache!);
      logger.info('listening', {
        host: broker.host,
        port: broker.port,
        metricsPort: broker.metricsPort,
        dataDir: engine.dataDir,
        nodeId: config.nodeId,
      });
      return broker;
    } catch (error) {
      server.close();
      await kafkaServer?.shutdown();
      if (owned) {
        await transactions?.close();
        await Broker.closeResources(engine, groups);
      }
      throw error;
    }
  }

  private async serveMetrics(metrics: BrokerMetrics, port: number): Promise<void> {
    this.metricsServer = await MetricsServer.start(metrics.registry, port, this.host, this.logger);
  }

  private static dataDirOf(options: BrokerOptions): string {
    if (options.dataDir === undefined)
      throw new TributaryError('Broker.start needs a dataDir or a tributary to serve', 'ERR_INVALID_ARGUMENT');
    return options.dataDir;
  }

  private static async openResources(
    options: BrokerOptions,
    config: BrokerConfig,
    metadataCache: MetadataCache | undefined,
    logger: Logger,
    kafkaServer: KafkaServer | undefined,
  ): Promise<{ engine: Engine; groups: GroupCoordinator }> {
    const engine = await Engine.open({
      dataDir: Broker.dataDirOf(options),
      defaults: config.topicDefaults,
      retentionCheckIntervalMs: config.retentionCheckIntervalMs,
      recoveryProgress: options.recoveryProgress,
      maxPartitions: config.maxBrokerPartitions,
      maxOpenFiles: config.maxOpenFiles,
      producerIdExpirationMs: config.producerIdExpirationMs,
      producerIdExpirationCheckIntervalMs: config.producerIdExpirationCheckIntervalMs,
      // A cluster's producer ids come from ZooKeeper, shared by its brokers.
      producerIdManager: kafkaServer?.producerIdManager,
      // In a cluster a partition's high watermark is its ISR's (ClusterPartition): each log
      // opens at its checkpointed one (Kafka's ReplicaManager reads replication-offset-checkpoint),
      // not at its log end, which may hold records no follower has.
      hwFollowsLogEnd: metadataCache === undefined,
      highWatermarkCheckpointIntervalMs: config.highWatermarkCheckpointIntervalMs,
    });
    try {
      const cluster = metadataCache && groupClusterView(metadataCache);
      return { engine, groups: await GroupCoordinator.open({ engine, ...config.groups, cluster, logger }) };
    } catch (error) {
      await engine.close();
      throw error;
    }
  }

  private static async closeResources(engine: Engine, groups: GroupCoordinator): Promise<void> {
    await groups.close();
    await engine.close();
  }

  private static clusterContext(
    options: ClusterOptions,
    metadataCache: MetadataCache,
    engine: Engine,
    groups: GroupCoordinator,
    config: BrokerConfig,
    logger: Logger,
    kafkaServer: KafkaServer | undefined,
  ): ClusterContext & { markerChannel: TransactionMarkerChannelManager } {
    const nodeId = config.nodeId;
    const listenerName = options.listenerName ?? DEFAULT_LISTENER_NAME;
    // The follower side: fetchers to each leader at its endpoint on this listener, the inter-broker one.
    const fetcherManager = new ReplicaFetcherManager({
      settings: replicaFetcherSettings(config, nodeId),
      metadataCache,
      listenerName,
      localPartition: (topic, partition) => engine.partition(topic, partition),
      logger,
    });
    const replication = {
      replicaLagTimeMaxMs: Number(brokerConfigValue(config, 'replica.lag.time.max.ms')),
      alterPartitionManager: kafkaServer?.createAlterPartitionManager(metadataCache),
    };
    const replicaManager = new ReplicaManager(engine, metadataCache, nodeId, logger, replication, fetcherManager);
    const writeLocal = (marker: TxnMarker) => appendLeaderTxnMarkers(engine, groups, replicaManager, marker);
    return {
      metadataCache,
      replicaManager,
      markerChannel: new TransactionMarkerChannelManager(nodeId, listenerName, metadataCache, writeLocal, logger),
      listenerName,
      brokerEpoch: options.brokerEpoch,
      kafkaServer,
    };
  }

  private accept(
    handlers: ReadonlyMap<number, RequestHandler>,
    metrics: BrokerMetrics | undefined,
    cluster: ClusterContext | undefined,
  ): void {
    const context: BrokerContext = {
      metrics,
      cluster,
      engine: this.engine,
      groups: this.groups,
      transactions: this.transactions,
      config: this.config,
      dynamicConfig: this.dynamicConfig,
      metadata: this.metadata,
      logger: this.logger,
      advertisedPort: () => this.port,
      handlers,
      apiVersions: supportedApis().filter((api) => handlers.has(api.apiKey)),
    };
    this.server.on('connection', (socket) => {
      if (!this.accepting) {
        socket.destroy();
        return;
      }
      const address = normalizeAddress(socket.remoteAddress ?? '');
      const refused = this.quotas.inc(address);
      if (refused !== null) {
        // Kafka's Acceptor: accepted, then closed (TooManyConnectionsException).
        this.logger.info('rejected connection', { remote: address, reason: refused });
        socket.destroy();
        return;
      }
      const connection = new Connection(socket, context, this.memoryPool, (c) => {
        this.connections.delete(c);
        this.quotas.dec(address);
      });
      this.connections.add(connection);
    });
  }

  get host(): string {
    return this.config.host;
  }

  /** The bound port. */
  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : this.config.port;
  }

  /** The bound port of /metrics, or undefined without metrics. */
  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    // KafkaServer.shutdown: the controlled shutdown first, while this broker still serves (the
    // controller's LeaderAndIsr come over its listener, and its own ControlledShutdown if it is the controller).
    await this.kafkaServer?.controlledShutdown();
    this.accepting = false;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.connections].map((c) => c.drain()));
    await stopped;
    // KafkaServer.shutdown: replicaManager.shutdown (the replica fetchers) before the logs close.
    await this.replicaManager?.shutdown();
    // KafkaServer.shutdown: the controller resigns and the session closes, so others see this broker leave.
    await this.kafkaServer?.shutdown();
    this.markerChannel?.close();
    await this.metricsServer?.close();
    if (this.ownsEngine) {
      await this.transactions.close();
      await Broker.closeResources(this.engine, this.groups);
    }
    this.logger.info('stopped', { dataDir: this.engine.dataDir });
  }
}
