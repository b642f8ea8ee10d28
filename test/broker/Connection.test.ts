/**
 * Connection behaviour over real sockets: request order under pipelining, the frame size
 * checks, unknown APIs, KIP-511's ApiVersions fallback, clients that vanish mid-request,
 * idle connections. A bad frame closes that connection, logged; the broker goes on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger, type LogLevel } from '../../src/broker/Logger.js';
import { apiSchema, ApiKey, encodeRequest } from '../../src/protocol/index.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

let broker: Broker | null = null;
let logLines: string[] = [];

async function start(settings: Record<string, string> = {}, level: LogLevel = 'info'): Promise<Broker> {
  logLines = [];
  broker = await Broker.start({
    dataDir: tempDir(),
    port: 0,
    settings,
    logger: createLogger(level, (line) => logLines.push(line)),
  });
  return broker;
}

afterEach(async () => {
  await broker?.close();
  broker = null;
});

function sizePrefixed(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** A request header v1 with an arbitrary API key and version, and no body. */
function bareHeader(apiKey: number, apiVersion: number, correlationId: number): Buffer {
  const b = Buffer.alloc(10);
  b.writeInt16BE(apiKey, 0);
  b.writeInt16BE(apiVersion, 2);
  b.writeInt32BE(correlationId, 4);
  b.writeInt16BE(-1, 8);
  return b;
}

async function stillServes(port: number): Promise<void> {
  const client = await RawKafkaClient.connect(port);
  client.send(ApiKey.ApiVersions, 2, 7, {});
  const response = await client.response(ApiKey.ApiVersions, 2);
  expect(response).toMatchObject({ correlationId: 7, body: { errorCode: 0 } });
  client.close();
}

describe('Connection', () => {
  it('answers pipelined requests in the order they were sent', async () => {
    const { port } = await start();
    const client = await RawKafkaClient.connect(port);
    const sent: { id: number; key: number; version: number }[] = [];
    for (let id = 1; id <= 40; id++) {
      const metadata = id % 3 === 0;
      const request = {
        id,
        key: metadata ? ApiKey.Metadata : ApiKey.ApiVersions,
        version: metadata ? 1 + (id % 8) : id % 3,
      };
      sent.push(request);
      client.send(
        request.key,
        request.version,
        id,
        metadata ? { topics: [{ name: `auto-${id}` }], allowAutoTopicCreation: true } : {},
      );
    }
    for (const request of sent) {
      const response = await client.response(request.key, request.version);
      expect(response.correlationId).toBe(request.id);
    }
    client.close();
  });

  it('closes a connection whose frame is larger than socket.request.max.bytes, before reading it', async () => {
    const { port } = await start({ 'socket.request.max.bytes': '1024' });
    const client = await RawKafkaClient.connect(port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(1025);
    client.write(size);
    expect(await client.nextFrame()).toBeNull();
    expect(logLines.join('')).toMatch(/frame size 1025/);
    await stillServes(port);
  });

  it.each([
    ['zero-length', Buffer.from([0, 0, 0, 0])],
    ['negative size', Buffer.from([0xff, 0xff, 0xff, 0xfe])],
    ['truncated header', sizePrefixed(Buffer.from([0, 18, 0]))],
  ])('closes a connection that sends a %s frame', async (_name, bytes) => {
    const { port } = await start();
    const client = await RawKafkaClient.connect(port);
    client.write(bytes);
    expect(await client.nextFrame()).toBeNull();
    await stillServes(port);
  });

  /** A Metadata v12 request frame, without its size prefix. */
  function metadataV12(): Buffer {
    const header = { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 3, clientId: 'rdkafka' };
    const body = { topics: [{ topicId: Buffer.alloc(16), name: 'auto' }], allowAutoTopicCreation: false };
    return Buffer.concat(encodeRequest(apiSchema(ApiKey.Metadata)!, header, body)).subarray(4);
  }

  // Kafka reads the fields a version defines and ignores what follows: RequestContext.parseRequest
  // -> AbstractRequest.parseRequest -> MetadataRequest.parse reads MetadataRequestData from a
  // ByteBufferAccessor and never checks the buffer's remaining bytes.
  it('answers a request with bytes after its body, logging them at debug', async () => {
    const { port } = await start({}, 'debug');
    const client = await RawKafkaClient.connect(port);
    // librdkafka 2.x sends 3 bytes after Metadata v12's body.
    client.write(sizePrefixed(Buffer.concat([metadataV12(), Buffer.from([0, 0, 0])])));
    const response = await client.response(ApiKey.Metadata, 12);
    expect(response).toMatchObject({ correlationId: 3, body: { topics: [{ name: 'auto', errorCode: 3 }] } });
    const logged = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'debug',
        msg: 'ignoring bytes after the request body',
        apiVersion: 12,
        bytes: 3,
      }),
    );
    client.close();
  });

  it('still closes a connection whose request body is cut short', async () => {
    const { port } = await start();
    const client = await RawKafkaClient.connect(port);
    client.write(sizePrefixed(metadataV12().subarray(0, -1)));
    expect(await client.nextFrame()).toBeNull();
    await stillServes(port);
  });

  it('closes a connection that calls an unknown API, logging it', async () => {
    const { port } = await start();
    const client = await RawKafkaClient.connect(port);
    client.write(sizePrefixed(bareHeader(9999, 0, 1)));
    expect(await client.nextFrame()).toBeNull();
    expect(logLines.some((l) => l.includes('"apiKey":9999'))).toBe(true);
    await stillServes(port);
  });

  it('answers an ApiVersions newer than ours at v0 with UNSUPPORTED_VERSION and the versions it has (KIP-511)', async () => {
    const { port } = await start();
    const client = await RawKafkaClient.connect(port);
    client.write(sizePrefixed(bareHeader(ApiKey.ApiVersions, 99, 5)));
    const response = await client.response(ApiKey.ApiVersions, 0);
    expect(response.correlationId).toBe(5);
    expect(response.body.errorCode).toBe(35);
    const keys = (response.body.apiKeys as { apiKey: number }[]).map((a) => a.apiKey);
    expect(keys).toEqual(expect.arrayContaining([ApiKey.Produce, ApiKey.Fetch, ApiKey.Metadata, ApiKey.ApiVersions]));
    client.close();
  });

  it('survives a client that disconnects in the middle of a request', async () => {
    const { port } = await start();
    const client = await RawKafkaClient.connect(port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(5000);
    client.write([size, Buffer.alloc(100)]);
    client.close();
    await stillServes(port);
  });

  it('closes a connection idle for connections.max.idle.ms', async () => {
    const { port } = await start({ 'connections.max.idle.ms': '200' });
    const client = await RawKafkaClient.connect(port);
    const started = Date.now();
    await client.closedPromise;
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});
