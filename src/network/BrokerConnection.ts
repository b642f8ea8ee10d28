/**
 * One Kafka-protocol connection to a broker, from the requesting side (Kafka's NetworkClient
 * to one node): the embedded client's and the CLI's, the controller's channel to each broker
 * and the transaction markers' channel. Requests are pipelined; responses come back in order
 * and each must carry the correlation id of the oldest request in flight (NetworkClient's
 * correlate), else the connection fails. Frames are bounded (NetworkReceive). A request that
 * gets no answer in time fails the connection, as NetworkClient disconnects on a request
 * timeout. Each API is spoken at the highest version both sides support (ApiVersions on
 * connect), unless the opener fixes versions itself (discoverBrokerVersions false).
 */
import { connect, type Socket } from 'node:net';
import { isErrnoCode, KafkaErrors, TributaryError } from '../errors.js';
import {
  ApiKey,
  apiName,
  decodeResponse,
  encodeRequest,
  supportedApis,
  type ApiSchema,
  type EncodableRequest,
  type ResponseOf,
} from '../protocol/index.js';
import { ApiVersions } from '../protocol/messages/ApiVersions.js';
import { FramePool } from './FramePool.js';
import { NetworkReceive } from './NetworkReceive.js';

/** The largest response frame taken by default: socket.request.max.bytes, the bound a broker puts on requests. */
const DEFAULT_MAX_RESPONSE_BYTES = 104857600;

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface BrokerConnectionOptions {
  clientId?: string;
  /** How long to wait for the TCP connection and for each response. */
  timeoutMs?: number;
  /**
   * NetworkClient's discoverBrokerVersions: true (the default) asks ApiVersions on connect;
   * false for inter-broker channels, which send the versions their protocol version fixes
   * (the controller's channel, the marker channel, controlled shutdown) and give them to `request`.
   */
  discoverVersions?: boolean;
  /** A response frame larger than this fails the connection (DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /**
   * The largest frame whose buffer is kept for reuse once given back (requestLeased); the
   * pool keeps two, so this bounds what an idle connection holds. Default 16 MiB.
   */
  keptFrameBytes?: number;
}

const DEFAULT_KEPT_FRAME_BYTES = 16 * 1024 * 1024;
/** Free frame buffers a connection keeps: the one being read while the last is handled, and one spare. */
const KEPT_FRAMES = 2;

interface Pending {
  /** Decodes the response frame by the request's API and version and resolves with its body. */
  settle(frame: Buffer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** A response whose frame goes back to the connection on `release()`, after which nothing of it may be read. */
export interface Leased<R> {
  response: R;
  release(): void;
}

/** Bytes each socket read takes at most (Node's own default). */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Reads the socket into one buffer of its own, reused for every read (net.connect's
 * `onread`), where Node would allocate one per read; NetworkReceive copies each frame out.
 * While a large frame is being filled, a read lands straight in it instead (`room`).
 */
class SocketReader {
  private readonly buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  room: () => Buffer | null = () => null;
  onData: (chunk: Buffer) => void = () => undefined;
  onLanded: (bytes: number) => void = () => undefined;
  /** Node asks for the buffer of each read once the last one is handled, so `room` is current. */
  readonly onread = {
    buffer: (): Buffer => this.room() ?? this.buffer,
    callback: (bytes: number, into: Uint8Array): boolean => {
      if (into.buffer === this.buffer.buffer) this.onData(this.buffer.subarray(0, bytes));
      else this.onLanded(bytes);
      return true;
    },
  };
}

/** Parses `host:port` (IPv6 as `[::1]:9092`). */
export function parseBrokerAddress(text: string): BrokerAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535)
    throw new TributaryError(`'${text}' is not host:port`, 'ERR_INVALID_ARGUMENT');
  return { host: match[1] ?? match[2]!, port };
}

