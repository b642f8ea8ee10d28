/**
 * ConnectionWatchdog: the dead-connection detection of ZooKeeper's Java client
 * (ClientCnxn.SendThread), which node-zookeeper-client lacks. Java drops a connection
 * that received nothing for readTimeout (2/3 of the session timeout; the client pings
 * every 1/3 while idle, so a live server always answers within it), or that is still not
 * established after connectTimeout (the session timeout divided by the number of servers),
 * and moves to the next server. node-zookeeper-client only reconnects when the socket
 * closes: a server that stops answering (SIGSTOP, a partition) would hold the client
 * forever. This watches the socket's bytesRead and destroys a socket that makes no
 * progress for that long; the library then connects to the next server.
 */
import type { Client } from 'node-zookeeper-client';
import type { Socket } from 'node:net';

export class ConnectionWatchdog {
  private readonly timer: NodeJS.Timeout;
  private socket: Socket | undefined;
  private bytesRead = 0;
  private lastProgress = Date.now();

  /** `servers`: how many the connect string names; `isConnected`: whether the session is established. */
  constructor(
    private readonly handle: Client,
    private readonly servers: number,
    private readonly isConnected: () => boolean,
  ) {
    // Ticks well inside the shorter of the two timeouts below.
    const period = Math.max(10, (handle.getSessionTimeout() * Math.min(2 / 3, 1 / servers)) / 4);
    this.timer = setInterval(() => this.check(), period).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const socket = this.handle.connectionManager.socket;
    if (socket === undefined || socket.destroyed) return;
    const now = Date.now();
    if (socket !== this.socket || socket.bytesRead !== this.bytesRead) {
      this.socket = socket;
      this.bytesRead = socket.bytesRead;
      this.lastProgress = now;
      return;
    }
    // The session timeout the server granted (the library keeps it), as Java's ClientCnxn uses.
    const sessionTimeoutMs = this.handle.getSessionTimeout();
    const limit = this.isConnected() ? (sessionTimeoutMs * 2) / 3 : sessionTimeoutMs / this.servers;
    if (now - this.lastProgress > limit) socket.destroy();
  }
}
