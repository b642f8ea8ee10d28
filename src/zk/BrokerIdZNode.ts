/**
 * BrokerIdZNode: a live broker's ephemeral registration at /brokers/ids/<id>, as Kafka 3.8's
 * kafka.zk.BrokerIdZNode and BrokerInfo. Written as version 5 (what BrokerInfo.apply picks
 * for inter.broker.protocol.version >= 2.7); versions 1 to 5 are read, as Kafka reads them.
 */
import { BROKER_IDS_PATH } from './ZkPaths.js';
import {
  connectionString,
  parseEndPoint,
  securityProtocolNamed,
  type EndPoint,
  type SecurityProtocol,
  type SecurityProtocolMap,
} from './EndPoint.js';
import { encodeJson, ZNodeJson } from './ZNodeJson.js';

/** Kafka's SupportedVersionRange, as "features" holds it: {"min_version":1,"max_version":3}. */
export interface SupportedVersionRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** Kafka's BrokerInfo: the broker and the JSON version it registered with. */
export interface BrokerInfo {
  readonly id: number;
  readonly endpoints: readonly EndPoint[];
  readonly rack: string | null;
  readonly features: Readonly<Record<string, SupportedVersionRange>>;
  readonly jmxPort: number;
  readonly version: number;
}

/** The version this broker writes (BrokerInfo.apply for IBP 2.7 and later). */
export const BROKER_INFO_VERSION = 5;

/** JmxPort when none is exported (Kafka's `-1` default of JMX_PORT). */
export const NO_JMX_PORT = -1;

export function brokerIdPath(id: number): string {
  return `${BROKER_IDS_PATH}/${id}`;
}

/**
 * BrokerIdZNode.encode(brokerInfo): a top-level host and port for old clients (the first
 * PLAINTEXT endpoint, else null and -1), every endpoint, and from version 3 the rack, 4 the
 * listeners' protocols, 5 the supported features.
 */
export function encodeBrokerInfo(info: BrokerInfo, timestamp: number = Date.now()): Buffer {
  const plaintext = info.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
  const json: Record<string, unknown> = {
    version: info.version,
    host: plaintext?.host ?? null,
    port: plaintext?.port ?? -1,
    endpoints: info.endpoints.map(connectionString),
    jmx_port: info.jmxPort,
    timestamp: String(timestamp),
  };
  if (info.rack !== null && info.version >= 3) json.rack = info.rack;
  if (info.version >= 4)
    json.listener_security_protocol_map = Object.fromEntries(
      info.endpoints.map((e) => [e.listenerName, e.securityProtocol]),
    );
  if (info.version >= 5)
    json.features = Object.fromEntries(
      Object.entries(info.features).map(([name, r]) => [
        name,
        { min_version: r.minVersion, max_version: r.maxVersion },
      ]),
    );
  return encodeJson(json);
}

/** BrokerIdZNode.decode: the registration of broker `id`, strictly. */
export function decodeBrokerInfo(id: number, bytes: Uint8Array | null): BrokerInfo {
  const json = ZNodeJson.parse(brokerIdPath(id), bytes);
  const version = json.int('version');
  const jmxPort = json.int('jmx_port');
  if (version < 1) throw json.problem('version', `${version} is not a broker registration version Kafka knows (1-5)`);
  return {
    id,
    endpoints: version === 1 ? [versionOneEndPoint(json)] : endpointsOf(json),
    rack: json.optionalString('rack'),
    features: featuresOf(json),
    jmxPort,
    version,
  };
}

/** Version 1 has one PLAINTEXT listener at its top-level host and port. */
function versionOneEndPoint(json: ZNodeJson): EndPoint {
  return {
    host: json.string('host'),
    port: json.int('port'),
    listenerName: 'PLAINTEXT',
    securityProtocol: 'PLAINTEXT',
  };
}

function endpointsOf(json: ZNodeJson): EndPoint[] {
  const protocols = protocolMapOf(json);
  return json.stringList('endpoints').map((listener) => {
    const endPoint = parseEndPoint(listener, protocols);
    if (typeof endPoint === 'string') throw json.problem('endpoints', endPoint);
    return endPoint;
  });
}

/** "listener_security_protocol_map", keys as written (Kafka's `new ListenerName(name)` keeps their case). */
function protocolMapOf(json: ZNodeJson): SecurityProtocolMap | undefined {
  const map = json.optionalObject('listener_security_protocol_map');
  if (map === undefined) return undefined;
  const entries = map.keys().map((name): [string, SecurityProtocol] => {
    const protocol = securityProtocolNamed(map.string(name));
    if (protocol === undefined) throw map.problem(name, 'is not a security protocol');
    return [name, protocol];
  });
  return Object.fromEntries(entries);
}

/** BrokerIdZNode.featuresAsJavaMap and SupportedVersionRange.fromMap: both bounds, 0 <= min <= max. */
function featuresOf(json: ZNodeJson): Record<string, SupportedVersionRange> {
  const features = json.optionalObject('features');
  const out: Record<string, SupportedVersionRange> = {};
  for (const name of features?.keys() ?? []) {
    const range = features!.object(name);
    const minVersion = range.int('min_version');
    const maxVersion = range.int('max_version');
    if (minVersion < 0 || maxVersion < minVersion || maxVersion > 32767)
      throw features!.problem(name, `is not a version range (min_version ${minVersion}, max_version ${maxVersion})`);
    out[name] = { minVersion, maxVersion };
  }
  return out;
}
