/**
 * ZooKeeperClient: Kafka's kafka.zookeeper.ZooKeeperClient over node-zookeeper-client
 * (docs/zookeeper.md says why that library), in promises. What it keeps from Kafka:
 * - connect waits up to zookeeper.connection.timeout.ms (ZooKeeperClientTimeoutException);
 *   a chroot in the connect string is created first when missing, as KafkaZkClient.apply
 *   does for a broker (createChrootIfNecessary = true);
 * - at most zookeeper.max.in.flight.requests requests at once (Kafka's inFlightRequests
 *   semaphore); requests wait for a connection and are retried on CONNECTIONLOSS
 *   (KafkaZkClient.retryRequestsUntilConnected), bounded here by a request timeout where
 *   Kafka blocks forever: past it a request fails with ERR_ZK_TIMEOUT;
 * - watches: handlers registered by path (ZNodeChangeHandler, ZNodeChildChangeHandler),
 *   armed by every read of a path that has one (shouldWatch); the handlers outlive sessions;
 * - session expiry: requests on the dead session fail with ERR_ZK_SESSION_EXPIRED, the
 *   StateChangeHandlers' beforeInitializingSession run, a new session is made (the library
 *   retries the servers until one answers), then afterInitializingSession runs, where the
 *   owner re-creates its ephemerals and re-reads its watched paths (ZooKeeperClient.reinitialize).
 */
import zookeeper, { type Client, type Event, type OpResult, type Stat } from 'node-zookeeper-client';
import { TributaryError, invalidArgument, type ErrorCode } from '../errors.js';
import { ConnectionWatchdog } from './ConnectionWatchdog.js';

/** Kafka's ZkConfigs defaults. */
export const ZK_SESSION_TIMEOUT_MS_DEFAULT = 18000;
export const ZK_MAX_IN_FLIGHT_REQUESTS_DEFAULT = 10;
/** ZkVersion.MatchAnyVersion: a conditional write that matches any version. */
export const MATCH_ANY_VERSION = -1;
/** ZooKeeperClient.RetryBackoffMs: the pause between two rounds over the servers while none answers. */
const RETRY_BACKOFF_MS = 1000;

/** The slice of the broker's Logger this uses (src/broker/Logger.ts fits it). */
export interface ZkLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ZooKeeperClientOptions {
  /** zookeeper.connect: `host:port[,host:port...][/chroot]`. */
  readonly connect: string;
  /** zookeeper.session.timeout.ms (Kafka's default 18000). */
  readonly sessionTimeoutMs?: number;
  /** zookeeper.connection.timeout.ms: how long connect waits; Kafka's default is the session timeout. */
  readonly connectionTimeoutMs?: number;
  /** zookeeper.max.in.flight.requests (Kafka's default 10). */
  readonly maxInFlightRequests?: number;
  /** How long one request may wait (for a slot, a connection, its answer); the connection timeout by default. */
  readonly requestTimeoutMs?: number;
  /** Named in log lines, as Kafka's `[ZooKeeperClient $name]`. */
  readonly name?: string;
  readonly logger?: ZkLogger;
}

type Settings = Required<Omit<ZooKeeperClientOptions, 'logger'>> & { readonly logger: ZkLogger | undefined };

export type CreateMode = 'PERSISTENT' | 'PERSISTENT_SEQUENTIAL' | 'EPHEMERAL' | 'EPHEMERAL_SEQUENTIAL';

/** A znode's Stat; the zxids and the owner's session id as bigints, the times as ms since the epoch. */
export interface ZkStat {
  readonly czxid: bigint;
  readonly mzxid: bigint;
  readonly pzxid: bigint;
  readonly ctime: number;
  readonly mtime: number;
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  /** The session that owns an ephemeral znode, 0n for a persistent one. */
  readonly ephemeralOwner: bigint;
  readonly dataLength: number;
  readonly numChildren: number;
}

/** ZooKeeper's KeeperException.Code names for the results callers act on; the others are thrown. */
export type ZkCode = 'OK' | 'NONODE' | 'NODEEXISTS' | 'BADVERSION' | 'NOTEMPTY' | 'NOCHILDRENFOREPHEMERALS';

