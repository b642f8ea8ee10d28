/**
 * The part of node-zookeeper-client 1.1.3 (a CommonJS package without types) that
 * ZooKeeperClient.ts uses, typed from its lib/ sources. @types/node-zookeeper-client lacks
 * the session id/password options and types multi results as `any`, so this slice is ours.
 */
declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  /** ZooKeeper's Stat as the library decodes it: the 64-bit fields stay 8-byte big-endian buffers. */
  export interface Stat {
    czxid: Buffer;
    mzxid: Buffer;
    ctime: Buffer;
    mtime: Buffer;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: Buffer;
    dataLength: number;
    numChildren: number;
    pzxid: Buffer;
  }

  /** lib/Exception.js: a KeeperException code (Exception.NO_NODE = -101, ...). */
  export class Exception extends Error {
    static readonly CONNECTION_LOSS: number;
    static readonly NO_NODE: number;
    static readonly BAD_VERSION: number;
    static readonly NO_CHILDREN_FOR_EPHEMERALS: number;
    static readonly NODE_EXISTS: number;
    static readonly NOT_EMPTY: number;
    static readonly SESSION_EXPIRED: number;
    readonly code: number;
    readonly name: string;
    getCode(): number;
  }

  export class State {
    static readonly DISCONNECTED: State;
    static readonly SYNC_CONNECTED: State;
    static readonly EXPIRED: State;
    static readonly AUTH_FAILED: State;
    readonly name: string;
    readonly code: number;
  }

  export class Event {
    static readonly NODE_CREATED: number;
    static readonly NODE_DELETED: number;
    static readonly NODE_DATA_CHANGED: number;
    static readonly NODE_CHILDREN_CHANGED: number;
    readonly type: number;
    readonly path: string;
  }

  export const CreateMode: {
    readonly PERSISTENT: number;
    readonly PERSISTENT_SEQUENTIAL: number;
    readonly EPHEMERAL: number;
    readonly EPHEMERAL_SEQUENTIAL: number;
  };

  /** One multi result (jute TransactionResponse): `path` for a create, `stat` for a setData, `err` for a failure. */
  export interface OpResult {
    type: number;
    path?: string;
    stat?: Stat;
    err?: number;
  }

  export interface TransactionOp {
    version?: number;
  }

  export interface Transaction {
    /** The ops in order; their `version` is rewritten by ZooKeeperClient (see there). */
    readonly ops: TransactionOp[];
    create(path: string, data: Buffer, mode: number): this;
    setData(path: string, data: Buffer, version: number): this;
    check(path: string, version: number): this;
    remove(path: string, version: number): this;
    commit(callback: (error: Error | Exception | null, results: OpResult[] | undefined) => void): void;
  }

  type Watcher = (event: Event) => void;
  type Callback<T extends unknown[]> = (error: Error | Exception | null, ...result: T) => void;

  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    create(path: string, data: Buffer, mode: number, callback: Callback<[path: string]>): void;
    remove(path: string, version: number, callback: Callback<[]>): void;
    exists(path: string, watcher: Watcher | undefined, callback: Callback<[stat: Stat | null]>): void;
    getData(path: string, watcher: Watcher | undefined, callback: Callback<[data: Buffer | null, stat: Stat]>): void;
    setData(path: string, data: Buffer, version: number, callback: Callback<[stat: Stat]>): void;
    getChildren(path: string, watcher: Watcher | undefined, callback: Callback<[children: string[], stat: Stat]>): void;
    transaction(): Transaction;
    getState(): State;
    getSessionId(): Buffer;
    getSessionPassword(): Buffer;
    getSessionTimeout(): number;
    on(event: 'state', listener: (state: State) => void): this;
    /** Internal (lib/ConnectionManager.js): the connection's socket, read by ConnectionWatchdog. */
    readonly connectionManager: { readonly socket?: Socket };
  }

  export interface Options {
    sessionTimeout?: number;
    /** Up to this many ms (random) between two rounds over the servers. */
    spinDelay?: number;
    /** The library's own retries of a failed request: 0, as ZooKeeperClient retries itself. */
    retries?: number;
    /** Attach to an existing session (lib/ConnectionManager.js). */
    sessionId?: Buffer;
    sessionPassword?: Buffer;
  }

  export function createClient(connectionString: string, options?: Options): Client;
}
