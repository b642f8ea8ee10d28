/**
 * kafkajs 2.2.4 as a test client: the public Kafka/Admin/Producer API, with snappy, lz4
 * and zstd registered (kafkajs ships only gzip), and kafkajs' own Broker class for
 * Fetch, since its public consumer needs consumer groups.
 */
import { createRequire } from 'node:module';
import { CompressionCodecs, CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { compress, decompress } from '../../src/record/Compression.js';
import type { CompressionCodec } from '../../src/record/Codec.js';

const require = createRequire(import.meta.url);

function register(
  type: CompressionTypes.Snappy | CompressionTypes.LZ4 | CompressionTypes.ZSTD,
  codec: CompressionCodec,
): void {
  CompressionCodecs[type] = () => ({
    compress: (encoder: { buffer: Buffer }) => compress(codec, encoder.buffer),
    decompress: (buffer: Buffer) => decompress(codec, buffer),
  });
}

register(CompressionTypes.Snappy, 'snappy');
register(CompressionTypes.LZ4, 'lz4');
register(CompressionTypes.ZSTD, 'zstd');

export function kafkaClient(port: number, clientId = 'tributary-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 50 },
  });
}

export interface ConsumedRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
}

/**
 * A kafkajs group consumer (`groupId`, new to the broker) from the beginning of `topic` until
 * it has `count` records, or 20 s pass. `readUncommitted: false` is kafkajs' read_committed:
 * Fetch with isolation_level 1, and its own filtering of aborted batches and control records.
 */
export async function consumeFromStart(
  kafka: Kafka,
  topic: string,
  count: number,
  options: { groupId: string; readUncommitted: boolean },
): Promise<ConsumedRecord[]> {
  const consumer = kafka.consumer({ ...options, maxWaitTimeInMs: 100 });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${records.length} of ${count} records in 20 s`)), 20_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const key = message.key === null ? null : String(message.key);
          records.push({ partition, offset: Number(message.offset), key, value: String(message.value) });
          if (records.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

export interface KafkaJsFetchedMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}

export interface KafkaJsFetchResponse {
  responses: {
    topicName: string;
    partitions: {
      partition: number;
      errorCode: number;
      highWatermark: string;
      lastStableOffset: string;
      logStartOffset: string;
      messages: KafkaJsFetchedMessage[];
    }[];
  }[];
}

export interface KafkaJsBroker {
  fetch(request: {
    maxWaitTime?: number;
    minBytes?: number;
    maxBytes?: number;
    isolationLevel?: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<KafkaJsFetchResponse>;
  /** Metadata of `topics` (none: no topic), versions negotiated. */
  metadata(topics?: string[]): Promise<{
    brokers: { nodeId: number }[];
    controllerId: number;
    topicMetadata: { topic: string; partitionMetadata: { partitionId: number; leader: number; isr: number[] }[] }[];
  }>;
  /** CreateTopics; rejects when any topic has an error code. */
  createTopics(request: {
    topics: { topic: string; numPartitions: number; replicationFactor: number }[];
    timeout?: number;
  }): Promise<unknown>;
  deleteTopics(request: { topics: string[]; timeout?: number }): Promise<unknown>;
  disconnect(): Promise<void>;
  versions: Record<number, { minVersion: number; maxVersion: number }>;
}

/** kafkajs' Broker connected to 127.0.0.1:port, negotiating versions as kafkajs does. */
export async function kafkajsBroker(port: number): Promise<KafkaJsBroker> {
  const Broker = require('kafkajs/src/broker');
  const ConnectionPool = require('kafkajs/src/network/connectionPool');
  const socketFactory = require('kafkajs/src/network/socketFactory');
  const { createLogger, LEVELS } = require('kafkajs/src/loggers');
  const LoggerConsole = require('kafkajs/src/loggers/console');
  const logger = createLogger({ level: LEVELS.NOTHING, logCreator: LoggerConsole });
  const connectionPool = new ConnectionPool({
    host: '127.0.0.1',
    port,
    logger,
    socketFactory: socketFactory(),
    requestTimeout: 30_000,
    connectionTimeout: 5_000,
    clientId: 'tributary-test-fetch',
  });
  const broker = new Broker({ connectionPool, logger });
  await broker.connect();
  return broker as KafkaJsBroker;
}
