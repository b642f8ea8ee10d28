/**
 * A "broker" that misbehaves on purpose, for the requesting side's connection: a plain net
 * server that reads size-prefixed request frames and, per connection, answers as the test's
 * script says: a frame announcing 2^31-1 bytes followed by a flood of zeros (counting what it
 * managed to write before the peer hung up), a response with the wrong correlation id, the
 * right response, or nothing at all.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { NetworkReceive } from '../../src/network/NetworkReceive.js';
import { decodeRequest, type DecodedRequest, type RequestHeader } from '../../src/protocol/index.js';

export type Behaviour = 'oversized' | 'wrongCorrelation' | 'answer' | 'silent';

export interface HostileBroker {
  readonly port: number;
  /** The requests each connection got, in order of connection. */
  readonly requests: DecodedRequest[][];
  /** Per connection: how many bytes of the flood the peer took before hanging up ('oversized' only). */
  readonly flooded: Promise<number>[];
  /** The largest number of requests that were unanswered on one connection at once. */
  maxOutstanding: number;
  close(): Promise<void>;
}

const FLOOD_CHUNK = Buffer.alloc(64 * 1024);

/** Writes an int32 size of 2^31-1 and then zeros until the socket fails; resolves with the bytes written. */
function flood(socket: Socket): Promise<number> {
  return new Promise((resolve) => {
    let written = 0;
    const header = Buffer.alloc(4);
    header.writeInt32BE(0x7fffffff, 0);
    socket.write(header);
    const more = (): void => {
      while (!socket.destroyed && socket.write(FLOOD_CHUNK)) written += FLOOD_CHUNK.length;
    };
    socket.on('drain', more);
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(written));
    more();
  });
}

/**
 * Listens on 127.0.0.1; connection n (from 0) behaves as `script(n)`; `respond` gives the right
 * answer to a request (its header's correlation id is the one to echo).
 */
export async function hostileBroker(
  script: (connection: number) => Behaviour,
  respond: (request: DecodedRequest, header: RequestHeader) => Buffer[],
  answerDelayMs = 0,
): Promise<HostileBroker> {
  const requests: DecodedRequest[][] = [];
  const flooded: Promise<number>[] = [];
  const sockets = new Set<Socket>();
  const broker: Omit<HostileBroker, 'port' | 'close'> = { requests, flooded, maxOutstanding: 0 };
  const server: Server = createServer((socket) => {
    const index = requests.length;
    const behaviour = script(index);
    const received: DecodedRequest[] = [];
    requests.push(received);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const frames = new NetworkReceive(1 << 20, 'the client');
    let outstanding = 0;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) {
        const request = decodeRequest(frame);
        received.push(request);
        outstanding += 1;
        broker.maxOutstanding = Math.max(broker.maxOutstanding, outstanding);
        if (behaviour === 'oversized') flooded.push(flood(socket));
        if (behaviour === 'wrongCorrelation')
          for (const c of respond(request, { ...request.header, correlationId: request.header.correlationId + 1000 }))
            socket.write(c);
        if (behaviour === 'answer')
          setTimeout(() => {
            outstanding -= 1;
            for (const c of respond(request, request.header)) socket.write(c);
          }, answerDelayMs);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(broker, {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}