type Failed<C extends ZkCode> = { readonly code: C };
export type CreateResponse =
  { readonly code: 'OK'; readonly name: string } | Failed<'NODEEXISTS' | 'NONODE' | 'NOCHILDRENFOREPHEMERALS'>;
export type GetDataResponse = { readonly code: 'OK'; readonly data: Buffer; readonly stat: ZkStat } | Failed<'NONODE'>;
export type ExistsResponse = { readonly code: 'OK'; readonly stat: ZkStat } | Failed<'NONODE'>;
export type GetChildrenResponse =
  { readonly code: 'OK'; readonly children: readonly string[]; readonly stat: ZkStat } | Failed<'NONODE'>;
export type SetDataResponse = { readonly code: 'OK'; readonly stat: ZkStat } | Failed<'NONODE' | 'BADVERSION'>;
export type DeleteResponse = { readonly code: 'OK' } | Failed<'NONODE' | 'BADVERSION' | 'NOTEMPTY'>;

/** Kafka's ZkOp: CreateOp, DeleteOp, SetDataOp, CheckOp. */
export type ZkOp =
  | { readonly type: 'create'; readonly path: string; readonly data: Uint8Array; readonly mode: CreateMode }
  | { readonly type: 'delete'; readonly path: string; readonly version: number }
  | { readonly type: 'setData'; readonly path: string; readonly data: Uint8Array; readonly version: number }
  | { readonly type: 'check'; readonly path: string; readonly version: number };

/** One op's result in a multi that succeeded: the created name, the set znode's Stat. */
export type ZkOpResult =
  | { readonly type: 'create'; readonly name: string }
  | { readonly type: 'setData'; readonly stat: ZkStat }
  | { readonly type: 'delete' | 'check' };

/** A multi applies all its ops or none; `failedOp` is the index of the op that failed it. */
export type MultiResponse =
  | { readonly code: 'OK'; readonly results: readonly ZkOpResult[] }
  | { readonly code: Exclude<ZkCode, 'OK'>; readonly failedOp: number };

/** Kafka's StateChangeHandler: told around the making of a new session after the old one expired. */
export interface StateChangeHandler {
  readonly name: string;
  beforeInitializingSession?(): void | Promise<void>;
  afterInitializingSession?(): void | Promise<void>;
}

/** Kafka's ZNodeChangeHandler: armed by exists and getData of its path. */
export interface ZNodeChangeHandler {
  readonly path: string;
  handleCreation?(): void;
  handleDeletion?(): void;
  handleDataChange?(): void;
}

/** Kafka's ZNodeChildChangeHandler: armed by getChildren of its path. */
export interface ZNodeChildChangeHandler {
  readonly path: string;
  handleChildChange(): void;
}

/** KeeperException.Code values (lib/Exception.js), by the names ZkCode uses. */
const KEEPER_CODES: Readonly<Record<number, ZkCode | 'CONNECTIONLOSS' | 'SESSIONEXPIRED'>> = {
  0: 'OK',
  [-4]: 'CONNECTIONLOSS',
  [-101]: 'NONODE',
  [-103]: 'BADVERSION',
  [-108]: 'NOCHILDRENFOREPHEMERALS',
  [-110]: 'NODEEXISTS',
  [-111]: 'NOTEMPTY',
  [-112]: 'SESSIONEXPIRED',
};

const THROWN: Readonly<Record<Exclude<ZkCode, 'OK'>, ErrorCode>> = {
  NONODE: 'ERR_ZK_NO_NODE',
  NODEEXISTS: 'ERR_ZK_NODE_EXISTS',
  BADVERSION: 'ERR_ZK_BAD_VERSION',
  NOTEMPTY: 'ERR_ZK_NOT_EMPTY',
  NOCHILDRENFOREPHEMERALS: 'ERR_ZK_NO_CHILDREN_FOR_EPHEMERALS',
};

/** AsyncResponse.maybeThrow: a response other than OK as the typed error of its code. */
export function maybeThrow<R extends { readonly code: string }>(
  response: R,
  path: string,
): asserts response is Extract<R, { readonly code: 'OK' }> {
  const code = response.code as ZkCode;
  if (code !== 'OK') throw new TributaryError(`ZooKeeper ${code} at ${path}`, THROWN[code], { path });
}

