import { describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import { defaultOf, readMessage, writeMessage } from '../../src/protocol/MessageCodec.js';
import type { Struct } from '../../src/protocol/MessageTypes.js';
import { ProtocolError } from '../../src/protocol/ProtocolError.js';
import { ProtocolReader } from '../../src/protocol/ProtocolReader.js';
import { ProtocolWriter } from '../../src/protocol/ProtocolWriter.js';
import { api, field, struct, structs, type MessageSchema } from '../../src/protocol/Schema.js';

/** A made-up message exercising every kind of field; flexible from v2. */
const Sample = api('Sample', 1000, {
  validVersions: '0-3',
  flexibleVersions: '2+',
  request: [
    field('name', 'string'),
    field('timeoutMs', 'int32', '1+', { default: 5000 }),
    field('label', 'string', '0+', { nullableVersions: '1+' }),
    field('note', 'string', '1+', { nullableVersions: '1+', default: null }),
    structs('items', '0+', [field('id', 'int16'), field('tags', '[]string', '1+')]),
    field('epoch', 'int64', '2+', { taggedVersions: '2+', tag: 3, default: -1 }),
    struct('leader', '2+', [field('leaderId', 'int32', '2+', { default: -1 })], { taggedVersions: '2+', tag: 1 }),
  ],
  response: [],
}).request;

function encode(schema: MessageSchema, version: number, body: Struct): Buffer {
  const w = new ProtocolWriter();
  writeMessage(schema, version, w, body);
  return Buffer.concat(w.finish());
}

function decode(schema: MessageSchema, version: number, bytes: number[] | Buffer): Struct {
  const r = new ProtocolReader(Buffer.from(bytes));
  const body = readMessage(schema, version, r);
  expect(r.remaining).toBe(0);
  return body;
}

describe('one version of a message', () => {
  test('v0: fields of later versions are not on the wire and decode to their defaults', () => {
    const bytes = [0, 1, 0x61, 0, 0, 0, 0, 0, 1, 0, 7];
    expect(decode(Sample, 0, bytes)).toEqual({
      name: 'a',
      timeoutMs: 5000,
      label: '',
      note: null,
      items: [{ id: 7, tags: [] }],
      epoch: -1,
      leader: { leaderId: -1 },
    });
    expect([
      ...encode(Sample, 0, {
        name: 'a',
        timeoutMs: 9,
        label: '',
        note: 'x',
        items: [{ id: 7, tags: ['t'] }],
        epoch: 4,
      }),
    ]).toEqual(bytes);
  });

  test('v1: nullable from this version, arrays of primitives', () => {
    const bytes = [0, 1, 0x61, 0, 0, 0, 9, 0xff, 0xff, 0, 1, 0x6e, 0, 0, 0, 1, 0, 7, 0, 0, 0, 1, 0, 1, 0x74];
    const body = {
      name: 'a',
      timeoutMs: 9,
      label: null,
      note: 'n',
      items: [{ id: 7, tags: ['t'] }],
      epoch: -1,
      leader: { leaderId: -1 },
    };
    expect(decode(Sample, 1, bytes)).toEqual(body);
    expect([...encode(Sample, 1, body)]).toEqual(bytes);
  });

  test("missing fields encode as their defaults: Kafka's, else null where nullable, else zero", () => {
    expect([...encode(Sample, 1, { name: 'a', items: [{ id: 2 }] })]).toEqual([
      0, 1, 0x61, 0, 0, 0x13, 0x88, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0,
    ]);
    expect([...encode(Sample, 0, { items: [] })]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('flexible v2: compact lengths, a tagged-field section after each struct', () => {
    const bytes = [2, 0x61, 0, 0, 0, 9, 1, 0, 2, 0, 7, 1, 0, 0];
    expect(decode(Sample, 2, bytes)).toEqual({
      name: 'a',
      timeoutMs: 9,
      label: '',
      note: null,
      items: [{ id: 7, tags: [] }],
      epoch: -1,
      leader: { leaderId: -1 },
    });
    expect([...encode(Sample, 2, { name: 'a', timeoutMs: 9, label: '', items: [{ id: 7, tags: [] }] })]).toEqual(bytes);
  });

  test('tagged fields are written only when they differ from the default, in tag order', () => {
    const head = [2, 0x61, 0, 0, 0, 9, 1, 0, 1];
    expect([...encode(Sample, 2, { name: 'a', timeoutMs: 9, label: '', epoch: -1, leader: { leaderId: -1 } })]).toEqual(
      [...head, 0],
    );
    const both = [...head, 2, 1, 5, 0, 0, 0, 0, 0, 3, 8, 0, 0, 0, 0, 0, 0, 0, 6];
    const body = { name: 'a', timeoutMs: 9, label: '', note: null, items: [], epoch: 6, leader: { leaderId: 0 } };
    expect([...encode(Sample, 2, body)]).toEqual(both);
    expect(decode(Sample, 2, both)).toEqual(body);
  });

  test('unknown tags are skipped', () => {
    const bytes = [2, 0x61, 0, 0, 0, 9, 1, 0, 1, 2, 0, 2, 0xaa, 0xbb, 9, 1, 0xcc];
    expect(decode(Sample, 2, bytes)).toMatchObject({ name: 'a', epoch: -1, leader: { leaderId: -1 } });
  });

  test('null in a field not nullable at this version', () => {
    expect(() => decode(Sample, 0, [0, 1, 0x61, 0xff, 0xff, 0, 0, 0, 0])).toThrow(ProtocolError);
    let error: unknown;
    try {
      encode(Sample, 0, { name: 'a', label: null, items: [] });
    } catch (e) {
      error = e;
    }
    expect(isTributaryError(error, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/SampleRequest\.label/);
  });

  test('decoded structs are fresh objects: defaults are never shared', () => {
    const a = decode(Sample, 0, [0, 0, 0, 0, 0, 0, 0, 0]);
    const b = decode(Sample, 0, [0, 0, 0, 0, 0, 0, 0, 0]);
    expect(a.leader).not.toBe(b.leader);
    expect(defaultOf(field('id', 'uuid'))).not.toBe(defaultOf(field('id', 'uuid')));
  });
});
