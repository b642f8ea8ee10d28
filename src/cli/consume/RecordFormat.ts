/**
 * How `tributary consume` prints a record: text (the value, or key SEP value), json (one
 * object per line; keys, values and header values as UTF-8 strings when they are valid
 * UTF-8, else base64) or hex (the value's bytes in hex).
 */
import { isUtf8 } from 'node:buffer';
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
      headers: Object.fromEntries(record.headers.map((h) => [h.key, jsonBytes(h.value)])),
    });
  }
  const value = asText(record.value, format);
  return options.printKey ? `${asText(record.key, format)}${options.keySeparator}${value}` : value;
}
