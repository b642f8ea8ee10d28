/**
 * ZNodeJson: the JSON of one znode, read strictly, as Kafka's kafka.utils.Json and its
 * DecodeJson readers (`js("leader").to[Int]`): a field of the wrong type or a missing
 * required field is an error, never a default. Every error is ERR_MALFORMED_ZNODE naming
 * the znode's path and quoting its contents, as Kafka's "Failed to parse ZooKeeper
 * registration for broker 1: ..." does, so an operator can find and fix the znode.
 */
import { TributaryError } from '../errors.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The one error every decoder raises. */
export function malformedZNode(path: string, problem: string, contents: string): TributaryError {
  return new TributaryError(`znode ${path}: ${problem}: ${contents}`, 'ERR_MALFORMED_ZNODE', { path });
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON as Kafka's Json.encodeAsBytes writes it: compact, keys in the order given. */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export class ZNodeJson {
  private constructor(
    /** The znode's path. */
    readonly path: string,
    private readonly contents: string,
    private readonly fields: { readonly [key: string]: Json },
    /** Where this object sits in the znode's JSON, for a nested one ("partitions[0]."). */
    private readonly at = '',
  ) {}

  /** Parses a znode's bytes as a JSON object. */
  static parse(path: string, bytes: Uint8Array | null): ZNodeJson {
    const contents = bytes === null ? '' : Buffer.from(bytes).toString('utf8');
    const value = ZNodeJson.parseText(path, contents);
    if (!isObject(value)) throw malformedZNode(path, 'expected a JSON object', contents);
    return new ZNodeJson(path, contents, value);
  }

  /** Parses a znode's bytes as any JSON value (Kafka's Json.parseBytes). */
  static parseText(path: string, contents: string): Json {
    try {
      return JSON.parse(contents) as Json;
    } catch {
      throw malformedZNode(path, 'not JSON', contents);
    }
  }

  /** The error for `key`, with this znode's path and contents. */
  problem(key: string, expected: string): TributaryError {
    return malformedZNode(this.path, `field "${this.at}${key}" ${expected}`, this.contents);
  }

  has(key: string): boolean {
    return Object.hasOwn(this.fields, key);
  }

  keys(): string[] {
    return Object.keys(this.fields);
  }

  private required(key: string): Json {
    if (!this.has(key)) throw this.problem(key, 'is missing');
    return this.fields[key]!;
  }

  /** A required 32-bit integer (DecodeJson's Int: a JSON integer, not a string). */
  int(key: string): number {
    return this.intValue(key, this.required(key));
  }

  /** An integer field that may be absent (Kafka's `get(key).map(_.to[Int])`). */
  optionalInt(key: string): number | undefined {
    return this.has(key) ? this.int(key) : undefined;
  }

  private intValue(key: string, value: Json): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX)
      throw this.problem(key, 'is not a 32-bit integer');
    return value;
  }

  string(key: string): string {
    const value = this.required(key);
    if (typeof value !== 'string') throw this.problem(key, 'is not a string');
    return value;
  }

  /** A string that may be absent or null (Kafka's `get(key).flatMap(_.to[Option[String]])`). */
  optionalString(key: string): string | null {
    const value = this.has(key) ? this.fields[key]! : null;
    if (value !== null && typeof value !== 'string') throw this.problem(key, 'is not a string');
    return value;
  }

  /** A required array of 32-bit integers (`to[Seq[Int]]`). */
  intList(key: string): number[] {
    const value = this.required(key);
    if (!Array.isArray(value)) throw this.problem(key, 'is not an array of integers');
    return value.map((item) => this.intValue(key, item));
  }

  /** A required array of strings (`to[Seq[String]]`). */
  stringList(key: string): string[] {
    const value = this.required(key);
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
      throw this.problem(key, 'is not an array of strings');
    return value as string[];
  }

  /** A nested object, read with the same rules; absent (or null) gives undefined. */
  optionalObject(key: string): ZNodeJson | undefined {
    const value = this.has(key) ? this.fields[key]! : null;
    if (value === null) return undefined;
    if (!isObject(value)) throw this.problem(key, 'is not an object');
    return new ZNodeJson(this.path, this.contents, value, `${this.at}${key}.`);
  }

  object(key: string): ZNodeJson {
    const nested = this.optionalObject(key);
    if (nested === undefined) throw this.problem(key, 'is missing');
    return nested;
  }

  /** A required array of objects (`asJsonArray` of `asJsonObject`). */
  objectList(key: string): ZNodeJson[] {
    const value = this.required(key);
    if (!Array.isArray(value) || !value.every(isObject)) throw this.problem(key, 'is not an array of objects');
    return value.map((item, i) => new ZNodeJson(this.path, this.contents, item, `${this.at}${key}[${i}].`));
  }
}
