/**
 * Real ZooKeeper servers for tests: Debian's `zookeeper` 3.8 package run by java on free
 * loopback ports, each in its own temporary directory. A standalone server
 * (ZooKeeperServerMain) or a 3-node ensemble (QuorumPeerMain), each server able to be
 * stopped, SIGKILLed, paused (SIGSTOP/SIGCONT) and restarted on the same port and data.
 * Every JVM started here is killed when the test process exits, whatever the test did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import zookeeper from 'node-zookeeper-client';
import { join } from 'node:path';

/**
 * Only the jars the server needs (Debian's zookeeper.jar declares no Class-Path): its own,
 * jute's, and slf4j with its simple backend, warnings only, to the server's log file. The
 * whole of /usr/share/java would do too but makes the JVM scan hundreds of jars.
 */
const CLASSPATH = ['zookeeper.jar', 'zookeeper-jute.jar', 'slf4j-api.jar', 'slf4j-simple.jar']
  .map((jar) => `/usr/share/java/${jar}`)
  .join(':');

/** A small heap and the C1 compiler only: the server starts in well under a second. */
const JVM_FLAGS = [
  '-Xmx128m',
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-Xshare:auto',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
];

/**
 * tickTime 250 ms: sessions from 500 ms (2 ticks, ZooKeeper's minimum) so tests can expire
 * one quickly; maxSessionTimeout lifted so Kafka's default 18000 is granted too.
 */
const TICK_MS = 250;
const START_TIMEOUT_MS = 20000;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A loopback port nothing listens on now (the kernel's pick for port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A four-letter-word command's answer ('' when nothing listens or the server says nothing). */
export function fourLetterWord(port: number, command: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, host, () => socket.end(command));
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => undefined);
  });
}

export interface QuorumPorts {
  readonly id: number;
  readonly peerPort: number;
  readonly electionPort: number;
}

