import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { BrokerConnection, parseBrokerAddress } from '../../src/network/BrokerConnection.js';
import { ApiKey, encodeResponse } from '../../src/protocol/index.js';
import { ControlledShutdown } from '../../src/protocol/messages/ControlledShutdown.js';
import { Metadata } from '../../src/protocol/messages/Metadata.js';
import { hostileBroker, type Behaviour } from '../helpers/hostileBroker.js';
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

  /** A peer behaving as `behaviour`, and a connection to it that asks no ApiVersions (as the inter-broker channels). */
  async function hostile(behaviour: Behaviour, timeoutMs?: number): Promise<BrokerConnection> {
    const peer = await hostileBroker(
      () => behaviour,
      (_, header) => encodeResponse(ControlledShutdown, header, { errorCode: 0, remainingPartitions: [] }),
    );
    cleanups.push(() => peer.close());
    const connection = await BrokerConnection.open(
      { host: '127.0.0.1', port: peer.port },
      { discoverVersions: false, timeoutMs },
    );
    cleanups.push(() => connection.close());
    return connection;
  }

  const shutdown = (c: BrokerConnection) => c.request(ControlledShutdown, { brokerId: 1, brokerEpoch: 5 }, 3);

  it('asks no ApiVersions when told not to, and speaks the version it is given', async () => {
    const c = await hostile('answer');
    await expect(shutdown(c)).resolves.toEqual({ errorCode: 0, remainingPartitions: [] });
    expect(c.supports(ApiKey.ControlledShutdown)).toBe(false);
  });

  // NetworkReceive: "Invalid receive (size = ... larger than ...)" when the size prefix arrives, nothing of the frame held.
  it('refuses a frame larger than its bound at its size prefix and hangs up on the flood behind it', async () => {
    const peer = await hostileBroker(
      () => 'oversized',
      () => [],
    );
    cleanups.push(() => peer.close());
    const c = await BrokerConnection.open({ host: '127.0.0.1', port: peer.port }, { discoverVersions: false });
    await expect(shutdown(c)).rejects.toMatchObject({
      code: 'ERR_INVALID_RESPONSE',
      message: expect.stringMatching(
        /^Invalid receive \(size = 2147483647 larger than 104857600\) from 127\.0\.0\.1:\d+$/,
      ),
    });
    expect(c.closed).toBe(true);
    // What the peer got rid of before the hang-up is what the sockets' buffers held, not the 2 GiB announced.
    expect(await peer.flooded[0]!).toBeLessThan(32 * 1024 * 1024);
    await expect(shutdown(c)).rejects.toMatchObject({ code: 'ERR_INVALID_RESPONSE' });
  });

  // NetworkClient.correlate (CorrelationIdMismatchException): responses come in order, so another id is a broken stream.
  it('fails the connection on a response whose correlation id is not the oldest request’s', async () => {
    const c = await hostile('wrongCorrelation');
    const [first, second] = [shutdown(c), shutdown(c)];
    await expect(first).rejects.toMatchObject({
      code: 'ERR_INVALID_RESPONSE',
      message: expect.stringMatching(/^Correlation id for response \(1001\) from .* does not match request \(1\)$/),
    });
    await expect(second).rejects.toMatchObject({ code: 'ERR_INVALID_RESPONSE' });
    expect(c.closed).toBe(true);
  });

  // NetworkClient.handleTimedOutRequests: a request timeout disconnects, failing what else was in flight.
  it('gives the connection up when a request gets no answer in time', async () => {
    const c = await hostile('silent', 200);
    const [first, second] = [shutdown(c), shutdown(c)];
    await expect(first).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMED_OUT' });
    await expect(second).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMED_OUT' });
    expect(c.closed).toBe(true);
  });

  it('parses host:port and refuses anything else', () => {
    expect(parseBrokerAddress('localhost:9092')).toEqual({ host: 'localhost', port: 9092 });
    expect(parseBrokerAddress('[::1]:19092')).toEqual({ host: '::1', port: 19092 });
    for (const bad of ['localhost', ':9092', 'h:0', 'h:70000', 'h:port'])
      expect(() => parseBrokerAddress(bad)).toThrow(/host:port/);
  });
});
