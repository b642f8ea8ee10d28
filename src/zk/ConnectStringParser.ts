/**
 * ConnectStringParser: `zookeeper.connect`, `HOST:PORT[,HOST:PORT...][/chroot]`, as
 * ZooKeeper's org.apache.zookeeper.client.ConnectStringParser reads it (the chroot checked by
 * org.apache.zookeeper.common.PathUtils.validatePath): a port defaults to 2181, `[v6]:port`
 * takes an IPv6 address, a chroot of "/" is none. Kafka hands the string to ZooKeeper as is,
 * and KafkaServer.initZkClient creates the chroot when it is missing.
 */

export interface ZooKeeperServer {
  readonly host: string;
  readonly port: number;
}

export interface ConnectString {
  readonly servers: readonly ZooKeeperServer[];
  /** The path every znode of this cluster lives under, or null for the root. */
  readonly chroot: string | null;
}

/** ZooKeeper's DEFAULT_PORT. */
export const ZOOKEEPER_DEFAULT_PORT = 2181;

function invalidCharacter(c: string): boolean {
  const code = c.charCodeAt(0);
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xf8ff) || code >= 0xfff0;
}

/** PathUtils.validatePath's rules: absolute, no trailing slash, no empty, "." or ".." segment, no control characters. */
export function pathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'Path must start with / character';
  if (path.length === 1) return null;
  if (path.endsWith('/')) return 'Path must not end with / character';
  // U+0000-U+001F, U+007F-U+009F, U+D800-U+F8FF and U+FFF0-U+FFFF are refused, as PathUtils does.
  if ([...path].some(invalidCharacter)) return 'invalid character';
  const segment = path
    .slice(1)
    .split('/')
    .find((s) => s === '' || s === '.' || s === '..');
  if (segment === '') return 'empty node name specified';
  if (segment !== undefined) return 'relative paths not allowed';
  return null;
}

function serverOf(entry: string): ZooKeeperServer | string {
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
  const at = entry.lastIndexOf(':');
  const [host, port] =
    v6 !== null ? [v6[1]!, v6[2]] : at >= 0 ? [entry.slice(0, at), entry.slice(at + 1)] : [entry, undefined];
  if (host === '' || /\s/.test(host)) return `'${entry}' has no host`;
  if (port === undefined || port === '') return { host, port: ZOOKEEPER_DEFAULT_PORT };
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) return `'${entry}' has no valid port`;
  return { host, port: n };
}

/** Parses a connect string; a problem comes back as a string for the caller's own error. */
export function parseConnectString(connectString: string): ConnectString | string {
  const slash = connectString.indexOf('/');
  const chroot = slash >= 0 && connectString.length - slash > 1 ? connectString.slice(slash) : null;
  const problem = chroot === null ? null : pathProblem(chroot);
  if (problem !== null) return `chroot ${chroot}: ${problem}`;
  const hosts = (slash >= 0 ? connectString.slice(0, slash) : connectString)
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  if (hosts.length === 0) return 'no ZooKeeper server given (HOST:PORT[,HOST:PORT...][/chroot])';
  const servers: ZooKeeperServer[] = [];
  for (const entry of hosts) {
    const server = serverOf(entry);
    if (typeof server === 'string') return server;
    servers.push(server);
  }
  return { servers, chroot };
}
