/**
 * How `tributary consume` prints a record: text (the value, or key SEP value), json (one
 * object per line; keys, values and header values as UTF-8 strings when they are valid
 * UTF-8, else base64; a repeated header key has the array of its values) or hex (the
 * value's bytes in hex).
 */
import { isUtf8 } from 'node:buffer';
import type { RecordHeader } from '../../record/Record.js';
import type { SourceRecord } from './RecordSource.js';

export type OutputFormat = 'text' | 'json' | 'hex';

export interface FormatOptions {
  format: OutputFormat;
  /** text and hex: print the key before the value, separated by keySeparator. */
  printKey: boolean;
  keySeparator: string;
}

/** What the console consumer prints for a null key or value. */
const NULL_TEXT = 'null';

function jsonBytes(bytes: Buffer | null): string | null {
  if (bytes === null) return null;
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('base64');
}

type JsonHeaderValue = string | null;

/**
 * Header values by key; a key that repeats (Kafka allows it) has the array of its values in
 * order, so none is lost. `produce --format json` reads the same shape back.
 */
function jsonHeaders(headers: readonly RecordHeader[]): { [key: string]: JsonHeaderValue | JsonHeaderValue[] } {
  const byKey = new Map<string, JsonHeaderValue[]>();
  for (const h of headers) {
    const values = byKey.get(h.key) ?? [];
    values.push(jsonBytes(h.value));
    byKey.set(h.key, values);
  }
  return Object.fromEntries([...byKey].map(([key, values]) => [key, values.length === 1 ? values[0]! : values]));
}

function asText(bytes: Buffer | null, format: OutputFormat): string {
  if (bytes === null) return NULL_TEXT;
  return bytes.toString(format === 'hex' ? 'hex' : 'utf8');
}

export function formatRecord(topic: string, partition: number, record: SourceRecord, options: FormatOptions): string {
  const { format } = options;
  if (format === 'json') {
    return JSON.stringify({
      topic,
      partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key: jsonBytes(record.key),
      value: jsonBytes(record.value),
      headers: jsonHeaders(record.headers),
    });
  }
  const value = asText(record.value, format);
  return options.printKey ? `${asText(record.key, format)}${options.keySeparator}${value}` : value;
}