/** One ZooKeeper server process with its config and data directory. */
export class ZooKeeperServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly mainClass: string,
    readonly host = '127.0.0.1',
  ) {}

  /**
   * A standalone server on a free port of `host` (loopback unless told: the fault harness
   * puts it on an address of its own); resolves once it serves requests.
   */
  static async standalone(host = '127.0.0.1'): Promise<ZooKeeperServer> {
    const server = ZooKeeperServer.configure(
      await freePort(),
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      [],
      host,
    );
    await server.start();
    return server;
  }

  /** One member of an ensemble (QuorumPeerMain with myid); started by the ensemble. */
  static member(port: number, self: QuorumPorts, all: readonly QuorumPorts[]): ZooKeeperServer {
    const peers = all.map((peer) => `server.${peer.id}=127.0.0.1:${peer.peerPort}:${peer.electionPort}`);
    const server = ZooKeeperServer.configure(port, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', [
      'initLimit=20',
      'syncLimit=10',
      ...peers,
    ]);
    writeFileSync(join(server.dir, 'data', 'myid'), `${self.id}\n`);
    return server;
  }

  private static configure(
    port: number,
    mainClass: string,
    extra: readonly string[],
    host = '127.0.0.1',
  ): ZooKeeperServer {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-zk-'));
    const config = [
      `tickTime=${TICK_MS}`,
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      `clientPortAddress=${host}`,
      'maxSessionTimeout=60000',
      '4lw.commands.whitelist=srvr,cons',
      'admin.enableServer=false',
      // No fsync per transaction: a test's znodes need not survive a power cut.
      'forceSync=no',
      ...extra,
    ];
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'zoo.cfg'), `${config.join('\n')}\n`);
    return new ZooKeeperServer(dir, port, mainClass, host);
  }

  get connectString(): string {
    return `${this.host}:${this.port}`;
  }

  /** Starts the JVM (again, on the same port and data) and waits until it serves. */
  async start(): Promise<void> {
    if (this.child) throw new Error(`ZooKeeper on ${this.port} is already running`);
    const log = openSync(join(this.dir, 'server.log'), 'a');
    const child = spawn('java', [...JVM_FLAGS, '-cp', CLASSPATH, this.mainClass, join(this.dir, 'zoo.cfg')], {
      stdio: ['ignore', log, log],
    });
    closeSync(log); // the child holds its own copy
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    await this.waitUntilServing();
  }

  /** Waits until `srvr` reports a mode (standalone, leader or follower): the server takes requests. */
  async waitUntilServing(timeoutMs = START_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!/^Mode: /m.test(await fourLetterWord(this.port, 'srvr', this.host))) {
      if (this.child?.exitCode !== null || Date.now() > deadline)
        throw new Error(
          `ZooKeeper on ${this.port} did not start:\n${readFileSync(join(this.dir, 'server.log'), 'utf8')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM (a clean stop) and wait for the exit. */
  stop(): Promise<void> {
    return this.signalAndWait('SIGTERM');
  }

  /** SIGKILL and wait for the exit. */
  kill(): Promise<void> {
    return this.signalAndWait('SIGKILL');
  }

  /**
   * SIGSTOP: the server holds its connections but answers nothing. The signal takes effect
   * asynchronously (a running JVM answered requests sent just after it): this waits until
   * Linux reports the process stopped (state T in /proc/<pid>/stat).
   */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    child.kill('SIGSTOP');
    while (readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'T')
      await new Promise((resolve) => setTimeout(resolve, 5));
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kills the JVM (if running) and removes the directory. */
  async destroy(): Promise<void> {
    this.resume();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill(signal);
    await exited;
  }
}

/** Three servers on loopback forming one ensemble. */
export class ZooKeeperEnsemble {
  private constructor(readonly servers: readonly ZooKeeperServer[]) {}

  /** Starts `size` servers at once (a quorum forms only when a majority is up) and waits until each serves. */
  static async start(size = 3): Promise<ZooKeeperEnsemble> {
    const ports: QuorumPorts[] = [];
    const clientPorts: number[] = [];
    for (let id = 1; id <= size; id++) {
      ports.push({ id, peerPort: await freePort(), electionPort: await freePort() });
      clientPorts.push(await freePort());
    }
    const servers = ports.map((self, i) => ZooKeeperServer.member(clientPorts[i]!, self, ports));
    const ensemble = new ZooKeeperEnsemble(servers);
    try {
      await Promise.all(servers.map((server) => server.start()));
    } catch (error) {
      await ensemble.destroy();
      throw error;
    }
    return ensemble;
  }

  get connectString(): string {
    return this.servers.map((server) => server.connectString).join(',');
  }

  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.destroy()));
  }
}

/**
 * Expires a session the classic way (ZooKeeper's own tests, Kafka's ZooKeeperTestHarness):
 * a second connection attaches to it with its id and password, then closes it. The
 * server ends the session and its ephemerals; the first connection learns of it as
 * SESSION_EXPIRED when it next reaches the server. The owner's reconnection can win the
 * race (it re-attaches before the close, which then fails as SESSIONMOVED), so this
 * repeats until `expired` says the owner saw it.
 */
export async function expireSession(
  connectString: string,
  session: { readonly sessionId: bigint; readonly sessionPassword: Buffer },
  expired: () => boolean,
): Promise<void> {
  const { sessionId, sessionPassword } = session;
  for (let attempt = 0; attempt < 10 && !expired(); attempt++) {
    await attachAndClose(connectString, sessionId, sessionPassword);
    const deadline = Date.now() + 1000;
    while (!expired() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!expired()) throw new Error(`session ${sessionId} did not expire`);
}

function attachAndClose(connectString: string, sessionId: bigint, password: Buffer): Promise<void> {
  const id = Buffer.alloc(8);
  id.writeBigInt64BE(sessionId);
  const intruder = zookeeper.createClient(connectString, { sessionId: id, sessionPassword: password, retries: 0 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`session ${sessionId} not reached`)), 10000);
    intruder.on('state', (state) => {
      if (state.code === zookeeper.State.SYNC_CONNECTED.code) intruder.close();
      else {
        clearTimeout(timer);
        resolve();
      }
    });
    intruder.connect();
  });
}

/** The server of `servers` that holds a connection of session `sessionId` (4lw `cons`). */
export async function serverOfSession(
  servers: readonly ZooKeeperServer[],
  sessionId: bigint,
): Promise<ZooKeeperServer | undefined> {
  const sid = `sid=0x${sessionId.toString(16)}`;
  const connections = await Promise.all(servers.map((server) => fourLetterWord(server.port, 'cons', server.host)));
  return servers[connections.findIndex((text) => text.includes(sid))];
}
