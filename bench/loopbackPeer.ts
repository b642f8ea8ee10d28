/**
 * The broker suite's loopback peer, forked with an IPC channel: it listens on
 * 127.0.0.1, takes one connection, echoes every byte it receives, and on `{ op: 'send',
 * bytes }` writes that many bytes (honouring backpressure). Reading those bytes is the
 * ceiling for a consumer; the echo is the floor for a record passing through a process.
 */
import { createServer, type Socket } from 'node:net';
import type { FromPeer, ToPeer } from './brokerProcesses.js';

const CHUNK = Buffer.alloc(1024 * 1024, 0x61);

async function write(socket: Socket, bytes: number): Promise<void> {
  for (let left = bytes; left > 0; left -= CHUNK.length) {
    const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
}

const server = createServer({ noDelay: true }, (socket) => {
  server.close();
  socket.pipe(socket);
  process.on('message', (message: ToPeer) => void write(socket, message.bytes));
  socket.on('close', () => process.exit(0));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  process.send!({ op: 'listening', port: address.port } satisfies FromPeer);
});
process.once('SIGTERM', () => process.exit(0));