/** What the library answered: the raw KeeperException code and the value (absent unless OK). */
interface Answer<T> {
  readonly code: number;
  readonly value?: T;
  readonly message?: string;
}

type Issue<T> = (handle: Client, done: (error: Error | null, value?: T) => void) => void;

/** A request handed to the library: settled once, by its callback or when its handle is given up. */
interface Outstanding {
  readonly handle: Client;
  settle(answer: Answer<never>): void;
}

const SESSION_EXPIRED = -112;
const CONNECTION_LOSS = -4;
/** ZooKeeper's BADARGUMENTS: the library refused the request before sending it (an invalid path). */
const BAD_ARGUMENTS = -8;

export class ZooKeeperClient {
  private handle: Client;
  private watchdog: ConnectionWatchdog;
  private connected = false;
  /** The session expired and no new one is made yet: requests fail at once, as on Kafka's dead handle. */
  private expired = false;
  private closed = false;
  private readonly connectionWaiters = new Set<() => void>();
  private readonly slots: InFlightRequests;
  private readonly outstanding = new Set<Outstanding>();
  private readonly zNodeChangeHandlers = new Map<string, ZNodeChangeHandler>();
  private readonly zNodeChildChangeHandlers = new Map<string, ZNodeChildChangeHandler>();
  private readonly stateChangeHandlers = new Map<string, StateChangeHandler>();

  /** Connects (making the chroot first if missing); fails with ERR_ZK_TIMEOUT past the connection timeout. */
  static async connect(options: ZooKeeperClientOptions): Promise<ZooKeeperClient> {
    const settings = resolveSettings(options);
    const slash = settings.connect.indexOf('/');
    if (slash > 0) await createChroot(settings, settings.connect.slice(0, slash), settings.connect.slice(slash));
    return ZooKeeperClient.open(settings);
  }

