/**
 * MetricsServer: GET /metrics over HTTP in Prometheus' text format; every other path is
 * 404. Closing it ends kept-alive scrape connections too.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from './Logger.js';

export class MetricsServer {
  private constructor(private readonly server: Server) {}

  static start(registry: Registry, port: number, host: string, logger: Logger): Promise<MetricsServer> {
    const server = createServer((request, response) => void serve(registry, request, response, logger));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(new MetricsServer(server));
      });
    });
  }

  /** The bound port. */
  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}

async function serve(
  registry: Registry,
  request: IncomingMessage,
  response: ServerResponse,
  logger: Logger,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://metrics').pathname;
  if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at GET /metrics\n');
    return;
  }
  try {
    const body = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType }).end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    logger.error('metrics scrape failed', { error: String((error as Error)?.stack ?? error) });
    response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics scrape failed\n');
  }
}
