/**
 * Random message bodies for one version of a schema, and what decoding them must give:
 * fields outside the version are filled with junk (the encoder must ignore them) and come
 * back as their defaults; records sent as several buffers come back as one.
 */
import { ApiKey, apiSchema } from '../../src/protocol/Messages.js';
import { defaultOf } from '../../src/protocol/MessageCodec.js';
import type { Struct } from '../../src/protocol/MessageTypes.js';
import type { Field, PrimitiveType } from '../../src/protocol/Schema.js';
import { inVersions } from '../../src/protocol/Versions.js';
import type { Rng } from './random.js';

const TEXT = ['', 'a', 'orders', 'élan', '分区', 'x'.repeat(200)];

function randomBuffer(rng: Rng, max: number): Buffer {
  return Buffer.from(Array.from({ length: rng.int(0, max) }, () => rng.int(0, 255)));
}

function randomPrimitive(type: PrimitiveType, rng: Rng): unknown {
  switch (type) {
    case 'int8':
      return rng.int(-128, 127);
    case 'int16':
      return rng.int(-32768, 32767);
    case 'uint16':
      return rng.int(0, 65535);
    case 'int32':
      return rng.int(-(2 ** 31), 2 ** 31 - 1);
    case 'int64':
      return rng.oneIn(2) ? rng.int(-1, 1000) : rng.int(-(2 ** 53) + 1, 2 ** 53 - 1);
    case 'float64':
      return rng.int(-1e6, 1e6) / 64;
    case 'bool':
      return rng.oneIn(2);
    case 'string':
      return TEXT[rng.int(0, TEXT.length - 1)];
    case 'bytes':
      return randomBuffer(rng, 40);
    case 'uuid':
      return Buffer.from(Array.from({ length: 16 }, () => rng.int(0, 255)));
    case 'records':
      return rng.oneIn(2) ? randomBuffer(rng, 300) : [randomBuffer(rng, 100), randomBuffer(rng, 100)];
  }
}

function randomValue(field: Field, version: number, rng: Rng): unknown {
  if (inVersions(field.nullableVersions, version) && rng.oneIn(4)) return null;
  const { type } = field;
  if (type === 'struct') return randomStruct(field.fields!, version, rng);
  if (type === '[]struct')
    return Array.from({ length: rng.int(0, 3) }, () => randomStruct(field.fields!, version, rng));
  if (type.startsWith('[]'))
    return Array.from({ length: rng.int(0, 3) }, () => randomPrimitive(type.slice(2) as PrimitiveType, rng));
  return randomPrimitive(type as PrimitiveType, rng);
}

export function randomStruct(fields: readonly Field[], version: number, rng: Rng): Struct {
  const struct: Struct = {};
  for (const f of fields) struct[f.name] = randomValue(f, version, rng);
  return struct;
}

function expectedValue(field: Field, value: unknown, version: number): unknown {
  if (value === null) return null;
  if (field.type === 'records' && Array.isArray(value)) return Buffer.concat(value as Buffer[]);
  if (field.type === 'struct') return expectedStruct(field.fields!, value as Struct, version);
  if (field.type === '[]struct') return (value as Struct[]).map((s) => expectedStruct(field.fields!, s, version));
  return value;
}

/** What decoding `body` at `version` must give. */
export function expectedStruct(fields: readonly Field[], body: Struct, version: number): Struct {
  const struct: Struct = {};
  for (const f of fields)
    struct[f.name] = inVersions(f.versions, version) ? expectedValue(f, body[f.name], version) : defaultOf(f);
  return struct;
}

/**
 * The smallest body of a schema at `version`: every field at its default (empty arrays, null
 * where nullable in that version), with `overrides` on top; no tagged field differs from its
 * default, so none is sent.
 */
export function minimalStruct(fields: readonly Field[], version: number, overrides: Struct = {}): Struct {
  const value = (f: Field) =>
    f.default === undefined && f.nullableVersions !== undefined && !inVersions(f.nullableVersions, version)
      ? defaultOf({ ...f, nullableVersions: undefined })
      : defaultOf(f);
  return { ...Object.fromEntries(fields.map((f) => [f.name, value(f)])), ...overrides };
}

/** Overrides of the minimal body where it would get no answer: acks=0 is answered by silence. */
const ANSWERED: Readonly<Record<number, Struct>> = { [ApiKey.Produce]: { acks: -1 } };

/** A minimal request of an API at `version`, one the broker answers. */
export function minimalRequest(apiKey: number, version: number): Struct {
  return minimalStruct(apiSchema(apiKey)!.request.fields, version, ANSWERED[apiKey]);
}
