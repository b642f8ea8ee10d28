/**
 * ClusterSettings: what a broker of a ZooKeeper cluster needs of its config, read and checked
 * as Kafka 3.8's KafkaConfig does for a ZooKeeper-mode broker (zkConnect, brokerId,
 * listeners, effectiveAdvertisedListeners, validateValues). A broker is in a cluster when
 * `zookeeper.connect` is set (`serve --zookeeper`); without it, none of this applies.
 */
import { hostname } from 'node:os';
import { TributaryError } from '../errors.js';
import { parseConnectString, type ConnectString } from '../zk/ConnectStringParser.js';
import {
  parseEndPoint,
  securityProtocolNamed,
  type EndPoint,
  type SecurityProtocol,
  type SecurityProtocolMap,
} from '../zk/EndPoint.js';
import { BROKER_CONFIGS } from './BrokerConfigDef.js';

export interface ClusterSettings {
  /** zookeeper.connect as given, and parsed. */
  readonly zookeeperConnect: string;
  readonly zookeeper: ConnectString;
  /**
   * broker.id (node.id, --node-id); null when it is -1 and broker.id.generation.enable is
   * true: the id comes at start from meta.properties, else from /brokers/seqid
   * (KafkaServer.getOrGenerateBrokerId, ZkData's generatedBrokerId).
   */
  readonly brokerId: number | null;
  readonly maxReservedBrokerId: number;
  /** The one listener the broker binds (`listeners`, or --host/--port); its host null for every interface. */
  readonly listener: EndPoint;
  /** What the broker registers at /brokers/ids/<id> (`advertised.listeners`, else the listener). */
  readonly advertisedListeners: readonly EndPoint[];
  readonly rack: string | null;
  readonly zookeeperSessionTimeoutMs: number;
  /** zookeeper.connection.timeout.ms, the session timeout when unset (KafkaConfig.zkConnectionTimeoutMs). */
  readonly zookeeperConnectionTimeoutMs: number;
  readonly zookeeperMaxInFlightRequests: number;
  readonly controlledShutdownEnable: boolean;
  /** controlled.shutdown.max.retries and .retry.backoff.ms: KafkaServer.controlledShutdown's attempts and the pause between them. */
  readonly controlledShutdownMaxRetries: number;
  readonly controlledShutdownRetryBackoffMs: number;
  /** controller.socket.timeout.ms: the controller's channel and controlled shutdown, to connect and for each answer. */
  readonly controllerSocketTimeoutMs: number;
  readonly autoLeaderRebalanceEnable: boolean;
  readonly leaderImbalanceCheckIntervalSeconds: number;
  readonly leaderImbalancePerBrokerPercentage: number;
  readonly defaultReplicationFactor: number;
  /** offsets.topic.replication.factor and transaction.state.log.replication.factor: the internal topics' (AutoTopicCreationManager.creatableTopic). */
  readonly offsetsTopicReplicationFactor: number;
  readonly transactionTopicReplicationFactor: number;
  readonly uncleanLeaderElectionEnable: boolean;
}

/** The command line's say, over the config file's (`serve --node-id --host --port --advertised-host`). */
export interface ClusterCommandLine {
  nodeId?: number;
  host?: string;
  port?: number;
  advertisedHost?: string;
}

function invalid(message: string): TributaryError {
  return new TributaryError(`broker config: ${message}`, 'ERR_INVALID_CONFIG');
}

/** The file's settings, each already checked against Kafka's ConfigDef (BrokerConfig.applyBrokerSettings). */
type Settings = Readonly<Record<string, string>>;

/** A config's value: the file's, else Kafka's default. */
function value(settings: Settings, name: string): string | null {
  return settings[name] ?? BROKER_CONFIGS[name]?.default ?? null;
}

const numberOf = (settings: Settings, name: string): number => Number(value(settings, name));
const booleanOf = (settings: Settings, name: string): boolean => value(settings, name) === 'true';

/**
 * KafkaConfig.brokerId after populateSynonyms and validateValues: node.id stands for an unset
 * broker.id; both set must agree; -1 asks for a generated id.
 */
function brokerIdOf(settings: Settings, commandLine: ClusterCommandLine): number | null {
  const maxReserved = numberOf(settings, 'reserved.broker.max.id');
  const setting = settings['broker.id'] ?? settings['node.id'];
  const id = commandLine.nodeId ?? (setting === undefined ? -1 : Number(setting));
  if (booleanOf(settings, 'broker.id.generation.enable')) {
    if (id < -1 || id > maxReserved)
      throw invalid(
        `broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id (${id}, reserved.broker.max.id=${maxReserved})`,
      );
  } else if (id < 0) throw invalid(`broker.id must be greater than or equal to 0 (${id})`);
  return id === -1 ? null : id;
}

/** KafkaConfig.effectiveListenerSecurityProtocolMap: `NAME:PROTOCOL,...`, names normalised to upper case. */
function protocolMapOf(settings: Settings): SecurityProtocolMap {
  const map: Record<string, SecurityProtocol> = {};
  for (const entry of (value(settings, 'listener.security.protocol.map') ?? '').split(',')) {
    if (entry.trim() === '') continue;
    const [name, protocolName, extra] = entry.split(':').map((s) => s.trim());
    const protocol = securityProtocolNamed(protocolName?.toUpperCase() ?? '');
    if (name === undefined || name === '' || extra !== undefined)
      throw invalid(`listener.security.protocol.map entry '${entry}' is not NAME:PROTOCOL`);
    if (protocol === undefined)
      throw invalid(`Invalid security protocol \`${protocolName}\` defined in listener.security.protocol.map`);
    map[name.toUpperCase()] = protocol;
  }
  return map;
}

