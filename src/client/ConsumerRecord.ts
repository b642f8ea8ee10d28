/**
 * The records a consumer hands out (Kafka's ConsumerRecord), made from the log's
 * records without copying keys, values or header values.
 */
import type { Record, RecordHeader } from '../record/Record.js';

export type { RecordHeader } from '../record/Record.js';

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Each header key's last value, as Kafka's Headers.lastHeader(key) reads it. */
  headers: Readonly<{ [key: string]: Buffer | null }>;
  /** Every header in order, repeated keys included: Kafka's full header list. */
  headerList: readonly RecordHeader[];
}

/** The records of one fetch from one partition. */
export interface ConsumerBatch {
  topic: string;
  partition: number;
  records: ConsumerRecord[];
  /** The partition's log end offset when the fetch read it. */
  highWatermark: number;
}

const NO_HEADERS: Readonly<{ [key: string]: Buffer | null }> = Object.freeze({});

/** Object.fromEntries keeps a header named `__proto__` as an own key, and the last of repeated keys. */
function headerMap(headers: readonly RecordHeader[]): Readonly<{ [key: string]: Buffer | null }> {
  return headers.length === 0 ? NO_HEADERS : Object.fromEntries(headers.map((h) => [h.key, h.value]));
}

export function toConsumerRecord(topic: string, partition: number, record: Record): ConsumerRecord {
  const headerList = record.headers;
  return {
    topic,
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key,
    value: record.value,
    headers: headerMap(headerList),
    headerList,
  };
}
