/**
 * Kafka's ConfigDef, the part a config file or a request meets: a config's type, its
 * validator and its default, and parsing a value as ConfigDef.parseType and the
 * validators do (Range, ValidString, ValidList, ...), with Kafka's messages. The topic
 * configs (TopicConfig) and the broker configs (BrokerConfigDef) are tables of these.
 *
 * Values are kept as Kafka's strings. Integer values past 2^53 (Kafka's Long.MAX_VALUE
 * defaults) are kept exactly as text; `asNumber` reads them as 2^53 - 1, "unbounded".
 */
import { TributaryError } from '../errors.js';

/** Kafka's ConfigDef.Type, as DescribeConfigs v3+ reports it. */
export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';

export const UNBOUNDED = Number.MAX_SAFE_INTEGER;
export const MAX_INT32 = 2 ** 31 - 1;
const KAFKA_LONG_MAX = 2n ** 63n - 1n;
export const LONG_MAX = String(KAFKA_LONG_MAX);

/** `null` is Kafka's null default: no value until one is set. */
type Default = string | null;

/** An INT, SHORT or LONG with a Range (atLeast, between). */
export interface IntegerConfig {
  kind: 'integer';
  type: 'INT' | 'SHORT' | 'LONG';
  min: number;
  max: number;
  /** A value inside [min, max] Kafka's validator still refuses, with its message (gzip's level 0). */
  excluded?: { value: number; problem: string };
  default: Default;
}

export interface DoubleConfig {
  kind: 'double';
  min: number;
  max: number;
  default: Default;
}

export interface BooleanConfig {
  kind: 'boolean';
  default: Default;
}

/** ValidString.in / ValidList.in (each item of a LIST), CaseInsensitiveValidString.in. */
export interface ChoiceConfig {
  kind: 'choice';
  type: 'STRING' | 'LIST';
  choices: readonly string[];
  caseInsensitive?: boolean;
  /** Kafka values we know but do not implement yet: refused, saying so. */
  unsupported?: readonly string[];
  default: Default;
}

/** A STRING or LIST config whose validator is a pattern (a version, a replica list, quorum voters). */
export interface PatternConfig {
  kind: 'pattern';
  type: 'STRING' | 'LIST';
  pattern: RegExp;
  /** Kafka's validator message when the pattern does not match. */
  problem: string;
  default: Default;
}

/** A STRING, LIST, CLASS or PASSWORD Kafka takes as it is (NonEmptyString and NonNullValidator aside). */
export interface TextConfig {
  kind: 'text';
  type: 'STRING' | 'LIST' | 'CLASS' | 'PASSWORD';
  nonEmpty?: boolean;
  default: Default;
}

export type ConfigDef = IntegerConfig | DoubleConfig | BooleanConfig | ChoiceConfig | PatternConfig | TextConfig;

const INTEGER_BOUNDS: Readonly<Record<IntegerConfig['type'], readonly [number, number]>> = {
  INT: [-(2 ** 31), MAX_INT32],
  SHORT: [-(2 ** 15), 2 ** 15 - 1],
  LONG: [-UNBOUNDED, UNBOUNDED],
};

const show = (value: number | string | boolean | null): Default => (value === null ? null : String(value));

/** An integer config; min and max default to the type's own bounds (no validator). */
export const integer = (
  type: IntegerConfig['type'],
  value: number | string | null,
  min = INTEGER_BOUNDS[type][0],
  max = INTEGER_BOUNDS[type][1],
): IntegerConfig => ({ kind: 'integer', type, min, max, default: show(value) });

export const double = (value: number | string | null, min = -Infinity, max = Infinity): DoubleConfig => ({
  kind: 'double',
  min,
  max,
  default: show(value),
});

export const boolean = (value: boolean | null): BooleanConfig => ({ kind: 'boolean', default: show(value) });

export const text = (type: TextConfig['type'], value: string | null, nonEmpty = false): TextConfig => ({
  kind: 'text',
  type,
  default: value,
  ...(nonEmpty ? { nonEmpty } : {}),
});

export const oneOf = (
  type: ChoiceConfig['type'],
  value: string | null,
  choices: readonly string[],
  caseInsensitive = false,
): ChoiceConfig => ({ kind: 'choice', type, choices, default: value, ...(caseInsensitive ? { caseInsensitive } : {}) });

/** Kafka's MetadataVersionValidator (MetadataVersion.fromVersionString): 0.8.0 to 3.8, a patch number ignored, an -IVn suffix allowed. */
export const metadataVersion = (value: string): PatternConfig => ({
  kind: 'pattern',
  type: 'STRING',
  pattern: /^(0\.(8\.[0-2]|9\.0|10\.[0-2]|11\.0)|1\.[01]|[23]\.[0-8])(\.\d+)?(-IV\d+)?$/,
  problem: 'is not a valid version',
  default: value,
});

/** GzipCompression.LevelValidator: Deflater's levels 1-9, or -1 (its default). */
export const gzipLevel: IntegerConfig = {
  ...integer('INT', -1, -1, 9),
  excluded: { value: 0, problem: 'Value must be between 1 and 9, or -1' },
};

