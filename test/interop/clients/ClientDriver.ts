/**
 * What every interop client driver does, in plain JSON so that results from different
 * clients compare field by field. Keys, values and header values are base64 (null stays
 * null), so any bytes cross process boundaries unchanged.
 */
import type { CompressionCodec } from '../../../src/record/Codec.js';

export type { CompressionCodec };

/** Base64 of the bytes, or null. */
export type Bytes64 = string | null;

/** A record header: name and base64 value (or null), in record order; names may repeat. */
export type HeaderJson = [name: string, value: Bytes64];

export interface ProducerRecordJson {
  partition: number;
  key: Bytes64;
  value: Bytes64;
  headers: HeaderJson[];
  /** CreateTime in ms; null lets the client stamp it. */
  timestamp: number | null;
}

export interface ConsumerRecordJson {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Bytes64;
  value: Bytes64;
  headers: HeaderJson[];
}

/** ListOffsets targets: Kafka's EARLIEST (-2), LATEST (-1), or the first offset at or after a timestamp. */
export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

/** offset -1: no such offset (e.g. no record at or after the timestamp). */
export interface PartitionOffset {
  partition: number;
  offset: number;
}

export interface TopicMetadataJson {
  topic: string;
  partitions: number[];
}

export interface ClientDriver {
  name: string;
  /** Produces `records` in order (per partition), with `codec` for the whole producer; resolves once all are acknowledged. */
  produce(bootstrap: string, topic: string, records: ProducerRecordJson[], codec: CompressionCodec): Promise<void>;
  /** Reads every partition of `topic` from its beginning (assigned, no group) until `count` records or a timeout; sorted by partition, offset. */
  consume(bootstrap: string, topic: string, count: number): Promise<ConsumerRecordJson[]>;
  /** The offset for `spec` on every partition of `topic`, sorted by partition. */
  listOffsets(bootstrap: string, topic: string, spec: OffsetSpec): Promise<PartitionOffset[]>;
  /** The named topics that exist, in the order the client lists them. */
  metadata(bootstrap: string, topics: string[]): Promise<TopicMetadataJson[]>;
}

export interface NewTopicJson {
  topic: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

export interface AdminDriver {
  name: string;
  createTopics(bootstrap: string, topics: NewTopicJson[]): Promise<void>;
  deleteTopics(bootstrap: string, topics: string[]): Promise<void>;
  /** Every config entry the broker reports for the topic, by name. */
  describeTopicConfigs(bootstrap: string, topic: string): Promise<Record<string, string>>;
  /** AlterConfigs (not incremental): entries not named go back to their defaults, as in Kafka. */
  alterTopicConfigs(bootstrap: string, topic: string, configs: Record<string, string>): Promise<void>;
  /** Grows the topic to `totalCount` partitions. */
  createPartitions(bootstrap: string, topic: string, totalCount: number): Promise<void>;
  listTopics(bootstrap: string): Promise<string[]>;
}

export const toBase64 = (bytes: Uint8Array | null | undefined): Bytes64 =>
  bytes == null ? null : Buffer.from(bytes).toString('base64');
export const fromBase64 = (text: Bytes64): Buffer | null => (text === null ? null : Buffer.from(text, 'base64'));

export const byPartitionThenOffset = (a: ConsumerRecordJson, b: ConsumerRecordJson): number =>
  a.partition - b.partition || a.offset - b.offset;

/** Kafka's ListOffsets timestamp for a spec: -2 earliest, -1 latest. */
export function listOffsetsTimestamp(spec: OffsetSpec): number {
  if (spec === 'earliest') return -2;
  if (spec === 'latest') return -1;
  return spec.timestamp;
}
