/**
 * The fault harness's network where namespaces cannot be made (not root): every link goes
 * through a TCP proxy on loopback that the harness controls. Each broker listens on a port
 * of its own and advertises its front proxy's, so every connection into it (a client's, a
 * follower's, the controller's) crosses that proxy; each broker reaches ZooKeeper through a
 * proxy of its own. A cut proxy forwards nothing and holds what arrives (the sender hears
 * nothing, as in a partition); the heal closes the connections it held (their streams lost
 * bytes) and forwards again.
 *
 * What a proxy cannot do: tell a broker's connection from a client's (both come from
 * 127.0.0.1 to the one advertised address). So a cut between two brokers cuts everything
 * into the first of them, clients included: cut(leader, follower) leaves the followers
 * unable to fetch from the leader, and the leader's own connections out still work.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../helpers/zookeeper.js';
import type { FaultNetwork } from './network.js';

/** One listening proxy to `target`; cut() and heal() as above. */
class TcpProxy {
  private blocked = false;
  private readonly flowing = new Set<Socket>();
  private readonly held = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly targetPort: number,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async listen(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TcpProxy(server, (server.address() as { port: number }).port, targetPort);
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined);
    if (this.blocked) {
      socket.pause();
      this.held.add(socket);
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
    for (const s of [socket, upstream]) {
      this.flowing.add(s);
      s.once('close', () => this.flowing.delete(s));
    }
  }

  cut(): void {
    this.blocked = true;
    for (const socket of this.flowing) {
      socket.unpipe();
      socket.pause();
      this.held.add(socket);
    }
    this.flowing.clear();
  }

  heal(): void {
    this.blocked = false;
    for (const socket of this.held) socket.destroy();
    this.held.clear();
  }

  close(): void {
    this.heal();
    for (const socket of this.flowing) socket.destroy();
    this.server.close();
  }
}

/** Brokers 1..n on loopback behind their front proxies, each with its own proxy to ZooKeeper. */
export class ProxiedLinks implements FaultNetwork {
  readonly description =
    'TCP proxies on loopback (no network namespaces: a cut between brokers cuts all into the first)';
  readonly clientAddress = undefined;
  readonly zooKeeperHost = '127.0.0.1';
  private readonly toZooKeeper = new Map<number, TcpProxy>();

  private constructor(
    private readonly ports: Map<number, number>,
    private readonly fronts: Map<number, TcpProxy>,
  ) {}

  static async create(members: readonly number[]): Promise<ProxiedLinks> {
    const ports = new Map<number, number>();
    const fronts = new Map<number, TcpProxy>();
    for (const id of members) {
      ports.set(id, await freePort());
      fronts.set(id, await TcpProxy.listen(ports.get(id)!));
    }
    return new ProxiedLinks(ports, fronts);
  }

  listener(id: number) {
    return { host: '127.0.0.1', port: this.ports.get(id)! };
  }

  advertised(id: number) {
    return { host: '127.0.0.1', port: this.fronts.get(id)!.port };
  }

  async zooKeeperConnect(id: number, port: number): Promise<string> {
    const proxy = await TcpProxy.listen(port);
    this.toZooKeeper.set(id, proxy);
    return `127.0.0.1:${proxy.port}`;
  }

  exec(): string[] {
    return [];
  }

  cut(a: number): void {
    this.fronts.get(a)!.cut();
  }

  cutFromZooKeeper(id: number): void {
    this.toZooKeeper.get(id)!.cut();
  }

  isolate(id: number): void {
    this.cut(id);
    this.cutFromZooKeeper(id);
  }

  heal(): void {
    for (const proxy of [...this.fronts.values(), ...this.toZooKeeper.values()]) proxy.heal();
  }

  destroy(): void {
    for (const proxy of [...this.fronts.values(), ...this.toZooKeeper.values()]) proxy.close();
  }
}