/** A stored integer config as a number, Long.MAX_VALUE and the like read as unbounded. */
export function asNumber(text: string | null | undefined): number {
  return Math.min(Number(text), UNBOUNDED);
}

/** Kafka's ConfigException message: "Invalid value V for configuration K: problem". */
export function invalidConfig(key: string, value: unknown, problem: string): TributaryError {
  return new TributaryError(
    `Invalid value ${String(value)} for configuration ${key}: ${problem}`,
    'ERR_INVALID_CONFIG',
  );
}

/** Range.ensureValid's message, or null when `n` is in range. */
function rangeProblem(n: number, def: IntegerConfig | DoubleConfig): string | null {
  if (n < def.min) return `Value must be at least ${def.min}`;
  if (n > def.max) return `Value must be no more than ${def.max}`;
  return null;
}

function normalizeInteger(key: string, def: IntegerConfig, value: string | number): string {
  const text = typeof value === 'number' ? (Number.isInteger(value) ? value.toFixed(0) : String(value)) : value.trim();
  if (!/^-?\d+$/.test(text)) throw invalidConfig(key, value, `Not a number of type ${def.type}`);
  const exact = BigInt(text);
  const bits = { INT: 32, SHORT: 16, LONG: 64 }[def.type];
  if (BigInt.asIntN(bits, exact) !== exact) throw invalidConfig(key, value, `Not a number of type ${def.type}`);
  const n = asNumber(exact.toString());
  const problem = rangeProblem(n, def) ?? (n === def.excluded?.value ? def.excluded.problem : null);
  if (problem !== null) throw invalidConfig(key, value, problem);
  return exact.toString();
}

function normalizeDouble(key: string, def: DoubleConfig, value: string | number): string {
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) throw invalidConfig(key, value, 'Not a number of type DOUBLE');
  const problem = rangeProblem(n, def);
  if (problem !== null) throw invalidConfig(key, value, problem);
  return String(n);
}

/** ConfigDef.parseType for BOOLEAN: true or false, in any case. */
function normalizeBoolean(key: string, value: string | number): string {
  const text = String(value).trim().toLowerCase();
  if (text !== 'true' && text !== 'false') throw invalidConfig(key, value, 'Expected value to be either true or false');
  return text;
}

/** ConfigDef.parseType for LIST: split on commas, each item trimmed, empty for an empty string. */
function listItems(value: string | number): string[] {
  const text = String(value).trim();
  return text === '' ? [] : text.split(/\s*,\s*/);
}

function normalizeChoice(key: string, def: ChoiceConfig, value: string | number): string {
  const text = String(value).trim();
  if (def.unsupported?.includes(text)) throw invalidConfig(key, value, 'not supported yet');
  const items = def.type === 'LIST' && def.unsupported === undefined ? listItems(value) : [text];
  const known = (item: string) =>
    def.caseInsensitive === true
      ? def.choices.some((c) => c.toLowerCase() === item.toLowerCase())
      : def.choices.includes(item);
  const wrong = items.find((item) => !known(item));
  // ValidList checks each item with ValidString, whose message names the item.
  if (wrong !== undefined) throw invalidConfig(key, wrong, `String must be one of: ${def.choices.join(', ')}`);
  return items.join(',');
}

function normalizePattern(key: string, def: PatternConfig, value: string | number): string {
  const normalized = def.type === 'LIST' ? listItems(value).join(',') : String(value).trim();
  if (!def.pattern.test(normalized)) throw invalidConfig(key, value, def.problem);
  return normalized;
}

function normalizeText(key: string, def: TextConfig, value: string | number): string {
  const normalized = def.type === 'LIST' ? listItems(value).join(',') : String(value).trim();
  // ConfigDef.NonEmptyString's message.
  if (def.nonEmpty === true && normalized === '') throw invalidConfig(key, value, 'String must be non-empty');
  return def.type === 'PASSWORD' ? String(value) : normalized;
}

/** The canonical string of a value of `def`; ERR_INVALID_CONFIG with Kafka's message if it refuses it. */
export function normalizeValue(key: string, def: ConfigDef, value: string | number): string {
  if (typeof value !== 'string' && typeof value !== 'number')
    throw invalidConfig(key, value, `expected a string or a number, got ${typeof value}`);
  switch (def.kind) {
    case 'integer':
      return normalizeInteger(key, def, value);
    case 'double':
      return normalizeDouble(key, def, value);
    case 'boolean':
      return normalizeBoolean(key, value);
    case 'choice':
      return normalizeChoice(key, def, value);
    case 'pattern':
      return normalizePattern(key, def, value);
    case 'text':
      return normalizeText(key, def, value);
  }
}

export function configTypeOf(def: ConfigDef): ConfigType {
  switch (def.kind) {
    case 'integer':
    case 'choice':
    case 'pattern':
    case 'text':
      return def.type;
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
  }
}
