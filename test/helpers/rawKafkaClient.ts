/**
 * A bare Kafka-protocol socket for tests that send what no client would: frames are
 * written as given, responses are split by their size prefix, and the test can see when
 * the broker closes the connection.
 */
import { connect, type Socket } from 'node:net';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { ApiKey, apiSchema, decodeResponse, encodeRequest, type Struct } from '../../src/protocol/index.js';
import { tempDir } from './tmp.js';

export class RawKafkaClient {
  private buffered = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiting: (() => void) | null = null;
  private correlationId = 0;
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        this.frames.push(this.buffered.subarray(4, 4 + size));
        this.buffered = this.buffered.subarray(4 + size);
      }
      this.wake();
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  /**
   * Connects to host:port (loopback unless told), from `localAddress` (another loopback
   * address is another client IP).
   */
  static connect(port: number, localAddress?: string, host = '127.0.0.1'): Promise<RawKafkaClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, localAddress }, () => resolve(new RawKafkaClient(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }

  write(bytes: Buffer | Buffer[]): void {
    for (const b of Array.isArray(bytes) ? bytes : [bytes]) this.socket.write(b);
  }

  send(apiKey: number, apiVersion: number, correlationId: number, body: Struct): void {
    this.write(encodeRequest(apiSchema(apiKey)!, { apiKey, apiVersion, correlationId, clientId: 'raw-test' }, body));
  }

  /** The next response frame (after the size prefix), or null once the broker closed. */
  async nextFrame(timeoutMs = 5_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error('no response frame in time');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.frames.shift()!;
  }

  async response(apiKey: number, apiVersion: number): Promise<{ correlationId: number; body: Struct }> {
    const frame = await this.nextFrame();
    if (frame === null) throw new Error('the broker closed the connection');
    return decodeResponse(apiSchema(apiKey)!, apiVersion, frame);
  }

  /** Sends a request and returns the body of its response, which must carry its correlation id. */
  async call(apiKey: number, apiVersion: number, body: Struct): Promise<Struct> {
    const id = ++this.correlationId;
    this.send(apiKey, apiVersion, id, body);
    const response = await this.response(apiKey, apiVersion);
    if (response.correlationId !== id) throw new Error(`response ${response.correlationId} to request ${id}`);
    return response.body;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A silent broker on a fresh directory with topic 't' of `partitions`, and a raw client connected to it. */
export async function brokerWithRawClient(
  partitions: number,
  settings: Record<string, string> = {},
): Promise<{ broker: Broker; client: RawKafkaClient }> {
  const broker = await Broker.start({ dataDir: tempDir(), port: 0, settings, logger: createLogger('silent') });
  broker.engine.createTopic('t', { partitions });
  return { broker, client: await RawKafkaClient.connect(broker.port) };
}

/** Produce v9 of `records` to partition 0 of `topic`, acks=-1: the partition's response. */
export async function producePartition(
  client: RawKafkaClient,
  records: Buffer,
  topic = 't',
  transactionalId: string | null = null,
): Promise<Struct> {
  const body = await client.call(ApiKey.Produce, 9, {
    transactionalId,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return ((body.responses as Struct[])[0]!.partitionResponses as Struct[])[0]!;
}
