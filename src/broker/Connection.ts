/**
 * Connection: one client socket. Frames are a 4-byte size then the request; the size is
 * checked against socket.request.max.bytes before any byte of the body is kept.
 * Requests are handled as they arrive (pipelining) and answered in the order they came,
 * as Kafka guarantees per connection. Reading pauses while too many requests are in
 * flight or the socket's send buffer is full, so a fast or hostile client cannot make
 * the broker buffer without bound. Malformed frames close the connection, logged.
 */
import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import { isTributaryError } from '../errors.js';
import {
  ApiKey,
  decodeRequestBody,
  decodeRequestHeader,
  encodeApiVersionsFallback,
  encodeResponse,
  type RequestFrame,
  type RequestHeader,
  type Struct,
} from '../protocol/index.js';
import { AcksZeroFailure } from './handlers/Produce.js';
import type { BrokerContext, RequestHandler } from './RequestContext.js';

const SIZE_PREFIX = 4;
const MAX_IN_FLIGHT = 64;

interface InFlight {
  done: boolean;
  /** The encoded response, or null for a request that gets none. */
  response: Buffer[] | null;
}

export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being read, or -1 while reading a size prefix. */
  private frameSize = -1;
  private readonly inFlight: InFlight[] = [];
  private writeBlocked = false;
  private draining = false;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly remote: string;
  private drained: (() => void) | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly context: BrokerContext,
    private readonly onClose: (connection: Connection) => void,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    // Each request in flight may listen for the connection closing.
    setMaxListeners(MAX_IN_FLIGHT + 1, this.abort.signal);
    socket.setNoDelay(true);
    socket.setTimeout(context.config.connectionsMaxIdleMs, () => this.onIdle());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.readMore();
    });
    socket.on('error', (error) =>
      this.context.logger.debug('connection error', { remote: this.remote, error: error.message }),
    );
    socket.on('close', () => this.closeNow());
  }

  private onIdle(): void {
    if (this.inFlight.length > 0) return;
    this.context.logger.info('closing idle connection', { remote: this.remote });
    this.closeNow();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.readFrames();
  }

  private get mayRead(): boolean {
    return !this.closed && !this.draining && !this.writeBlocked && this.inFlight.length < MAX_IN_FLIGHT;
  }

  private readMore(): void {
    if (!this.mayRead) return;
    this.socket.resume();
    this.readFrames();
  }

  private readFrames(): void {
    while (this.mayRead) {
      if (this.frameSize < 0) {
        if (this.buffered < SIZE_PREFIX) return;
        const size = this.take(SIZE_PREFIX).readInt32BE(0);
        if (size <= 0 || size > this.context.config.socketRequestMaxBytes) {
          this.refuse(
            `frame size ${size} is outside [1, socket.request.max.bytes=${this.context.config.socketRequestMaxBytes}]`,
          );
          return;
        }
        this.frameSize = size;
      }
      if (this.buffered < this.frameSize) return;
      const frame = this.take(this.frameSize);
      this.frameSize = -1;
      this.dispatch(frame);
    }
    if (!this.closed) this.socket.pause();
  }

  /** The next `n` buffered bytes: a view when one chunk holds them, else a copy. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      for (const chunk of this.chunks) {
        filled += chunk.copy(out, filled, 0, Math.min(chunk.length, n - filled));
        if (filled === n) break;
      }
    }
    this.consume(n);
    return out;
  }

  private consume(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.length <= n) {
        n -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  private dispatch(frame: Buffer): void {
    let request: RequestFrame;
    try {
      request = decodeRequestHeader(frame);
    } catch (error) {
      this.refuseRequest(error);
      return;
    }
    const { header } = request;
    const handler = this.context.handlers.get(header.apiKey);
    if (handler === undefined) {
      this.refuse(`API ${header.apiKey} v${header.apiVersion} is not served`, header);
      return;
    }
    let body: Struct;
    try {
      // Decoded by the handler's own schema: the body is the type its handler was written for.
      body = decodeRequestBody(handler.api, request);
    } catch (error) {
      this.refuseRequest(error);
      return;
    }
    const entry: InFlight = { done: false, response: null };
    this.inFlight.push(entry);
    const started = this.context.metrics === undefined ? 0 : performance.now();
    let result: ReturnType<RequestHandler['handle']>;
    try {
      result = handler.handle(
        { ...this.context, header, signal: this.abort.signal, clientHost: this.socket.remoteAddress ?? '' },
        body,
      );
    } catch (error) {
      this.failed(header, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (response) => this.complete(entry, handler, header, response, started),
        (error: unknown) => this.failed(header, error),
      );
    } else {
      this.complete(entry, handler, header, result, started);
    }
  }

  /** KIP-511: an ApiVersions newer than ours is answered at v0 with the versions we have. */
  private refuseRequest(error: unknown): void {
    const header = (error as { header?: RequestHeader }).header;
    if (isTributaryError(error, 'ERR_UNSUPPORTED_VERSION') && header?.apiKey === ApiKey.ApiVersions) {
      this.inFlight.push({ done: true, response: encodeApiVersionsFallback(header, this.context.apiVersions) });
      this.writeCompleted();
      return;
    }
    this.refuse((error as Error).message, header);
  }

  private complete(
    entry: InFlight,
    handler: RequestHandler,
    header: RequestHeader,
    body: Struct | null,
    started: number,
  ): void {
    if (this.closed) return;
    try {
      entry.response = body === null ? null : encodeResponse(handler.api, header, body);
    } catch (error) {
      this.failed(header, error);
      return;
    }
    this.context.metrics?.requestCompleted(header.apiKey, header.apiVersion, (performance.now() - started) / 1000);
    entry.done = true;
    this.writeCompleted();
  }

  private writeCompleted(): void {
    let wrote = false;
    while (this.inFlight.length > 0 && this.inFlight[0]!.done) {
      const { response } = this.inFlight.shift()!;
      if (response === null) continue;
      if (!wrote) this.socket.cork();
      wrote = true;
      for (const chunk of response) this.writeBlocked = !this.socket.write(chunk) || this.writeBlocked;
    }
    if (wrote) this.socket.uncork();
    if (this.inFlight.length === 0 && this.drained !== null) this.drained();
    this.readMore();
  }

  private failed(header: RequestHeader, error: unknown): void {
    if (error instanceof AcksZeroFailure) {
      this.context.logger.info('closing connection after a failed acks=0 produce', {
        remote: this.remote,
        clientId: header.clientId,
      });
    } else {
      this.context.logger.error('request failed', {
        remote: this.remote,
        apiKey: header.apiKey,
        apiVersion: header.apiVersion,
        error: String((error as Error)?.stack ?? error),
      });
    }
    this.closeNow();
  }

  private refuse(reason: string, header?: RequestHeader): void {
    this.context.logger.warn('closing connection: bad request', {
      remote: this.remote,
      reason,
      apiKey: header?.apiKey,
      apiVersion: header?.apiVersion,
      clientId: header?.clientId,
    });
    this.closeNow();
  }

  private closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.socket.destroy();
    this.drained?.();
    this.onClose(this);
  }

  /**
   * Stops reading, lets the requests in flight finish (long polls answer at once with
   * what they have), sends their responses, then closes.
   */
  async drain(): Promise<void> {
    this.draining = true;
    this.socket.pause();
    this.abort.abort();
    if (this.inFlight.length > 0 && !this.closed) await new Promise<void>((resolve) => (this.drained = resolve));
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.end(resolve));
    this.onClose(this);
  }
}
