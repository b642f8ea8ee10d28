/**
 * Connection: one client socket. Frames are a 4-byte size then the request; the size is
 * checked against socket.request.max.bytes before any byte of the body is kept, and
 * reserved in the broker's MemoryPool (queued.max.request.bytes) before the body is read:
 * while the pool has no room, the connection stops reading (backpressure, not an error).
 * A body that does not arrive in one read is copied, as it arrives, into one buffer of the
 * frame's size: its pages are touched (resident) only as bytes land, and the buffer is one
 * allocation that goes back to the system when freed, where the socket's many small reads
 * kept would fragment the heap and stay resident after the connection is gone.
 * Requests are handled as they arrive (pipelining) and answered in the order they came,
 * as Kafka guarantees per connection. Reading pauses while too many requests are in
 * flight or the socket's send buffer is full, so a fast or hostile client cannot make
 * the broker buffer without bound. Malformed frames close the connection, logged; bytes
 * after a request's body are ignored (logged at debug), as Kafka's request parser does.
 * A connection that completes no request for connections.max.idle.ms is closed, even if
 * bytes trickle in; TCP keepalive (SO_KEEPALIVE, as Kafka's Acceptor sets) finds peers gone
 * without a FIN.
 */
import { setMaxListeners } from 'node:events';
import { finished } from 'node:stream/promises';
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
import type { MemoryPool } from './MemoryPool.js';
import type { BrokerContext, RequestHandler } from './RequestContext.js';

const SIZE_PREFIX = 4;
const MAX_IN_FLIGHT = 64;

interface InFlight {
  done: boolean;
  /** Bytes of the pool the request holds until it is handled. */
  reserved: number;
  /** The encoded response, or null for a request that gets none. */
  response: Buffer[] | null;
  /** The frame, to give back to the broker's frame pool once handled; null when it is not given back. */
  frame: Buffer | null;
}

