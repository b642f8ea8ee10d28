/**
 * One line of `tributary produce` input as a ProducerRecord: the line is the value, or
 * `key SEP value` with a key separator (kafka-console-producer's parse.key, kcat -K), or
 * a JSON object {key, value, headers, partition, timestamp}.
 */
import { TributaryError } from '../../errors.js';
import type { ProducerRecord } from '../../client/ProducerRecord.js';

export type InputFormat = 'text' | 'json';

export interface LineOptions {
  format: InputFormat;
  keySeparator: string | undefined;
  /** Added to every record, before a JSON line's own headers. */
  headers: [string, string][];
  partition: number | undefined;
}

function invalidLine(lineNumber: number, what: string): TributaryError {
  return new TributaryError(`line ${lineNumber}: ${what}`, 'ERR_INVALID_RECORD');
}

/** JSON strings as they are, null as null, any other JSON value as its JSON text. */
function jsonBytes(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `{"k": "v"}`, and `{"k": ["v1", "v2"]}` for a key repeated (as `consume --format json` prints one). */
function jsonHeaders(headers: Record<string, unknown>): [string, string | null][] {
  return Object.entries(headers).flatMap(([key, value]) =>
    (Array.isArray(value) ? value : [value]).map((v): [string, string | null] => [key, jsonBytes(v)]),
  );
}

function optionalInteger(value: unknown, name: string, lineNumber: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw invalidLine(lineNumber, `"${name}" must be an integer >= 0`);
  return value as number;
}

function parseJsonLine(line: string, options: LineOptions, lineNumber: number): ProducerRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw invalidLine(lineNumber, `not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalidLine(lineNumber, 'not a JSON object');
  const { key, value, headers = {}, partition, timestamp } = parsed as Record<string, unknown>;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers))
    throw invalidLine(lineNumber, '"headers" must be an object');
  return {
    key: jsonBytes(key),
    value: jsonBytes(value),
    headers: [...options.headers, ...jsonHeaders(headers as Record<string, unknown>)],
    partition: optionalInteger(partition, 'partition', lineNumber) ?? options.partition,
    timestamp: optionalInteger(timestamp, 'timestamp', lineNumber),
  };
}

function parseTextLine(line: string, options: LineOptions, lineNumber: number): ProducerRecord {
  const { keySeparator: separator } = options;
  let key: string | null = null;
  let value = line;
  if (separator !== undefined) {
    const at = line.indexOf(separator);
    if (at < 0) throw invalidLine(lineNumber, `no key separator '${separator}'`);
    key = line.slice(0, at);
    value = line.slice(at + separator.length);
  }
  return { key, value, headers: options.headers, partition: options.partition };
}

/** The record a line stands for; null for a blank line of JSON input. */
export function parseRecordLine(line: string, options: LineOptions, lineNumber: number): ProducerRecord | null {
  if (options.format === 'text') return parseTextLine(line, options, lineNumber);
  return line.trim() === '' ? null : parseJsonLine(line, options, lineNumber);
}
