/**
 * What an application hands to Producer.send (Kafka's ProducerRecord), checked and turned
 * into the bytes a RecordBatchBuilder encodes. Strings are UTF-8; header keys may repeat
 * (as Kafka allows) when headers are given as [key, value] pairs.
 */
import { invalidArgument } from '../errors.js';
import { checkNonNegativeInteger, describeValue as describe } from './Arguments.js';
import type { RecordHeader, RecordInput } from '../record/RecordBatchBuilder.js';

export type Bytes = Buffer | Uint8Array | string | null;
export type ProducerHeaders = Readonly<Record<string, Bytes>> | ReadonlyArray<readonly [string, Bytes]>;

export interface ProducerRecord {
  key?: Bytes;
  value: Bytes;
  headers?: ProducerHeaders;
  /** The partition to write to; the partitioner chooses when absent. */
  partition?: number;
  /** CreateTime in ms since the epoch; Date.now() at send when absent. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

function toBytes(bytes: unknown, what: string): Buffer | null {
  if (bytes === null) return null;
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  if (Buffer.isBuffer(bytes)) return bytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw invalidArgument(`${what} must be a Buffer, a Uint8Array, a string or null, got ${describe(bytes)}`);
}

function toHeaders(headers: unknown): RecordHeader[] | undefined {
  if (headers === undefined) return undefined;
  if (Array.isArray(headers)) return headers.map(toHeaderPair);
  if (typeof headers !== 'object' || headers === null) {
    throw invalidArgument(`headers must be an object or an array of [key, value] pairs, got ${describe(headers)}`);
  }
  return Object.entries(headers).map(([key, value]) => ({ key, value: toBytes(value, `header '${key}'`) }));
}

function toHeaderPair(pair: unknown): RecordHeader {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
    throw invalidArgument(`a header pair must be [string key, value], got ${describe(pair)}`);
  }
  return { key: pair[0], value: toBytes(pair[1], `header '${pair[0]}'`) };
}

/** Kafka's ProducerRecord refuses negative timestamps; a CreateTime is a whole number of ms. */
function toTimestamp(timestamp: unknown, now: number): number {
  if (timestamp === undefined) return now;
  return checkNonNegativeInteger('timestamp', timestamp);
}

/** The explicit partition, or undefined; its range is the topic's to check. */
export function explicitPartition(record: ProducerRecord): number | undefined {
  return record.partition === undefined ? undefined : checkNonNegativeInteger('partition', record.partition);
}

export function toRecordInput(record: unknown, now: number): RecordInput {
  if (typeof record !== 'object' || record === null)
    throw invalidArgument(`a record must be an object, got ${describe(record)}`);
  const r = record as Partial<ProducerRecord>;
  if (r.value === undefined) throw invalidArgument('a record needs a value (null for a tombstone)');
  return {
    key: r.key === undefined ? null : toBytes(r.key, 'key'),
    value: toBytes(r.value, 'value'),
    headers: toHeaders(r.headers),
    timestamp: toTimestamp(r.timestamp, now),
  };
}
