/** The table obeys the rules of Kafka's message specs (common/message/README.md). */
import { describe, expect, test } from 'vitest';
import { ApiKey, apiName, isSupported, MESSAGES, supportedApis } from '../../src/protocol/Messages.js';
import type { Field, MessageSchema } from '../../src/protocol/Schema.js';
import { parseVersions, type VersionRange } from '../../src/protocol/Versions.js';

const NULLABLE_TYPES = new Set(['string', 'bytes', 'records', 'uuid']);

function overlaps(a: VersionRange, b: VersionRange): boolean {
  return a.min <= b.max && b.min <= a.max;
}

/** Every field with its dotted path. */
function allFields(fields: readonly Field[], path: string): [string, Field][] {
  return fields.flatMap((f) => [
    [`${path}.${f.name}`, f] as [string, Field],
    ...allFields(f.fields ?? [], `${path}.${f.name}`),
  ]);
}

function structsOf(fields: readonly Field[]): (readonly Field[])[] {
  return [fields, ...fields.flatMap((f) => (f.fields === undefined ? [] : structsOf(f.fields)))];
}

function defaultFits(f: Field): boolean {
  if (f.default === undefined) return true;
  if (f.default === null) return f.nullableVersions !== undefined;
  switch (f.type) {
    case 'bool':
      return typeof f.default === 'boolean';
    case 'string':
      return typeof f.default === 'string';
    default:
      return /^(u?int\d+|float64)$/.test(f.type) && Number.isInteger(f.default);
  }
}

describe.each(MESSAGES.flatMap((a) => [a.request, a.response]))('$name', (message: MessageSchema) => {
  const valid = parseVersions(message.validVersions);
  const flexible = parseVersions(message.flexibleVersions);
  const fields = allFields(message.fields, message.name);

  test('fields are camelCase and unique within their struct', () => {
    for (const [path, f] of fields) expect(f.name, path).toMatch(/^[a-z][A-Za-z0-9]*$/);
    for (const struct of structsOf(message.fields)) expect(new Set(struct.map((f) => f.name)).size).toBe(struct.length);
  });

  test('every field exists in some version we support', () => {
    for (const [path, f] of fields) expect(overlaps(parseVersions(f.versions), valid), path).toBe(true);
  });

  test('only strings, bytes, records, uuids and arrays are nullable', () => {
    for (const [path, f] of fields) {
      if (f.nullableVersions === undefined) continue;
      expect(NULLABLE_TYPES.has(f.type) || f.type.startsWith('[]'), path).toBe(true);
      expect(overlaps(parseVersions(f.nullableVersions), parseVersions(f.versions)), path).toBe(true);
    }
  });

  test('tagged fields: open-ended, flexible versions only, a tag unique in their struct', () => {
    for (const [path, f] of fields) {
      expect(f.tag === undefined, path).toBe(f.taggedVersions === undefined);
      if (f.taggedVersions === undefined) continue;
      const tagged = parseVersions(f.taggedVersions);
      expect(tagged.max, path).toBe(Infinity);
      expect(tagged.min, path).toBeGreaterThanOrEqual(flexible.min);
    }
    for (const struct of structsOf(message.fields)) {
      const tags = struct.flatMap((f) => (f.tag === undefined ? [] : [f.tag]));
      expect(new Set(tags).size).toBe(tags.length);
    }
  });

  test('structs have fields, other types none; defaults fit their type', () => {
    for (const [path, f] of fields) {
      expect(f.fields !== undefined, path).toBe(f.type === 'struct' || f.type === '[]struct');
      expect(defaultFits(f), path).toBe(true);
    }
  });
});

describe('the table', () => {
  test('one schema per API key; ApiKey names them as the table does', () => {
    expect(Object.fromEntries(MESSAGES.map((a) => [a.name, a.apiKey]))).toEqual(ApiKey);
    for (const a of MESSAGES) {
      expect(a.request).toMatchObject({ apiKey: a.apiKey, type: 'request', name: `${a.name}Request` });
      expect(a.response).toMatchObject({ apiKey: a.apiKey, type: 'response', name: `${a.name}Response` });
      expect(apiName(a.apiKey)).toBe(a.name);
    }
    expect(apiName(62)).toBeUndefined(); // BrokerRegistration: a KRaft controller API, not in the table
  });

  test('supportedApis lists each API once, by key, with its version range', () => {
    const apis = supportedApis();
    expect(apis.map((a) => a.apiKey)).toEqual(MESSAGES.map((a) => a.apiKey).sort((x, y) => x - y));
    expect(apis.find((a) => a.apiKey === ApiKey.Fetch)).toEqual({ apiKey: 1, minVersion: 0, maxVersion: 12 });
    expect(apis.find((a) => a.apiKey === ApiKey.ApiVersions)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 4 });
    apis[0]!.maxVersion = -5;
    expect(supportedApis()[0]!.maxVersion).not.toBe(-5);
  });

  test('isSupported follows validVersions', () => {
    expect(isSupported(ApiKey.Produce, 0)).toBe(true);
    expect(isSupported(ApiKey.Produce, 11)).toBe(true);
    expect(isSupported(ApiKey.Produce, 12)).toBe(false);
    expect(isSupported(ApiKey.Fetch, 13)).toBe(false);
    expect(isSupported(ApiKey.Metadata, -1)).toBe(false);
    expect(isSupported(ApiKey.ControlledShutdown, 3)).toBe(true);
    expect(isSupported(ApiKey.ControlledShutdown, 4)).toBe(false);
    expect(isSupported(62, 0)).toBe(false);
    expect(isSupported(1000, 0)).toBe(false);
  });
});
