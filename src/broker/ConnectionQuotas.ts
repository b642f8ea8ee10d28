/**
 * ConnectionQuotas: `max.connections` and `max.connections.per.ip` (with
 * `max.connections.per.ip.overrides`), as Kafka's kafka.network.ConnectionQuotas counts them.
 * A connection over a limit has been accepted already; the broker closes it at once
 * (Kafka's Acceptor.accept closes it on TooManyConnectionsException).
 *
 * One difference: at `max.connections` Kafka's acceptor thread blocks (waitForConnectionSlot),
 * leaving new connections in the listen backlog until a slot frees. Node cannot stop
 * accepting on a listening socket, and holding accepted sockets would spend the file
 * descriptors the limit is there to protect, so they are closed like those over the per-IP
 * limit; clients reconnect after their backoff.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { BrokerConfig } from './BrokerConfig.js';

type ConnectionLimits = Pick<BrokerConfig, 'maxConnections' | 'maxConnectionsPerIp' | 'maxConnectionsPerIpOverrides'>;

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack listener) counts as 10.0.0.1, as Java's InetAddress sees it. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** The overrides by address: a host name resolves (as Kafka's InetAddress.getByName) to each of its addresses. */
async function resolveOverrides(overrides: Readonly<Record<string, number>>): Promise<Map<string, number>> {
  const byAddress = new Map<string, number>();
  for (const [host, count] of Object.entries(overrides)) {
    const addresses = isIP(host) === 0 ? (await lookup(host, { all: true })).map((a) => a.address) : [host];
    for (const address of addresses) byAddress.set(normalizeAddress(address), count);
  }
  return byAddress;
}

export class ConnectionQuotas {
  private readonly counts = new Map<string, number>();
  private total = 0;

  private constructor(
    private readonly limits: ConnectionLimits,
    private readonly overrides: ReadonlyMap<string, number>,
  ) {}

  static async create(limits: ConnectionLimits): Promise<ConnectionQuotas> {
    return new ConnectionQuotas(limits, await resolveOverrides(limits.maxConnectionsPerIpOverrides));
  }

  /** Counts a new connection from `address`, or says why it is refused (then nothing is counted). */
  inc(address: string): string | null {
    if (this.total >= this.limits.maxConnections)
      return `the broker already has the configured maximum of ${this.limits.maxConnections} connections (max.connections)`;
    const count = this.counts.get(address) ?? 0;
    const max = this.overrides.get(address) ?? this.limits.maxConnectionsPerIp;
    if (count >= max) return `address already has the configured maximum of ${max} connections`;
    this.counts.set(address, count + 1);
    this.total++;
    return null;
  }

  dec(address: string): void {
    const count = this.counts.get(address) ?? 0;
    if (count <= 1) this.counts.delete(address);
    else this.counts.set(address, count - 1);
    this.total--;
  }
}