export class BrokerConnection {
  private readonly receive: NetworkReceive;
  /** The large frames' buffers, reused once requestLeased's callers give them back. */
  private readonly frames: FramePool;
  /** Requests awaiting their response, oldest first (a Map keeps insertion order). */
  private readonly pending = new Map<number, Pending>();
  private readonly versions = new Map<number, number>();
  private correlationId = 0;
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    reader: SocketReader,
    readonly address: BrokerAddress,
    private readonly clientId: string,
    private readonly timeoutMs: number,
    limits: { maxResponseBytes: number; keptFrameBytes: number },
  ) {
    this.frames = new FramePool(KEPT_FRAMES, limits.keptFrameBytes);
    this.receive = new NetworkReceive(limits.maxResponseBytes, this.describe(), this.frames);
    reader.room = () => (this.closedError === null ? this.receive.room : null);
    reader.onData = (chunk) => this.deliver(() => this.receive.push(chunk));
    reader.onLanded = (bytes) => this.deliver(() => this.receive.landed(bytes));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () =>
      this.fail(new TributaryError(`connection to ${this.describe()} closed`, 'ERR_CONNECTION_CLOSED')),
    );
  }

  /** Connects and negotiates API versions. Errors carry code ECONNREFUSED, ETIMEDOUT and the like. */
  static async open(address: BrokerAddress, options: BrokerConnectionOptions = {}): Promise<BrokerConnection> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const reader = new SocketReader();
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: address.host, port: address.port, onread: reader.onread });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new TributaryError(`connecting to ${address.host}:${address.port} timed out`, 'ETIMEDOUT'));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.setNoDelay(true);
        resolve(s);
      });
      s.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new TributaryError(
            `cannot connect to ${address.host}:${address.port}: ${error.message}`,
            isErrnoCode(error.code) ? error.code : 'ERR_CONNECTION_FAILED',
          ),
        );
      });
    });
    const connection = new BrokerConnection(socket, reader, address, options.clientId ?? 'tributary-cli', timeoutMs, {
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      keptFrameBytes: options.keptFrameBytes ?? DEFAULT_KEPT_FRAME_BYTES,
    });
    if (options.discoverVersions === false) return connection;
    try {
      await connection.negotiateVersions();
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  private describe(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  /** ApiVersions v3; a broker that knows only older versions answers UNSUPPORTED_VERSION with its range (KIP-511), and is asked again. */
  private async negotiateVersions(): Promise<void> {
    const ask = (version: number) =>
      this.request(ApiVersions, { clientSoftwareName: 'tributary', clientSoftwareVersion: '0' }, version);
    let response = await ask(3);
    if (response.errorCode === KafkaErrors.UNSUPPORTED_VERSION.code) {
      const range = response.apiKeys.find((a) => a.apiKey === ApiKey.ApiVersions);
      response = await ask(Math.min(3, range?.maxVersion ?? 0));
    }
    if (response.errorCode !== 0)
      throw new TributaryError(
        `ApiVersions to ${this.describe()} failed with error ${response.errorCode}`,
        'ERR_UNSUPPORTED_VERSION',
      );
    const ours = new Map(supportedApis().map((a) => [a.apiKey, a]));
    for (const theirs of response.apiKeys) {
      const mine = ours.get(theirs.apiKey);
      if (mine === undefined) continue;
      const version = Math.min(mine.maxVersion, theirs.maxVersion);
      if (version >= Math.max(mine.minVersion, theirs.minVersion)) this.versions.set(theirs.apiKey, version);
    }
  }

  /** Whether the connection has failed or been closed: a new one is needed. */
  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Whether both sides speak a version of `apiKey`. */
  supports(apiKey: number): boolean {
    return this.versions.has(apiKey);
  }

  /** The version this connection speaks for `apiKey`; throws ERR_UNSUPPORTED_VERSION if none. */
  versionOf(apiKey: number): number {
    const version = this.versions.get(apiKey);
    if (version === undefined)
      throw new TributaryError(
        `${this.describe()} does not support ${apiName(apiKey) ?? `API ${apiKey}`}`,
        'ERR_UNSUPPORTED_VERSION',
      );
    return version;
  }

  /** Sends a request (at the negotiated version unless given) and resolves with its response body. */
  async request<A extends ApiSchema>(
    api: A,
    body: EncodableRequest<A>,
    apiVersion: number = this.versionOf(api.apiKey),
  ): Promise<ResponseOf<A>> {
    return (await this.exchange(api, body, apiVersion)).response;
  }

  /**
   * As request, with the response's frame leased: `release()` gives its buffer back to the
   * connection, which reads a later response into it, so nothing read from the response
   * (its records are views of the frame) may be used after. A lease never released is only
   * garbage collected. For a reader done with each response before it asks again (a
   * follower's fetches), whose frames would otherwise each be memory faulted in anew.
   */
  requestLeased<A extends ApiSchema>(
    api: A,
    body: EncodableRequest<A>,
    apiVersion: number,
  ): Promise<Leased<ResponseOf<A>>> {
    return this.exchange(api, body, apiVersion);
  }

  private exchange<A extends ApiSchema>(
    api: A,
    body: EncodableRequest<A>,
    apiVersion: number,
  ): Promise<Leased<ResponseOf<A>>> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    const correlationId = ++this.correlationId;
    return new Promise((resolve, reject) => {
      // NetworkClient.handleTimedOutRequests: the connection is given up, every request on it failed.
      const timer = setTimeout(
        () =>
          this.fail(
            new TributaryError(
              `${api.name} to ${this.describe()} got no response in ${this.timeoutMs} ms`,
              'ERR_REQUEST_TIMED_OUT',
            ),
          ),
        this.timeoutMs,
      );
      const settle = (frame: Buffer) => {
        let leased = true;
        // Once only: a second release could give back a buffer already read into again.
        const release = () => {
          if (leased) this.frames.give(frame);
          leased = false;
        };
        resolve({ response: decodeResponse(api, apiVersion, frame).body, release });
      };
      this.pending.set(correlationId, { settle, reject, timer });
      const header = { apiKey: api.apiKey, apiVersion, correlationId, clientId: this.clientId };
      for (const chunk of encodeRequest(api, header, body)) this.socket.write(chunk);
    });
  }

  /** Sends a request the broker does not answer (Produce with acks=0). */
  send<A extends ApiSchema>(api: A, body: EncodableRequest<A>): void {
    if (this.closedError !== null) throw this.closedError;
    const header = {
      apiKey: api.apiKey,
      apiVersion: this.versionOf(api.apiKey),
      correlationId: ++this.correlationId,
      clientId: this.clientId,
    };
    for (const chunk of encodeRequest(api, header, body)) this.socket.write(chunk);
  }

  /** Hands on the frames `cut` completes; a refused size or an unexpected response breaks the connection. */
  private deliver(cut: () => Buffer[]): void {
    if (this.closedError !== null) return;
    try {
      for (const frame of cut()) this.onFrame(frame);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** NetworkClient.correlate: the response answers the oldest request in flight, or the connection is broken. */
  private onFrame(frame: Buffer): void {
    const [expected, pending] = this.pending.entries().next().value ?? [undefined, undefined];
    const correlationId = frame.length >= 4 ? frame.readInt32BE(0) : undefined;
    if (pending === undefined || correlationId !== expected)
      throw new TributaryError(
        `Correlation id for response (${correlationId ?? 'none'}) from ${this.describe()} does not match request (${expected ?? 'none in flight'})`,
        'ERR_INVALID_RESPONSE',
      );
    this.pending.delete(expected);
    clearTimeout(pending.timer);
    try {
      pending.settle(frame);
    } catch (error) {
      pending.reject(error as Error);
    }
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(this.closedError);
    }
    this.pending.clear();
    this.socket.destroy();
  }

  close(): void {
    this.fail(new TributaryError(`connection to ${this.describe()} closed`, 'ERR_CONNECTION_CLOSED'));
  }
}
