/**
 * EndPoint: one listener of a broker, `LISTENER_NAME://host:port`, as Kafka's
 * kafka.cluster.EndPoint: what `listeners` and `advertised.listeners` list and what a
 * broker's registration at /brokers/ids/<id> carries in "endpoints".
 */

/** Kafka's org.apache.kafka.common.security.auth.SecurityProtocol names. */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export interface EndPoint {
  /** null for a listener on every interface (`PLAINTEXT://:9092`). */
  readonly host: string | null;
  readonly port: number;
  /** Upper case, as ListenerName.normalised makes it. */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
}

/** Listener name -> security protocol (`listener.security.protocol.map`, or a registration's map). */
export type SecurityProtocolMap = Readonly<Record<string, SecurityProtocol>>;

/** EndPoint.DefaultSecurityProtocolMap: each protocol is a listener of its own name. */
export const DEFAULT_SECURITY_PROTOCOL_MAP: SecurityProtocolMap = Object.fromEntries(
  SECURITY_PROTOCOLS.map((protocol) => [protocol, protocol]),
);

/** EndPoint.uriParseExp, matched against the whole string as Scala's pattern match does. */
const URI = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

/** SecurityProtocol.forName: the exact name, or undefined. */
export function securityProtocolNamed(name: string): SecurityProtocol | undefined {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(name) ? (name as SecurityProtocol) : undefined;
}

/**
 * EndPoint.createEndPoint: parses `LISTENER://host:port` (`[ipv6]` allowed, an empty host
 * meaning every interface). Returns the problem as a string for the caller to raise as its
 * own error: a bad config is ERR_INVALID_CONFIG, a bad registration ERR_MALFORMED_ZNODE.
 */
export function parseEndPoint(
  connectionString: string,
  protocols: SecurityProtocolMap = DEFAULT_SECURITY_PROTOCOL_MAP,
): EndPoint | string {
  const match = URI.exec(connectionString);
  if (match === null) return `Unable to parse ${connectionString} to a broker endpoint`;
  const listenerName = match[1]!.toUpperCase();
  const securityProtocol = Object.hasOwn(protocols, listenerName) ? protocols[listenerName] : undefined;
  if (securityProtocol === undefined) return `No security protocol defined for listener ${listenerName}`;
  const port = Number(match[3]);
  if (!Number.isSafeInteger(port) || port > 65535) return `Unable to parse ${connectionString} to a broker endpoint`;
  return { host: match[2] === '' ? null : match[2]!, port, listenerName, securityProtocol };
}

/** EndPoint.connectionString, with Utils.formatAddress's brackets around an IPv6 host. */
export function connectionString(endPoint: EndPoint): string {
  const { host, port } = endPoint;
  const hostPort = host === null ? `:${port}` : host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return `${endPoint.listenerName}://${hostPort}`;
}
