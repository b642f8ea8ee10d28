/**
 * The broker suite's child processes, each in its own process so a client never shares
 * an event loop with the broker it measures:
 * - tributary's broker: `tributary serve` (the CLI compiled with the bench, so it is the
 *   source tree being measured, never a stale dist/) on a fresh data directory;
 * - the null sink (nullSinkBroker.ts): the same broker with a Produce that stores nothing;
 * - a cluster's broker: `tributary serve --zookeeper` with a node id (the cluster suite);
 * - a loopback peer (loopbackPeer.ts): a plain TCP socket in another process that writes
 *   N bytes on request and echoes what it receives, the ceiling for reading bytes and
 *   the floor for a round trip through another process.
 *
 * Every broker runs with the node options of the `tributary` command's shebang (the V8 old
 * generation floor, src/cli/main.ts), as `npx tributary serve` runs. With
 * BENCH_BROKER_PROFILE=DIR the brokers run under `node --cpu-prof` and write their profiles
 * to DIR when they stop.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { launcherNodeOptions } from '../test/helpers/nodeLauncher.js';

const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;
const STDERR_KEPT = 16 * 1024;

export interface BrokerProcess {
  name: string;
  /** The process id, whose CPU time /proc/<pid>/stat gives (bench/processCpu.ts). */
  pid: number;
  port: number;
  bootstrap: string;
  dataDir: string;
  stop(): Promise<void>;
  /** SIGKILL (kill -9), resolved once the process is gone. */
  kill(): Promise<void>;
}

const compiled = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

/** The node options `tributary serve` runs with (its shebang's), given to every broker here, the null sink's too. */
const brokerNodeOptions = (): string[] => launcherNodeOptions(compiled('../src/cli/main.js'));

function profileArgs(name: string): string[] {
  const dir = process.env.BENCH_BROKER_PROFILE;
  return dir === undefined || dir === ''
    ? []
    : ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${name}-${process.pid}.cpuprofile`];
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * SIGTERM, then SIGKILL if it lingers (`signal` SIGKILL: at once); the child is also
 * killed if this process exits first.
 */
function stopper(child: ChildProcess): (signal?: NodeJS.Signals) => Promise<void> {
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.on('exit', killOnExit);
  return async (signal = 'SIGTERM') => {
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited(child);
    clearTimeout(timer);
    process.off('exit', killOnExit);
  };
}

/** Spawns a broker whose first stdout line says `listening on HOST:PORT`. */
async function startBroker(name: string, args: string[], dataDir: string): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [...profileArgs(name), ...brokerNodeOptions(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = stopper(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < STDERR_KEPT) stderr += chunk.toString('utf8');
  });
  const lines = createInterface({ input: child.stdout });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listening line in ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      lines.once('line', (first) => {
        clearTimeout(timer);
        resolve(first);
      });
      child.once('exit', (code, signal) => reject(new Error(`exited with ${signal ?? `code ${code}`}`)));
    });
    const match = /listening on (\S+):(\d+)/.exec(line);
    if (match === null) throw new Error(`unexpected first line: ${line}`);
    const port = Number(match[2]);
    return {
      name,
      pid: child.pid!,
      port,
      bootstrap: `${match[1]}:${port}`,
      dataDir,
      stop: () => stop(),
      kill: () => stop('SIGKILL'),
    };
  } catch (error) {
    await stop();
    throw new Error(`${name} broker: ${(error as Error).message}\n${stderr}`, { cause: error });
  }
}

/** `tributary serve` on a fresh data directory under `root`. */
export function startTributaryBroker(root: string): Promise<BrokerProcess> {
  const dataDir = mkdtempSync(join(root, 'broker-'));
  return startBroker(
    'tributary',
    [compiled('../src/cli/main.js'), 'serve', '--data-dir', dataDir, '--port', '0'],
    dataDir,
  );
}

/**
 * `tributary serve --zookeeper CONNECT --node-id ID` on `dataDir` (fresh or the same
 * node's again), its other settings from the properties file `config`.
 */
export function startClusterBroker(
  dataDir: string,
  connect: string,
  nodeId: number,
  config: string,
): Promise<BrokerProcess> {
  return startBroker(
    `broker-${nodeId}`,
    [
      compiled('../src/cli/main.js'),
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--zookeeper',
      connect,
      '--node-id',
      String(nodeId),
      '--config',
      config,
    ],
    dataDir,
  );
}

export function startNullSinkBroker(root: string): Promise<BrokerProcess> {
  const dataDir = mkdtempSync(join(root, 'null-sink-'));
  return startBroker('null-sink', [compiled('./nullSinkBroker.js'), dataDir], dataDir);
}

/** What the loopback peer says over IPC. */
export type FromPeer = { op: 'listening'; port: number };
export type ToPeer = { op: 'send'; bytes: number };

export interface LoopbackPeer {
  /** The parent's end of the one connection to the peer. */
  socket: Socket;
  /** Asks the peer to write `bytes` bytes to the socket. */
  send(bytes: number): void;
  stop(): Promise<void>;
}

function nextMessage(child: ChildProcess): Promise<FromPeer> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as FromPeer));
    child.once('exit', (code, signal) => reject(new Error(`loopback peer exited with ${signal ?? `code ${code}`}`)));
  });
}

export async function startLoopbackPeer(): Promise<LoopbackPeer> {
  const child = fork(compiled('./loopbackPeer.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = stopper(child);
  try {
    const ready = await nextMessage(child);
    const socket = connect({ host: '127.0.0.1', port: ready.port, noDelay: true });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return {
      socket,
      send: (bytes) => child.send({ op: 'send', bytes } satisfies ToPeer),
      stop: async () => {
        socket.destroy();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
