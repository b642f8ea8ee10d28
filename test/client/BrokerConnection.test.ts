import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { BrokerConnection, parseBrokerAddress } from '../../src/client/BrokerConnection.js';
import { ApiKey } from '../../src/protocol/index.js';
import { Metadata } from '../../src/protocol/messages/Metadata.js';
import { tempDir } from '../helpers/tmp.js';

describe('BrokerConnection', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function broker(): Promise<Broker> {
    const b = await Broker.start({ dataDir: tempDir(), port: 0, logger: createLogger('silent') });
    cleanups.push(() => b.close());
    return b;
  }

  it('negotiates versions and matches pipelined responses to their requests', async () => {
    const b = await broker();
    b.engine.createTopic('a', { partitions: 2 });
    b.engine.createTopic('b', { partitions: 3 });
    const c = await BrokerConnection.open({ host: '127.0.0.1', port: b.port });
    cleanups.push(() => c.close());
    expect(c.versionOf(ApiKey.Metadata)).toBe(12);
    const [ma, mb] = await Promise.all(
      ['a', 'b'].map((name) =>
        c.request(Metadata, {
          topics: [{ name, topicId: Buffer.alloc(16) }],
          allowAutoTopicCreation: false,
          includeTopicAuthorizedOperations: false,
        }),
      ),
    );
    expect(ma!.topics[0]!.partitions).toHaveLength(2);
    expect(mb!.topics[0]!.partitions).toHaveLength(3);
  });

  it('fails pending requests with a code when the broker goes away, and refuses new ones', async () => {
    const server = createServer((socket) => socket.on('data', () => socket.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const b = await broker();
    const c = await BrokerConnection.open({ host: '127.0.0.1', port: b.port });
    const metadata = { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };
    await b.close();
    await expect(c.request(Metadata, metadata)).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    await expect(c.request(Metadata, metadata)).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    // A peer that hangs up on the first request fails the open itself.
    const port = (server.address() as { port: number }).port;
    await expect(BrokerConnection.open({ host: '127.0.0.1', port })).rejects.toMatchObject({
      code: 'ERR_CONNECTION_CLOSED',
    });
  });

  it('reports a refused connection and a silent peer with codes', async () => {
    const server = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await expect(BrokerConnection.open({ host: '127.0.0.1', port }, { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'ERR_REQUEST_TIMED_OUT',
    });
    const unused = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    await expect(BrokerConnection.open({ host: '127.0.0.1', port: unused })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('parses host:port and refuses anything else', () => {
    expect(parseBrokerAddress('localhost:9092')).toEqual({ host: 'localhost', port: 9092 });
    expect(parseBrokerAddress('[::1]:19092')).toEqual({ host: '::1', port: 19092 });
    for (const bad of ['localhost', ':9092', 'h:0', 'h:70000', 'h:port'])
      expect(() => parseBrokerAddress(bad)).toThrow(/host:port/);
  });
});
