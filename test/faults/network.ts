/**
 * What the fault harness needs of a network: where each broker listens and is reached,
 * how it reaches ZooKeeper, and links to cut and heal. Network namespaces (netns.ts) when
 * this process may make them (root), TCP proxies on loopback (proxy.ts) otherwise, or as
 * FAULTS_NETWORK (`netns` or `proxy`) says.
 */
import { BridgedNamespaces, netnsUsable } from './netns.js';
import { ProxiedLinks } from './proxy.js';

export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface FaultNetwork {
  /** How links are made and cut, for the report. */
  readonly description: string;
  /** The local address the test's own clients connect from (undefined: the kernel picks). */
  readonly clientAddress: string | undefined;
  /** Where ZooKeeper listens. */
  readonly zooKeeperHost: string;
  /** Where broker `id` listens. */
  listener(id: number): Address;
  /** Where clients and the other brokers reach broker `id` (its advertised listener). */
  advertised(id: number): Address;
  /** Broker `id`'s way to ZooKeeper (listening on zooKeeperHost:`port`), as HOST:PORT. */
  zooKeeperConnect(id: number, port: number): Promise<string>;
  /** The command prefix that runs broker `id`'s process in its place on the network. */
  exec(id: number): string[];
  /** Cuts the link between brokers `a` and `b`. */
  cut(a: number, b: number): void;
  /** Cuts broker `id` from ZooKeeper. */
  cutFromZooKeeper(id: number): void;
  /** Cuts broker `id` from everything. */
  isolate(id: number): void;
  /** Heals every cut. */
  heal(): void;
  /** Removes what the network made; never throws. */
  destroy(): void;
}

/** The network for brokers `members`: namespaces if usable (or FAULTS_NETWORK=netns), else proxies. */
export async function faultNetwork(members: readonly number[]): Promise<FaultNetwork> {
  const wanted = process.env.FAULTS_NETWORK;
  if (wanted !== undefined && wanted !== 'netns' && wanted !== 'proxy')
    throw new Error(`FAULTS_NETWORK must be netns or proxy, not ${wanted}`);
  if (wanted === 'proxy' || (wanted === undefined && !netnsUsable())) return ProxiedLinks.create(members);
  return BridgedNamespaces.create(members);
}