export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being read, or -1 while reading a size prefix. */
  private frameSize = -1;
  /** Bytes of the pool reserved for the frame being read (its size once granted). */
  private reserved = 0;
  /** Set while this connection waits in the pool's queue for room. */
  private awaitingMemory: (() => void) | null = null;
  /** The frame's body while it arrives over several reads, and how much of it has. */
  private partial: Buffer | null = null;
  private partialFilled = 0;
  private readonly idleTimer: NodeJS.Timeout;
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
    private readonly pool: MemoryPool,
    private readonly onClose: (connection: Connection) => void,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    // Each request in flight may listen for the connection closing.
    setMaxListeners(MAX_IN_FLIGHT + 1, this.abort.signal);
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    this.idleTimer = setTimeout(() => this.onIdle(), context.config.connectionsMaxIdleMs);
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

  /** Idle time counts from the last request read or response written, not from the last byte. */
  private onIdle(): void {
    if (this.inFlight.length > 0) {
      this.idleTimer.refresh();
      return;
    }
    this.context.logger.info('closing idle connection', { remote: this.remote });
    this.closeNow();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.readFrames();
  }

  private get mayRead(): boolean {
    return (
      !this.closed &&
      !this.draining &&
      !this.writeBlocked &&
      this.awaitingMemory === null &&
      this.inFlight.length < MAX_IN_FLIGHT
    );
  }

  private readMore(): void {
    if (!this.mayRead) return;
    this.socket.resume();
    this.readFrames();
  }

  private readFrames(): void {
    while (this.mayRead) {
      if (this.frameSize < 0 && !this.readSize()) return;
      if (this.reserved === 0 && !this.reserve()) break;
      const frame = this.readBody();
      if (frame === null) return;
      const reserved = this.reserved;
      this.frameSize = -1;
      this.reserved = 0;
      this.idleTimer.refresh();
      this.dispatch(frame, reserved);
    }
    if (!this.closed) this.socket.pause();
  }

  /** Reads the size prefix once buffered; false while it is not, or when the size is refused. */
  private readSize(): boolean {
    if (this.buffered < SIZE_PREFIX) return false;
    const size = this.take(SIZE_PREFIX).readInt32BE(0);
    if (size <= 0 || size > this.context.config.socketRequestMaxBytes) {
      this.refuse(
        `frame size ${size} is outside [1, socket.request.max.bytes=${this.context.config.socketRequestMaxBytes}]`,
      );
      return false;
    }
    this.frameSize = size;
    return true;
  }

  /** Reserves the frame's size in the pool; false when it must wait for room (reading stops meanwhile). */
  private reserve(): boolean {
    const size = this.frameSize;
    const granted = (): void => {
      this.awaitingMemory = null;
      this.reserved = size;
      // Granted from another connection's release: read on our own turn of the loop.
      setImmediate(() => this.readMore());
    };
    if (this.pool.reserve(size, granted)) {
      this.reserved = size;
      return true;
    }
    this.awaitingMemory = granted;
    return false;
  }

  /** The frame's body once all of it is here, else null (what has arrived is kept in `partial`). */
  private readBody(): Buffer | null {
    if (this.partial === null) {
      if (this.buffered >= this.frameSize) return this.take(this.frameSize);
      if (this.buffered === 0) return null;
      this.partial = this.pool.frames.take(this.frameSize);
      this.partialFilled = 0;
    }
    const n = Math.min(this.buffered, this.frameSize - this.partialFilled);
    this.partialFilled += this.copyOut(this.partial, this.partialFilled, n);
    if (this.partialFilled < this.frameSize) return null;
    const frame = this.partial;
    this.partial = null;
    return frame;
  }

  /** The next `n` buffered bytes: a view when one chunk holds them, else a copy. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      this.consume(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    this.copyOut(out, 0, n);
    return out;
  }

  /** Moves the next `n` buffered bytes into `target` at `offset`; returns n. */
  private copyOut(target: Buffer, offset: number, n: number): number {
    let filled = 0;
    for (const chunk of this.chunks) {
      filled += chunk.copy(target, offset + filled, 0, Math.min(chunk.length, n - filled));
      if (filled === n) break;
    }
    this.consume(n);
    return n;
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

  private dispatch(frame: Buffer, reserved: number): void {
    let request: RequestFrame;
    try {
      request = decodeRequestHeader(frame);
    } catch (error) {
      this.pool.release(reserved);
      this.refuseRequest(error);
      return;
    }
    const { header } = request;
    const handler = this.context.handlers.get(header.apiKey);
    if (handler === undefined) {
      this.pool.release(reserved);
      this.refuse(`API ${header.apiKey} v${header.apiVersion} is not served`, header);
      return;
    }
    let body: Struct;
    try {
      // Decoded by the handler's own schema: the body is the type its handler was written for.
      body = decodeRequestBody(handler.api, request);
    } catch (error) {
      this.pool.release(reserved);
      this.refuseRequest(error);
      return;
    }
    if (request.reader.remaining > 0) this.ignoredTrailingBytes(request);
    // The body may be views of the frame (records): its bytes stay reserved until handled.
    // Once handled, nothing reads the frame: a body's only views of it are `records` fields
    // (Produce), copied into the log by then; `bytes` fields are decoded as copies.
    const entry: InFlight = { done: false, reserved, response: null, frame };
    this.inFlight.push(entry);
    const started = this.context.metrics === undefined ? 0 : performance.now();
    let result: ReturnType<RequestHandler['handle']>;
    try {
      result = handler.handle(
        { ...this.context, header, signal: this.abort.signal, clientHost: this.socket.remoteAddress ?? '' },
        body,
      );
    } catch (error) {
      this.failed(entry, header, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (response) => this.complete(entry, handler, header, response, started),
        (error: unknown) => this.failed(entry, header, error),
      );
    } else {
      this.complete(entry, handler, header, result, started);
    }
  }

  /** Kafka's parser reads the fields it knows and ignores what follows (RequestContext.parseRequest); so do we, logged. */
  private ignoredTrailingBytes({ header, reader }: RequestFrame): void {
    this.context.logger.debug('ignoring bytes after the request body', {
      remote: this.remote,
      apiKey: header.apiKey,
      apiVersion: header.apiVersion,
      clientId: header.clientId,
      bytes: reader.remaining,
    });
  }

  /** KIP-511: an ApiVersions newer than ours is answered at v0 with the versions we have. */
  private refuseRequest(error: unknown): void {
    const header = (error as { header?: RequestHeader }).header;
    if (isTributaryError(error, 'ERR_UNSUPPORTED_VERSION') && header?.apiKey === ApiKey.ApiVersions) {
      this.inFlight.push({
        done: true,
        reserved: 0,
        response: encodeApiVersionsFallback(header, this.context.apiVersions),
        frame: null,
      });
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
    this.handled(entry, true);
    if (this.closed) return;
    try {
      entry.response = body === null ? null : encodeResponse(handler.api, header, body);
    } catch (error) {
      this.failed(entry, header, error);
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
    if (wrote) {
      this.socket.uncork();
      this.idleTimer.refresh();
    }
    if (this.inFlight.length === 0 && this.drained !== null) this.drained();
    this.readMore();
  }

  /**
   * The request no longer needs its frame: its bytes go back to the pool, and with `reuse`
   * (its handler finished) its buffer too. A handler that failed may have left work behind
   * still reading it, so its frame is left to the garbage collector.
   */
  private handled(entry: InFlight, reuse: boolean): void {
    this.pool.release(entry.reserved);
    entry.reserved = 0;
    if (reuse && entry.frame !== null) this.pool.frames.give(entry.frame);
    entry.frame = null;
  }

  private failed(entry: InFlight, header: RequestHeader, error: unknown): void {
    this.handled(entry, false);
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
    this.releaseReading();
    this.drained?.();
    this.onClose(this);
  }

  /** Gives back what the frame being read holds: its reservation (or place in the queue) and its bytes. */
  private releaseReading(): void {
    clearTimeout(this.idleTimer);
    if (this.awaitingMemory !== null) this.pool.cancel(this.awaitingMemory);
    this.awaitingMemory = null;
    this.pool.release(this.reserved);
    this.reserved = 0;
    this.partial = null;
    this.chunks = [];
    this.buffered = 0;
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
    this.releaseReading();
    // Done when our FIN is out, or the socket failed or closed first. Then closed outright: a
    // connection paused mid-frame would never read the peer's FIN, and the listener's close waits for it.
    this.socket.end();
    await finished(this.socket, { readable: false }).catch(() => undefined);
    this.socket.destroy();
    this.onClose(this);
  }
}