/** CoreUtils.listenerListToEndPoints: a comma-separated list of `NAME://host:port`, each name once. */
function endPointsOf(name: string, list: string, protocols: SecurityProtocolMap): EndPoint[] {
  const endPoints = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((listener) => {
      const endPoint = parseEndPoint(listener, protocols);
      if (typeof endPoint === 'string') throw invalid(`${name}: ${endPoint}`);
      // Tributary speaks the Kafka protocol in plain text only, for now.
      if (endPoint.securityProtocol !== 'PLAINTEXT')
        throw invalid(
          `${name}: ${listener} uses security protocol ${endPoint.securityProtocol}; tributary serves PLAINTEXT only`,
        );
      return endPoint;
    });
  if (new Set(endPoints.map((e) => e.listenerName)).size !== endPoints.length)
    throw invalid(`Each listener must have a different name, ${name}: ${list}`);
  return endPoints;
}

/** The one listener bound: `listeners` (Kafka's default PLAINTEXT://:9092), its host and port overridden by --host/--port. */
function listenerOf(settings: Settings, commandLine: ClusterCommandLine, protocols: SecurityProtocolMap): EndPoint {
  const listeners = endPointsOf('listeners', value(settings, 'listeners') ?? '', protocols);
  if (listeners.length !== 1)
    throw invalid(
      `listeners: tributary binds one listener, ${listeners.length} given (${value(settings, 'listeners')})`,
    );
  const listener = listeners[0]!;
  return { ...listener, host: commandLine.host ?? listener.host, port: commandLine.port ?? listener.port };
}

/**
 * KafkaConfig.effectiveAdvertisedListeners and its checks: names among the listeners', no
 * 0.0.0.0. A host left empty is this machine's name, as KafkaServer registers it
 * (InetAddress.getLocalHost.getCanonicalHostName); --advertised-host replaces every host.
 */
function advertisedOf(
  settings: Settings,
  commandLine: ClusterCommandLine,
  listener: EndPoint,
  protocols: SecurityProtocolMap,
): EndPoint[] {
  const list = value(settings, 'advertised.listeners');
  const advertised = list === null ? [listener] : endPointsOf('advertised.listeners', list, protocols);
  const unknown = advertised.find((e) => e.listenerName !== listener.listenerName);
  if (unknown !== undefined)
    throw invalid(
      `advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${unknown.listenerName}. The valid options based on the current configuration are ${listener.listenerName}`,
    );
  if (advertised.some((e) => e.host === '0.0.0.0'))
    throw invalid('advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.');
  const wildcard = listener.host === null || listener.host === '0.0.0.0' || listener.host === '::';
  const defaultHost = wildcard ? hostname() : listener.host!;
  return advertised.map((e) => ({ ...e, host: commandLine.advertisedHost ?? e.host ?? defaultHost }));
}

/**
 * The cluster settings of a broker whose config sets zookeeper.connect, or null for a
 * single node. `settings` are applyBrokerSettings' (BrokerConfig.settings): every value
 * already has Kafka's type and passed its validator.
 */
export function clusterSettingsOf(settings: Settings, commandLine: ClusterCommandLine): ClusterSettings | null {
  const zookeeperConnect = settings['zookeeper.connect'];
  if (zookeeperConnect === undefined) return null;
  const zookeeper = parseConnectString(zookeeperConnect);
  if (typeof zookeeper === 'string') throw invalid(`zookeeper.connect=${zookeeperConnect}: ${zookeeper}`);
  const protocols = protocolMapOf(settings);
  const listener = listenerOf(settings, commandLine, protocols);
  const sessionTimeoutMs = numberOf(settings, 'zookeeper.session.timeout.ms');
  return {
    zookeeperConnect,
    zookeeper,
    brokerId: brokerIdOf(settings, commandLine),
    maxReservedBrokerId: numberOf(settings, 'reserved.broker.max.id'),
    listener,
    advertisedListeners: advertisedOf(settings, commandLine, listener, protocols),
    rack: value(settings, 'broker.rack'),
    zookeeperSessionTimeoutMs: sessionTimeoutMs,
    zookeeperConnectionTimeoutMs: Number(value(settings, 'zookeeper.connection.timeout.ms') ?? sessionTimeoutMs),
    zookeeperMaxInFlightRequests: numberOf(settings, 'zookeeper.max.in.flight.requests'),
    controlledShutdownEnable: booleanOf(settings, 'controlled.shutdown.enable'),
    controlledShutdownMaxRetries: numberOf(settings, 'controlled.shutdown.max.retries'),
    controlledShutdownRetryBackoffMs: numberOf(settings, 'controlled.shutdown.retry.backoff.ms'),
    controllerSocketTimeoutMs: numberOf(settings, 'controller.socket.timeout.ms'),
    autoLeaderRebalanceEnable: booleanOf(settings, 'auto.leader.rebalance.enable'),
    leaderImbalanceCheckIntervalSeconds: numberOf(settings, 'leader.imbalance.check.interval.seconds'),
    leaderImbalancePerBrokerPercentage: numberOf(settings, 'leader.imbalance.per.broker.percentage'),
    defaultReplicationFactor: numberOf(settings, 'default.replication.factor'),
    offsetsTopicReplicationFactor: numberOf(settings, 'offsets.topic.replication.factor'),
    transactionTopicReplicationFactor: numberOf(settings, 'transaction.state.log.replication.factor'),
    uncleanLeaderElectionEnable: booleanOf(settings, 'unclean.leader.election.enable'),
  };
}
