/**
 * One Kafka-protocol connection to a broker, from the client side: requests are
 * pipelined and matched to responses by correlation id, and each API is spoken at the
 * highest version both sides support (negotiated with ApiVersions on connect).
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

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface BrokerConnectionOptions {
  clientId?: string;
  /** How long to wait for the TCP connection and for each response. */
  timeoutMs?: number;
}

interface Pending {
  /** Decodes the response frame by the request's API and version and resolves with its body. */
  settle(frame: Buffer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
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
  private buffered: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private readonly versions = new Map<number, number>();
  private correlationId = 0;
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly address: BrokerAddress,
    private readonly clientId: string,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () =>
      this.fail(new TributaryError(`connection to ${this.describe()} closed`, 'ERR_CONNECTION_CLOSED')),
    );
  }

  /** Connects and negotiates API versions. Errors carry code ECONNREFUSED, ETIMEDOUT and the like. */
  static async open(address: BrokerAddress, options: BrokerConnectionOptions = {}): Promise<BrokerConnection> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: address.host, port: address.port });
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
    const connection = new BrokerConnection(socket, address, options.clientId ?? 'tributary-cli', timeoutMs);
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
  request<A extends ApiSchema>(
    api: A,
    body: EncodableRequest<A>,
    apiVersion: number = this.versionOf(api.apiKey),
  ): Promise<ResponseOf<A>> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    const correlationId = ++this.correlationId;
    return new Promise<ResponseOf<A>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(
          new TributaryError(
            `${api.name} to ${this.describe()} got no response in ${this.timeoutMs} ms`,
            'ERR_REQUEST_TIMED_OUT',
          ),
        );
      }, this.timeoutMs);
      const settle = (frame: Buffer) => resolve(decodeResponse(api, apiVersion, frame).body);
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

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.pending.get(correlationId);
    if (pending === undefined)
      return this.fail(
        new TributaryError(`response with unknown correlation id ${correlationId}`, 'ERR_INVALID_RESPONSE'),
      );
    this.pending.delete(correlationId);
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
