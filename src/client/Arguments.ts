/**
 * The embedded API's argument checks, shared by every public method: a refusal is an
 * ERR_INVALID_ARGUMENT that names the argument, the type it must have and what was
 * given ("createTopic: name must be a non-empty string, got number 42"), never a plain
 * TypeError from deeper down or a message about something else.
 */
import { invalidArgument } from '../errors.js';

/** What was given, for an error message: its type and, for a primitive, its value. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string '${value}'`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'undefined';
  return `${typeof value} ${String(value)}`;
}

function refuse(name: string, expected: string, value: unknown): never {
  throw invalidArgument(`${name} must be ${expected}, got ${describeValue(value)}`);
}

export function checkNonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') refuse(name, 'a non-empty string', value);
  return value;
}

export function checkPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    refuse(name, 'a positive integer', value);
  return value;
}

/** A partition count: only its type is checked here, its range is Kafka's to refuse (INVALID_PARTITIONS). */
/** An optional positive integer: undefined (the callee's default) or checked. */
export function checkOptionalPositiveInteger(name: string, value: unknown): number | undefined {
  return value === undefined ? undefined : checkPositiveInteger(name, value);
}

export function checkPartitionCount(name: string, value: unknown): number {
  if (typeof value !== 'number') refuse(name, 'a positive integer', value);
  return value;
}

export function checkNonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    refuse(name, 'a non-negative integer', value);
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') refuse(name, 'a boolean', value);
  return value;
}

/** An options argument: a plain object, or undefined for none (then `{}`). */
export function checkOptions<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(name, 'an object', value);
  return value;
}

export function checkArray(name: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) refuse(name, 'an array', value);
  return value;
}

/** A { topic, partition } given to `method`: its two fields, checked. */
export function checkTopicPartition(method: string, tp: unknown): { topic: string; partition: number } {
  if (typeof tp !== 'object' || tp === null || Array.isArray(tp))
    refuse(`${method}: a partition`, 'a { topic, partition }', tp);
  const { topic, partition } = tp as { topic?: unknown; partition?: unknown };
  return {
    topic: checkNonEmptyString(`${method}: topic`, topic),
    partition: checkNonNegativeInteger(`${method}: partition`, partition),
  };
}

/**
 * Configs by Kafka name, each value a string (null too, with `nullable`: removing an
 * override). Kafka's AdminClient takes String values (NewTopic.configs, ConfigEntry),
 * as the wire does; a number is refused rather than guessed at.
 */
export function checkConfigs(name: string, value: unknown): Record<string, string>;
export function checkConfigs(name: string, value: unknown, nullable: true): Record<string, string | null>;
export function checkConfigs(name: string, value: unknown, nullable = false): Record<string, string | null> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(name, 'an object', value);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string' && !(nullable && v === null))
      refuse(`${name}['${key}']`, nullable ? 'a string or null' : 'a string', v);
  }
  return value as Record<string, string | null>;
}
