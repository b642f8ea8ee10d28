/**
 * The records a consumer hands out (Kafka's ConsumerRecord), over the log's records
 * without copying keys, values or header values.
 */
import type { Record, RecordHeader } from '../record/Record.js';
import { EXEMPLAR_RECORD } from '../record/RecordCursor.js';
import { retainShape } from '../retainShape.js';

export type { RecordHeader } from '../record/Record.js';

export type HeaderMap = Readonly<{ [key: string]: Buffer | null }>;

const NO_HEADERS: HeaderMap = Object.freeze({});

/** Object.fromEntries keeps a header named `__proto__` as an own key, and the last of repeated keys. */
function headerMap(headers: readonly RecordHeader[]): HeaderMap {
  return headers.length === 0 ? NO_HEADERS : Object.fromEntries(headers.map((h) => [h.key, h.value]));
}

/**
 * key, value, headers and headerList are getters, made on first access (a Buffer view
 * costs more than parsing a small record), so `{ ...record }` copies only topic,
 * partition, offset and timestamp.
 */
export class ConsumerRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly #record: Record;
  #headers: HeaderMap | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    record: Record,
  ) {
    this.offset = record.offset;
    this.timestamp = record.timestamp;
    this.#record = record;
  }

  get key(): Buffer | null {
    return this.#record.key;
  }

  get value(): Buffer | null {
    return this.#record.value;
  }

  /** Each header key's last value, as Kafka's Headers.lastHeader(key) reads it. */
  get headers(): HeaderMap {
    return (this.#headers ??= headerMap(this.#record.headers));
  }

  /** Every header in order, repeated keys included: Kafka's full header list. */
  get headerList(): readonly RecordHeader[] {
    return this.#record.headers;
  }
}

retainShape(new ConsumerRecord('', 0, EXEMPLAR_RECORD));

/** The records of one fetch from one partition. */
export interface ConsumerBatch {
  topic: string;
  partition: number;
  records: ConsumerRecord[];
  /** The partition's log end offset when the fetch read it. */
  highWatermark: number;
  /** Its last stable offset then: where a read_committed consumer's reading stops. */
  lastStableOffset: number;
}
