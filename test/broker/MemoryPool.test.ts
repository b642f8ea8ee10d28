/**
 * queued.max.request.bytes over real sockets against a real Broker (Kafka's SimpleMemoryPool in
 * SocketServer): connections each sending part of a large Produce request reserve their frames
 * in the pool; those that do not fit stop reading (they are not closed), the broker's own
 * accounting never passes the bound, and when one request completes or its connection closes
 * the others go on and are all answered. Also the idle rule: a connection trickling a partial
 * frame is closed after connections.max.idle.ms, and accepted sockets have SO_KEEPALIVE.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { ApiKey, apiSchema, encodeRequest, type Struct } from '../../src/protocol/index.js';
import { sampleBatch } from '../helpers/batches.js';
import { scrape } from '../helpers/prometheus.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

let broker: Broker | null = null;
const clients: RawKafkaClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await broker?.close();
  broker = null;
});

async function start(settings: Record<string, string>): Promise<Broker> {
  broker = await Broker.start({
    dataDir: tempDir(),
    port: 0,
    metricsPort: 0,
    settings,
    logger: createLogger('silent'),
  });
  broker.engine.createTopic('t', { partitions: 1 });
  return broker;
}

/** A Produce v7 request of one ~700 KiB record, size prefix included. */
function produceFrame(seed: number, correlationId: number): Buffer {
  const body: Struct = {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records: sampleBatch(seed, 1, 700_000) }] }],
  };
  const header = { apiKey: ApiKey.Produce, apiVersion: 7, correlationId, clientId: 'pool-test' };
  return Buffer.concat(encodeRequest(apiSchema(ApiKey.Produce)!, header, body));
}

async function pool(b: Broker): Promise<{ used: number; waiting: number }> {
  const m = await scrape(b.metricsPort!);
  return {
    used: m.value('tributary_request_memory_used_bytes') ?? -1,
    waiting: m.value('tributary_request_memory_waiting_connections') ?? -1,
  };
}

describe('queued.max.request.bytes', () => {
  it('stops reading the frames that do not fit, and reads them once a request completes or a connection closes', async () => {
    const bound = 2 * 1024 * 1024;
    const b = await start({
      'socket.request.max.bytes': String(1024 * 1024),
      'queued.max.request.bytes': String(bound),
    });
    const frames = [1, 2, 3, 4, 5].map((i) => produceFrame(i, i));
    const frameSize = frames[0]!.length - 4;
    for (const frame of frames) {
      const client = await RawKafkaClient.connect(b.port);
      clients.push(client);
      client.write(frame.subarray(0, frame.length >> 1));
    }
    // Two ~700 KiB frames fit in 2 MiB; the three others wait without being read or closed.
    await expect.poll(() => pool(b)).toEqual({ used: 2 * frameSize, waiting: 3 });
    expect(clients.every((c) => !c.closed)).toBe(true);

    const completing = clients[0]!;
    completing.write(frames[0]!.subarray(frames[0]!.length >> 1));
    expect((await completing.response(ApiKey.Produce, 7)).correlationId).toBe(1);
    await expect.poll(() => pool(b)).toEqual({ used: 2 * frameSize, waiting: 2 });

    clients[1]!.close();
    await expect.poll(() => pool(b)).toEqual({ used: 2 * frameSize, waiting: 1 });

    for (const i of [2, 3, 4]) clients[i]!.write(frames[i]!.subarray(frames[i]!.length >> 1));
    for (const i of [2, 3, 4]) expect((await clients[i]!.response(ApiKey.Produce, 7)).correlationId).toBe(i + 1);
    await expect.poll(() => pool(b)).toEqual({ used: 0, waiting: 0 });
    expect(b.engine.stats().find((s) => s.topic === 't')!.logEndOffset).toBe(4);
  });

  it('lets a small request past large frames waiting for room', async () => {
    const b = await start({
      'socket.request.max.bytes': String(1024 * 1024),
      'queued.max.request.bytes': String(1536 * 1024),
    });
    for (const i of [1, 2, 3]) {
      const client = await RawKafkaClient.connect(b.port);
      clients.push(client);
      const frame = produceFrame(i, i);
      client.write(frame.subarray(0, frame.length >> 1));
    }
    await expect.poll(() => pool(b).then((p) => p.waiting)).toBe(1);
    const small = await RawKafkaClient.connect(b.port);
    clients.push(small);
    expect(await small.call(ApiKey.ApiVersions, 2, {})).toMatchObject({ errorCode: 0 });
  });

  it('refuses a bound smaller than socket.request.max.bytes (KafkaConfig.validateValues), and takes -1 as no bound', async () => {
    await expect(start({ 'queued.max.request.bytes': String(1024 * 1024) })).rejects.toThrow(
      /queued.max.request.bytes=1048576 must be larger or equal to socket.request.max.bytes=104857600/,
    );
    expect(broker).toBeNull();
    const b = await start({ 'queued.max.request.bytes': '-1' });
    expect(b.config.queuedMaxRequestBytes).toBe(Infinity);
  });
});

describe('idle and half-open connections', () => {
  it('closes a connection that trickles a partial frame for connections.max.idle.ms', async () => {
    const b = await start({ 'connections.max.idle.ms': '400' });
    const client = await RawKafkaClient.connect(b.port);
    clients.push(client);
    const frame = produceFrame(1, 1);
    const started = Date.now();
    let at = 0;
    // A byte every 20 ms: any byte counted as activity would keep it open for ever.
    const trickle = setInterval(() => client.write(frame.subarray(at, ++at)), 20);
    await client.closedPromise;
    clearInterval(trickle);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    await expect.poll(() => pool(b).then((p) => p.used)).toBe(0);
  });

  it('sets SO_KEEPALIVE on accepted sockets, so a peer gone without a FIN is found (Acceptor.configureAcceptedSocketChannel)', async () => {
    const b = await start({});
    const client = await RawKafkaClient.connect(b.port);
    clients.push(client);
    await client.call(ApiKey.ApiVersions, 2, {});
    const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
    const local = `0100007F:${hex(b.port)}`;
    const remote = `0100007F:${hex(client.socket.localPort!)}`;
    // /proc/net/tcp: the broker's end of this connection; timer kind 2 is the keepalive timer.
    const row = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find((f) => f[1] === local && f[2] === remote);
    expect(row?.[5]?.split(':')[0]).toBe('02');
  });
});
