/**
 * The Kafka-protocol brokers the interop clients run against: tributary's broker
 * (in-process, on a temporary data directory) and librdkafka's mock cluster (an
 * in-memory broker in C, run by test/interop/mock_cluster.py), which the benchmarks use
 * as a peer and which checked these client drivers before tributary's broker existed.
 *
 * Where librdkafka 2.0.2's mock differs from Kafka (src/rdkafka_mock*.c):
 * - APIs: ApiVersions 0-2, Metadata 0-2, Produce 0-7, Fetch 0-11, ListOffsets 0-5, the group
 *   and transaction APIs; no admin API (CreateTopics, DeleteTopics, CreatePartitions,
 *   DescribeConfigs, AlterConfigs, DeleteRecords, ...);
 * - Metadata names controller 0, a broker that does not exist;
 * - ListOffsets by timestamp answers offset -1, timestamp -1, whatever the data;
 * - topics auto-create (Metadata with auto-creation allowed) with 4 partitions, a number no
 *   setting changes: the create_topic command below is the way to another count;
 * - Produce takes only magic v2 and checks no CRC; a Fetch returns at most one batch per
 *   partition and, with no data, waits its whole max wait (an append does not wake it);
 * - a partition keeps its last 5 MiB / 100000 batches only: older ones are dropped and
 *   the log start offset moves.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { pythonEnv, SYSTEM_PYTHON } from './support.js';

export type BrokerKind = 'mock' | 'tributary';

export interface BrokerUnderTest {
  kind: BrokerKind;
  /** host:port[,host:port...] */
  bootstrap: string;
  /** Creates `topic` with `partitions` partitions, by whatever means the broker has. */
  createTopic(topic: string, partitions: number): Promise<void>;
  stop(): Promise<void>;
}

export interface MockClusterOptions {
  brokers?: number;
  /** librdkafka debug contexts for the mock's own log, e.g. 'mock' logs every request's API and version. */
  debug?: string;
  /** Called with each line the mock logs (stderr). */
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
  commandTimeoutMs?: number;
}

const MOCK_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'mock_cluster.py');
const STOP_GRACE_MS = 5_000;
/** Kept whole only up to this size, for error messages. */
const STDERR_KEPT = 64 * 1024;

/** One child process answering JSON lines in order: a reply for each command. */
class MockProcess {
  private readonly replies: ((line: string) => void)[] = [];
  private stderr = '';
  private exited: string | null = null;
  private readonly exitedPromise: Promise<void>;
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    onLog: ((line: string) => void) | undefined,
  ) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (this.stderr.length < STDERR_KEPT) this.stderr += `${line}\n`;
      onLog?.(line);
    });
    createInterface({ input: child.stdout }).on('line', (line) => this.replies.shift()?.(line));
    // EPIPE once the child is gone: its exit is what reports that.
    child.stdin.on('error', () => undefined);
    this.exitedPromise = new Promise((resolve) => {
      const exited = (reason: string): void => {
        this.exited ??= reason;
        process.off('exit', this.killOnExit);
        for (const reply of this.replies.splice(0)) reply('');
        resolve();
      };
      child.once('exit', (code, signal) => exited(`exited with ${signal ?? `code ${code}`}`));
      child.once('error', (error) => exited(`failed: ${error.message}`));
    });
    process.on('exit', this.killOnExit);
  }

  /** The next stdout line, parsed; rejects on timeout, on exit and on an `error` field. */
  next<T>(what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Its later replies would be out of step with the commands: a silent mock is finished.
        this.child.kill('SIGKILL');
        reject(this.failure(`${what}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.replies.push((line) => {
        clearTimeout(timer);
        if (line === '') return reject(this.failure(`${what}: mock cluster ${this.exited ?? 'closed its output'}`));
        const reply = JSON.parse(line) as T & { error?: string | null };
        if (reply.error) reject(this.failure(`${what}: ${reply.error}`));
        else resolve(reply);
      });
    });
  }

  command<T>(command: object, timeoutMs: number): Promise<T> {
    if (this.exited !== null) return Promise.reject(this.failure(`mock cluster ${this.exited}`));
    const reply = this.next<T>(JSON.stringify(command), timeoutMs);
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    return reply;
  }

  /** Closing stdin ends the script (it destroys the cluster); SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.exited !== null) return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exitedPromise;
    clearTimeout(timer);
  }

  failure(message: string): Error {
    return new Error(`${message}\n${SYSTEM_PYTHON} ${MOCK_SCRIPT} stderr:\n${this.stderr}`);
  }
}

/** Starts librdkafka's mock cluster in a child Python process; it lives until stop() or this process's exit. */
export async function startMockCluster(options: MockClusterOptions = {}): Promise<BrokerUnderTest> {
  const settings = JSON.stringify({ brokers: options.brokers ?? 1, debug: options.debug ?? '' });
  const child = spawn(SYSTEM_PYTHON, [MOCK_SCRIPT, settings], { env: pythonEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const mock = new MockProcess(child, options.onLog);
  const commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
  try {
    const { bootstrap } = await mock.next<{ bootstrap: string }>('start', options.startTimeoutMs ?? 15_000);
    return {
      kind: 'mock',
      bootstrap,
      createTopic: async (topic, partitions) => {
        await mock.command({ op: 'create_topic', topic, partitions, replication_factor: 1 }, commandTimeoutMs);
      },
      stop: () => mock.stop(),
    };
  } catch (error) {
    await mock.stop();
    throw error;
  }
}

/**
 * tributary's broker on `dataDir`, which the caller owns (to restart a broker on its
 * data), or else on a fresh temporary directory removed on stop.
 */
export async function startTributary(
  settings: Record<string, string> = {},
  dataDir?: string,
): Promise<BrokerUnderTest> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-interop-'));
  const broker = await Broker.start({ dataDir: dir, port: 0, settings, logger: createLogger('warn') });
  return {
    kind: 'tributary',
    bootstrap: `127.0.0.1:${broker.port}`,
    createTopic: async (topic, partitions) => {
      broker.engine.createTopic(topic, { partitions });
    },
    stop: async () => {
      await broker.close();
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