  private static async open(settings: Settings): Promise<ZooKeeperClient> {
    const client = new ZooKeeperClient(settings);
    try {
      await client.waitUntilConnected(Date.now() + settings.connectionTimeoutMs);
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  private constructor(private readonly settings: Settings) {
    this.slots = new InFlightRequests(settings.maxInFlightRequests);
    this.settings.logger?.info(`[ZooKeeperClient ${settings.name}] Initializing a new session to ${settings.connect}.`);
    this.handle = this.newHandle();
    this.watchdog = this.watch(this.handle);
  }

  /** The current session's id (0n before the first connection). */
  get sessionId(): bigint {
    return this.handle.getSessionId().readBigInt64BE(0);
  }

  /** The current session's password: with the id, what another connection needs to attach to the session. */
  get sessionPassword(): Buffer {
    return this.handle.getSessionPassword();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  registerStateChangeHandler(handler: StateChangeHandler): void {
    this.stateChangeHandlers.set(handler.name, handler);
  }

  unregisterStateChangeHandler(name: string): void {
    this.stateChangeHandlers.delete(name);
  }

  /** Local only: the watch is set by the next exists or getData of the path (NONODE: only exists can). */
  registerZNodeChangeHandler(handler: ZNodeChangeHandler): void {
    this.zNodeChangeHandlers.set(handler.path, handler);
  }

  unregisterZNodeChangeHandler(path: string): void {
    this.zNodeChangeHandlers.delete(path);
  }

  /** Local only: the watch is set by the next getChildren of the path. */
  registerZNodeChildChangeHandler(handler: ZNodeChildChangeHandler): void {
    this.zNodeChildChangeHandlers.set(handler.path, handler);
  }

  unregisterZNodeChildChangeHandler(path: string): void {
    this.zNodeChildChangeHandlers.delete(path);
  }

  async create(path: string, data: Uint8Array, mode: CreateMode = 'PERSISTENT'): Promise<CreateResponse> {
    const answer = await this.request<string>(path, (handle, done) =>
      handle.create(path, Buffer.from(data), zookeeper.CreateMode[mode], done),
    );
    const code = expectCode(answer, path, ['OK', 'NODEEXISTS', 'NONODE', 'NOCHILDRENFOREPHEMERALS']);
    return code === 'OK' ? { code, name: answer.value! } : { code };
  }

  async getData(path: string): Promise<GetDataResponse> {
    const watcher = this.zNodeChangeHandlers.has(path) ? this.onWatchedEvent : undefined;
    const answer = await this.request<[Buffer | null, Stat]>(path, (handle, done) =>
      handle.getData(path, watcher, (error, data, stat) => done(error, [data, stat])),
    );
    const code = expectCode(answer, path, ['OK', 'NONODE']);
    if (code !== 'OK') return { code };
    const [data, stat] = answer.value!;
    return { code, data: data ?? Buffer.alloc(0), stat: toZkStat(stat) };
  }

  /** exists can watch a path that does not exist yet: its creation fires handleCreation. */
  async exists(path: string): Promise<ExistsResponse> {
    const watcher = this.zNodeChangeHandlers.has(path) ? this.onWatchedEvent : undefined;
    const answer = await this.request<Stat | null>(path, (handle, done) => handle.exists(path, watcher, done));
    expectCode(answer, path, ['OK']);
    return answer.value ? { code: 'OK', stat: toZkStat(answer.value) } : { code: 'NONODE' };
  }

  async getChildren(path: string, registerWatch = true): Promise<GetChildrenResponse> {
    const watch = registerWatch && this.zNodeChildChangeHandlers.has(path);
    const answer = await this.request<[string[], Stat]>(path, (handle, done) =>
      handle.getChildren(path, watch ? this.onWatchedEvent : undefined, (error, children, stat) =>
        done(error, [children, stat]),
      ),
    );
    const code = expectCode(answer, path, ['OK', 'NONODE']);
    if (code !== 'OK') return { code };
    const [children, stat] = answer.value!;
    return { code, children, stat: toZkStat(stat) };
  }

  async setData(path: string, data: Uint8Array, version: number): Promise<SetDataResponse> {
    const answer = await this.request<Stat>(path, (handle, done) =>
      handle.setData(path, Buffer.from(data), version, done),
    );
    const code = expectCode(answer, path, ['OK', 'NONODE', 'BADVERSION']);
    return code === 'OK' ? { code, stat: toZkStat(answer.value!) } : { code };
  }

  async delete(path: string, version: number): Promise<DeleteResponse> {
    const answer = await this.request<void>(path, (handle, done) =>
      handle.remove(path, version, (error) => done(error)),
    );
    return { code: expectCode(answer, path, ['OK', 'NONODE', 'BADVERSION', 'NOTEMPTY']) };
  }

  /** All the ops or none, as Kafka's MultiRequest (checkAndSet against /controller_epoch's version). */
  async multi(ops: readonly ZkOp[]): Promise<MultiResponse> {
    const path = ops[0]?.path ?? '/';
    const answer = await this.request<OpResult[]>(path, (handle, done) =>
      // A failed multi comes with its results (one error per op): those say which op failed.
      transactionOf(handle, ops).commit((error, results) => done(results ? null : error, results)),
    );
    expectCode(answer, path, ['OK']);
    const results = answer.value!;
    const failedOp = results.findIndex((result) => result.err !== undefined && result.err !== 0);
    if (failedOp < 0) return { code: 'OK', results: results.map((result, i) => toOpResult(ops[i]!, result)) };
    const failedPath = ops[failedOp]!.path;
    const code = expectCode({ code: results[failedOp]!.err! }, failedPath, Object.keys(THROWN) as ZkCode[]);
    return { code: code as Exclude<ZkCode, 'OK'>, failedOp };
  }

  /** KafkaZkClient.makeSurePersistentPathExists (createRecursive): the path and its missing parents, empty. */
  async makeSurePersistentPathExists(path: string): Promise<void> {
    let response = await this.create(path, new Uint8Array(0));
    if (response.code === 'NONODE') {
      await this.makeSurePersistentPathExists(path.slice(0, path.lastIndexOf('/')));
      response = await this.create(path, new Uint8Array(0));
    }
    if (response.code !== 'NODEEXISTS') maybeThrow(response, path);
  }

  /** Closes the session (its ephemerals go); requests still waiting fail with ERR_ZK_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.zNodeChangeHandlers.clear();
    this.zNodeChildChangeHandlers.clear();
    this.stateChangeHandlers.clear();
    this.giveUp(this.handle, { code: CONNECTION_LOSS, message: 'closed' });
    this.notifyConnectionWaiters();
    this.watchdog.stop();
    await closeHandle(this.handle, this.connected, this.settings.connectionTimeoutMs);
    this.connected = false;
  }

  private newHandle(): Client {
    const handle = zookeeper.createClient(this.settings.connect, {
      sessionTimeout: this.settings.sessionTimeoutMs,
      spinDelay: RETRY_BACKOFF_MS,
      retries: 0,
    });
    handle.on('state', (state) => this.onStateChange(handle, state.code));
    handle.connect();
    return handle;
  }

  private watch(handle: Client): ConnectionWatchdog {
    const servers = this.settings.connect.split('/')[0]!.split(',').length;
    return new ConnectionWatchdog(handle, servers, () => this.connected);
  }

  private onStateChange(handle: Client, state: number): void {
    if (handle !== this.handle || this.closed) return;
    this.connected = state === zookeeper.State.SYNC_CONNECTED.code;
    if (state === zookeeper.State.EXPIRED.code) {
      this.expired = true;
      this.settings.logger?.info(`[ZooKeeperClient ${this.settings.name}] Session expired.`);
      void this.reinitialize();
    }
    this.notifyConnectionWaiters();
  }

  /** ZooKeeperClient.reinitialize: the handlers around a new session; the new session is retried until it connects. */
  private async reinitialize(): Promise<void> {
    const expiredHandle = this.handle;
    this.giveUp(expiredHandle, { code: SESSION_EXPIRED });
    await this.callStateChangeHandlers('beforeInitializingSession');
    if (this.closed) return;
    expiredHandle.close();
    this.settings.logger?.info(
      `[ZooKeeperClient ${this.settings.name}] Initializing a new session to ${this.settings.connect}.`,
    );
    this.watchdog.stop();
    this.handle = this.newHandle();
    this.watchdog = this.watch(this.handle);
    this.expired = false;
    try {
      await this.waitUntilConnected(Infinity);
    } catch {
      return; // closed while reconnecting
    }
    await this.callStateChangeHandlers('afterInitializingSession');
  }

  private async callStateChangeHandlers(
    which: 'beforeInitializingSession' | 'afterInitializingSession',
  ): Promise<void> {
    for (const handler of [...this.stateChangeHandlers.values()]) {
      try {
        await handler[which]?.();
      } catch (error) {
        // As Kafka's callBeforeInitializingSession: one handler's failure does not stop the others.
        this.settings.logger?.error(
          `[ZooKeeperClient ${this.settings.name}] Uncaught error in handler ${handler.name}`,
          {
            error: String(error),
          },
        );
      }
    }
  }

  /** Dispatches a fired watch to the handler registered for its path (ZooKeeperClientWatcher.process). */
  private readonly onWatchedEvent = (event: Event): void => {
    const { Event: Types } = zookeeper;
    const handler = this.zNodeChangeHandlers.get(event.path);
    if (event.type === Types.NODE_CHILDREN_CHANGED) this.zNodeChildChangeHandlers.get(event.path)?.handleChildChange();
    else if (event.type === Types.NODE_CREATED) handler?.handleCreation?.();
    else if (event.type === Types.NODE_DELETED) handler?.handleDeletion?.();
    else if (event.type === Types.NODE_DATA_CHANGED) handler?.handleDataChange?.();
  };

  /**
   * One request: a slot, a connection, the answer; CONNECTIONLOSS retried on the next
   * connection (the request may have been applied: a retried create can answer NODEEXISTS,
   * as in Kafka). Every wait ends by the request's deadline.
   */
  private async request<T>(path: string, issue: Issue<T>): Promise<Answer<T>> {
    const deadline = Date.now() + this.settings.requestTimeoutMs;
    for (;;) {
      await this.waitUntilConnected(deadline);
      if (!(await this.slots.acquire(deadline))) throw this.timeout(path);
      const answer = await withDeadline(this.issue(issue), deadline);
      if (answer === undefined) throw this.timeout(path);
      if (answer.code === SESSION_EXPIRED)
        throw new TributaryError(`ZooKeeper session expired during a request on ${path}`, 'ERR_ZK_SESSION_EXPIRED', {
          path,
        });
      if (answer.code === BAD_ARGUMENTS) throw invalidArgument(`ZooKeeper request on ${path}: ${answer.message}`);
      if (answer.code !== CONNECTION_LOSS) return answer;
      if (this.closed) throw this.closedError();
    }
  }

  /** Hands the request to the current handle; its slot is freed when the library answers or the handle is given up. */
  private issue<T>(issue: Issue<T>): Promise<Answer<T>> {
    return new Promise((resolve) => {
      const outstanding: Outstanding = {
        handle: this.handle,
        settle: (answer) => {
          if (!this.outstanding.delete(outstanding)) return;
          this.slots.release();
          resolve(answer);
        },
      };
      this.outstanding.add(outstanding);
      try {
        issue(this.handle, (error, value) => outstanding.settle(toAnswer(error, value) as Answer<never>));
      } catch (error) {
        // The library validates paths with assert before queueing anything.
        outstanding.settle({ code: BAD_ARGUMENTS, message: (error as Error).message });
      }
    });
  }

  /** Settles the requests still with `handle`: the library may never answer them (its unsent queue is dropped). */
  private giveUp(handle: Client, answer: Answer<never>): void {
    for (const outstanding of [...this.outstanding]) if (outstanding.handle === handle) outstanding.settle(answer);
  }

  /** Kafka's waitUntilConnected: ERR_ZK_TIMEOUT at the deadline, ERR_ZK_SESSION_EXPIRED or ERR_ZK_CLOSED at once. */
  private async waitUntilConnected(deadline: number): Promise<void> {
    for (;;) {
      if (this.closed) throw this.closedError();
      if (this.expired)
        throw new TributaryError(
          `ZooKeeper session expired (${this.settings.connect}); a new one is being made`,
          'ERR_ZK_SESSION_EXPIRED',
        );
      if (this.connected) return;
      const woken = await withDeadline(
        new Promise<true>((resolve) => this.connectionWaiters.add(() => resolve(true))),
        deadline,
      );
      if (woken === undefined) throw this.timeout(this.settings.connect);
    }
  }

  private notifyConnectionWaiters(): void {
    const waiters = [...this.connectionWaiters];
    this.connectionWaiters.clear();
    for (const wake of waiters) wake();
  }

  private timeout(path: string): TributaryError {
    const state = this.connected ? 'connected' : 'not connected';
    return new TributaryError(`ZooKeeper request on ${path} timed out (${state})`, 'ERR_ZK_TIMEOUT', { path });
  }

  private closedError(): TributaryError {
    return new TributaryError(`ZooKeeper client ${this.settings.name} is closed`, 'ERR_ZK_CLOSED');
  }
}

/** Kafka's bounded in-flight requests (a Semaphore); a waiter gives up at its deadline. */
class InFlightRequests {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(max: number) {
    this.free = max;
  }

  async acquire(deadline: number): Promise<boolean> {
    while (this.free === 0) {
      let wake: () => void = () => {};
      const woken = await withDeadline(
        new Promise<true>((resolve) => this.waiters.push((wake = () => resolve(true)))),
        deadline,
        () => this.forget(wake),
      );
      if (woken === undefined) return false;
    }
    this.free -= 1;
    return true;
  }

  private forget(wake: () => void): void {
    const index = this.waiters.indexOf(wake);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  release(): void {
    this.free += 1;
    this.waiters.shift()?.();
  }
}

function resolveSettings(options: ZooKeeperClientOptions): Settings {
  const sessionTimeoutMs = options.sessionTimeoutMs ?? ZK_SESSION_TIMEOUT_MS_DEFAULT;
  const connectionTimeoutMs = options.connectionTimeoutMs ?? sessionTimeoutMs;
  const settings: Settings = {
    connect: options.connect,
    sessionTimeoutMs,
    connectionTimeoutMs,
    maxInFlightRequests: options.maxInFlightRequests ?? ZK_MAX_IN_FLIGHT_REQUESTS_DEFAULT,
    requestTimeoutMs: options.requestTimeoutMs ?? connectionTimeoutMs,
    name: options.name ?? 'tributary',
    logger: options.logger,
  };
  // ZooKeeper's ConnectStringParser: hosts with an optional port (2181), then an optional chroot path.
  if (!/^[^/,:]+(:\d+)?(,[^/,:]+(:\d+)?)*(\/|(\/[^/]+)+)?$/.test(settings.connect))
    throw invalidArgument(`zookeeper.connect must be host:port[,host:port...][/chroot], not '${settings.connect}'`);
  for (const key of ['sessionTimeoutMs', 'connectionTimeoutMs', 'maxInFlightRequests', 'requestTimeoutMs'] as const)
    if (!Number.isInteger(settings[key]) || settings[key] < 1)
      throw invalidArgument(`${key} must be a positive integer`);
  return settings;
}

/** KafkaZkClient.apply with createChrootIfNecessary: a client without the chroot makes the path. */
async function createChroot(settings: Settings, servers: string, chroot: string): Promise<void> {
  if (chroot === '/') return;
  const client = await ZooKeeperClient.connect({ ...settings, connect: servers, logger: settings.logger });
  try {
    if ((await client.exists(chroot)).code === 'NONODE') await client.makeSurePersistentPathExists(chroot);
  } finally {
    await client.close();
  }
}

/** Asks the session to close and waits (bounded) for the server's goodbye, so ephemerals are gone on return. */
function closeHandle(handle: Client, connected: boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, connected ? timeoutMs : 0);
    handle.on('state', (state) => {
      if (state.code !== zookeeper.State.SYNC_CONNECTED.code) {
        clearTimeout(timer);
        resolve();
      }
    });
    handle.close();
  });
}

/** `promise`'s value, or undefined at the deadline (then `onTimeout` runs). */
async function withDeadline<T>(promise: Promise<T>, deadline: number, onTimeout?: () => void): Promise<T | undefined> {
  if (deadline === Infinity) return promise;
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<undefined>((resolve) => {
    timer = setTimeout(
      () => {
        onTimeout?.();
        resolve(undefined);
      },
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

function toAnswer<T>(error: Error | null, value: T | undefined): Answer<T> {
  if (error === null) return { code: 0, value };
  const code = (error as { code?: unknown }).code;
  return { code: typeof code === 'number' ? code : -1, message: error.message };
}

/** The answer's code if it is one of `allowed`; any other is thrown as its typed error. */
function expectCode<C extends ZkCode>(answer: Answer<unknown>, path: string, allowed: readonly C[]): C {
  const name = KEEPER_CODES[answer.code];
  if ((allowed as readonly string[]).includes(name ?? '')) return name as C;
  if (name !== undefined && name in THROWN) maybeThrow({ code: name }, path);
  throw new TributaryError(`ZooKeeper error ${answer.code} at ${path}: ${answer.message ?? ''}`, 'ERR_ZK_ERROR', {
    path,
  });
}

function transactionOf(handle: Client, ops: readonly ZkOp[]): ReturnType<Client['transaction']> {
  const transaction = handle.transaction();
  for (const op of ops) {
    if (op.type === 'create') transaction.create(op.path, Buffer.from(op.data), zookeeper.CreateMode[op.mode]);
    else if (op.type === 'delete') transaction.remove(op.path, op.version);
    else if (op.type === 'setData') transaction.setData(op.path, Buffer.from(op.data), op.version);
    else transaction.check(op.path, op.version);
    // lib/Transaction.js takes `version || -1`: version 0 would become "any version", and
    // a check of a fresh /controller_epoch (version 0) would always pass. Set it as given.
    if (op.type !== 'create') transaction.ops[transaction.ops.length - 1]!.version = op.version;
  }
  return transaction;
}

function toOpResult(op: ZkOp, result: OpResult): ZkOpResult {
  if (op.type === 'create') return { type: 'create', name: result.path! };
  if (op.type === 'setData') return { type: 'setData', stat: toZkStat(result.stat!) };
  return { type: op.type };
}

function toZkStat(stat: Stat): ZkStat {
  return {
    czxid: stat.czxid.readBigInt64BE(0),
    mzxid: stat.mzxid.readBigInt64BE(0),
    pzxid: stat.pzxid.readBigInt64BE(0),
    ctime: Number(stat.ctime.readBigInt64BE(0)),
    mtime: Number(stat.mtime.readBigInt64BE(0)),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: stat.ephemeralOwner.readBigInt64BE(0),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}
