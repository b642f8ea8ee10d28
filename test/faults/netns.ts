/**
 * The fault harness's network: one Linux network namespace per broker, joined by a bridge
 * on the host (veth pairs, addresses 10.21.S.x/24), so a test can cut any link between two
 * brokers, or between a broker and ZooKeeper, and heal it. ZooKeeper and the test's own
 * clients stay on the host, each on an address of its own on the bridge: a cut from
 * ZooKeeper leaves the clients' path to the broker alone.
 *
 * Cuts are blackhole routes inside the namespaces (this machine has neither iptables nor
 * nft; a /32 route wins over the bridge's /24), put on both ends, so packets of a cut link
 * vanish as in a real partition (no RST, no ICMP): TCP connections hang until a timeout,
 * which is what sessions and replica lag must survive. A broker cut from everything has its
 * link set down. Names (bridge, namespaces, veths) and the subnet are unique per run, so
 * runs in parallel do not collide; everything is removed on destroy() and when the process
 * exits, whatever the test did.
 */
import { execFileSync } from 'node:child_process';
import type { Address, FaultNetwork } from './network.js';

/** Every broker listens on Kafka's port, each on its own address. */
const PORT = 9092;

/** Runs `ip ...args` and returns its output; throws with ip's own message when it fails. */
function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Whether this process may create network namespaces (root, a kernel with netns, the `ip` tool). */
export function netnsUsable(): boolean {
  const probe = `tfprobe${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return true;
  } catch {
    return false;
  }
}

/** A free 10.21.S.0/24 (no route of the host's in it yet): S from this process id, stepped on clashes. */
function freeSubnet(): string {
  const routes = ip('route', 'show');
  for (let i = 0; i < 250; i++) {
    const subnet = `10.21.${((process.pid + i) % 250) + 1}`;
    if (!routes.includes(`${subnet}.`)) return subnet;
  }
  throw new Error('no free 10.21.S.0/24 subnet for the fault harness');
}

/** Whether process `pid` is alive (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the namespaces and bridges of runs whose process is gone (killed before it could
 * clean up: SIGKILL runs no exit handler), and the processes still in those namespaces.
 * Names carry the run's pid: `tf<pid>...`.
 */
function removeStale(): void {
  const owner = (name: string) => Number(/^tf(\d+)(?:n\d+|br)$/.exec(name)?.[1] ?? process.pid);
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (alive(owner(name))) continue;
    // Its brokers outlived it: a namespace's processes keep it alive after its name is gone.
    for (const pid of ip('netns', 'pids', name).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    ip('netns', 'del', name);
  }
  for (const line of ip('-o', 'link', 'show', 'type', 'bridge').split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '';
    if (!alive(owner(name))) ip('link', 'del', name);
  }
}

const live = new Set<BridgedNamespaces>();
process.once('exit', () => {
  for (const net of live) net.destroy();
});

/** A bridge and one namespace per member (1..n), member i at 10.21.S.i. */
export class BridgedNamespaces implements FaultNetwork {
  private readonly cuts = new Set<string>();
  private readonly downs = new Set<number>();
  private destroyed = false;

  private constructor(
    private readonly tag: string,
    private readonly subnet: string,
    readonly members: readonly number[],
  ) {}

  /** Creates the bridge (with the host's client and ZooKeeper addresses) and a namespace per member. */
  static create(members: readonly number[]): BridgedNamespaces {
    removeStale();
    const net = new BridgedNamespaces(`tf${process.pid}`, freeSubnet(), members);
    live.add(net);
    try {
      net.build();
    } catch (error) {
      net.destroy();
      throw error;
    }
    return net;
  }

  private get bridge(): string {
    return `${this.tag}br`;
  }

  get description(): string {
    return `ip netns, a namespace per broker on bridge ${this.bridge} (${this.subnet}.0/24), cuts by blackhole routes`;
  }

  private namespace(member: number): string {
    return `${this.tag}n${member}`;
  }

  private veth(member: number): string {
    return `${this.tag}v${member}`;
  }

  private address(member: number): string {
    return `${this.subnet}.${member}`;
  }

  /** The host's address on the bridge that the test's clients connect from. */
  get clientAddress(): string {
    return `${this.subnet}.254`;
  }

  /** The host's address on the bridge that ZooKeeper listens on (cut apart from the clients'). */
  get zooKeeperHost(): string {
    return `${this.subnet}.253`;
  }

  listener(member: number): Address {
    return { host: this.address(member), port: PORT };
  }

  advertised(member: number): Address {
    return this.listener(member);
  }

  async zooKeeperConnect(_member: number, port: number): Promise<string> {
    return `${this.zooKeeperHost}:${port}`;
  }

  /** The command prefix that runs a program inside member `member`'s namespace (same pid: ip execs it). */
  exec(member: number): string[] {
    return ['ip', 'netns', 'exec', this.namespace(member)];
  }

  private build(): void {
    ip('link', 'add', this.bridge, 'type', 'bridge');
    ip('addr', 'add', `${this.clientAddress}/24`, 'dev', this.bridge);
    ip('addr', 'add', `${this.zooKeeperHost}/24`, 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
    for (const member of this.members) {
      const ns = this.namespace(member);
      ip('netns', 'add', ns);
      ip('link', 'add', this.veth(member), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('link', 'set', this.veth(member), 'master', this.bridge, 'up');
      ip('-n', ns, 'addr', 'add', `${this.address(member)}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }
  }

  /** Drops every packet from member `member` to `address` (one direction). */
  private blackhole(member: number, address: string): void {
    const key = `${member}>${address}`;
    if (this.cuts.has(key)) return;
    ip('-n', this.namespace(member), 'route', 'add', 'blackhole', `${address}/32`);
    this.cuts.add(key);
  }

  /** Cuts the link between members `a` and `b`, both ways. */
  cut(a: number, b: number): void {
    this.blackhole(a, this.address(b));
    this.blackhole(b, this.address(a));
  }

  /**
   * Cuts member `member` from ZooKeeper. One direction is a whole cut for TCP: ZooKeeper's
   * packets still arrive but nothing the member sends back does.
   */
  cutFromZooKeeper(member: number): void {
    this.blackhole(member, this.zooKeeperHost);
  }

  /** Takes member `member` off the network altogether (its link down): no broker, no ZooKeeper, no client. */
  isolate(member: number): void {
    ip('-n', this.namespace(member), 'link', 'set', 'eth0', 'down');
    this.downs.add(member);
  }

  /** Removes every cut and brings every link up again. */
  heal(): void {
    for (const key of this.cuts) {
      const [member, address] = key.split('>');
      ip('-n', this.namespace(Number(member)), 'route', 'del', 'blackhole', `${address}/32`);
    }
    this.cuts.clear();
    // The link's /24 route comes back with it (the kernel's, from the address).
    for (const member of this.downs) ip('-n', this.namespace(member), 'link', 'set', 'eth0', 'up');
    this.downs.clear();
  }

  /** Deletes the namespaces (their veth ends go with them) and the bridge; never throws. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const member of this.members) {
      try {
        ip('netns', 'del', this.namespace(member));
      } catch {
        // Not created, or already gone.
      }
    }
    try {
      ip('link', 'del', this.bridge);
    } catch {
      // Not created.
    }
  }
}
