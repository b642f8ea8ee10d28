import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type ConsumerProtocolAssignment,
  type ConsumerProtocolSubscription,
} from '../../src/group/ConsumerProtocol.js';
import { Rng } from '../helpers/random.js';

const require = createRequire(import.meta.url);

interface KafkajsMemberMetadata {
  encode(m: { version: number; topics: string[]; userData?: Buffer | null }): Buffer;
  decode(b: Buffer): { version: number; topics: string[]; userData: Buffer | null };
}
interface KafkajsMemberAssignment {
  encode(a: { version: number; assignment: Record<string, number[]>; userData?: Buffer | null }): Buffer;
  decode(b: Buffer): { version: number; assignment: Record<string, number[]>; userData: Buffer | null } | null;
}
const { MemberMetadata, MemberAssignment } = require('kafkajs/src/consumer/assignerProtocol.js') as {
  MemberMetadata: KafkajsMemberMetadata;
  MemberAssignment: KafkajsMemberAssignment;
};

/** Big-endian fields written by hand from ConsumerProtocol{Subscription,Assignment}.json, independent of our writer. */
const wire = {
  int16: (v: number) => Buffer.from([(v >> 8) & 0xff, v & 0xff]),
  int32: (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  },
  string: (s: string | null) =>
    s === null ? wire.int16(-1) : Buffer.concat([wire.int16(Buffer.byteLength(s)), Buffer.from(s)]),
  bytes: (b: Buffer | null) => (b === null ? wire.int32(-1) : Buffer.concat([wire.int32(b.length), b])),
  array: <T>(items: T[], each: (item: T) => Buffer) => Buffer.concat([wire.int32(items.length), ...items.map(each)]),
};

function subscription(overrides: Partial<ConsumerProtocolSubscription> = {}): ConsumerProtocolSubscription {
  return {
    topics: ['orders', 'payments'],
    userData: Buffer.from([1, 2, 3]),
    ownedPartitions: [
      { topic: 'orders', partitions: [0, 2] },
      { topic: 'payments', partitions: [1] },
    ],
    generationId: 7,
    rackId: 'rack-a',
    ...overrides,
  };
}

function randomName(rng: Rng): string {
  return Array.from({ length: rng.int(1, 12) }, () => rng.pick([...'abcxyz-_.0123é'])).join('');
}

describe('ConsumerProtocolSubscription', () => {
  test('v0 bytes equal kafkajs MemberMetadata, both ways', () => {
    const rng = new Rng(0x5eed);
    for (let i = 0; i < 50; i++) {
      const topics = Array.from({ length: rng.int(0, 5) }, () => randomName(rng));
      const userData = rng.oneIn(3) ? Buffer.alloc(0) : rng.bytes(rng.int(0, 20));
      const ours = encodeSubscription(subscription({ topics, userData }), 0);
      expect(ours).toEqual(MemberMetadata.encode({ version: 0, topics, userData }));
      const theirs = MemberMetadata.decode(ours);
      expect(theirs).toEqual({ version: 0, topics, userData });
    }
  });

  test('v3 follows the spec field by field, and kafkajs reads its v0 prefix', () => {
    const s = subscription();
    const expected = Buffer.concat([
      wire.int16(3),
      wire.array(s.topics, wire.string),
      wire.bytes(s.userData),
      wire.array(s.ownedPartitions, (tp) =>
        Buffer.concat([wire.string(tp.topic), wire.array(tp.partitions, wire.int32)]),
      ),
      wire.int32(7),
      wire.string('rack-a'),
    ]);
    const ours = encodeSubscription(s);
    expect(ours).toEqual(expected);
    expect(MemberMetadata.decode(ours)).toMatchObject({ version: 3, topics: s.topics, userData: s.userData });
    expect(decodeSubscription(ours)).toEqual({ ...s, version: 3 });
  });

  test('each version writes only its fields; missing ones read as the spec defaults', () => {
    const s = subscription({ userData: null });
    const prefix = [wire.array(s.topics, wire.string), wire.bytes(null)];
    const owned = wire.array(s.ownedPartitions, (tp) =>
      Buffer.concat([wire.string(tp.topic), wire.array(tp.partitions, wire.int32)]),
    );
    expect(encodeSubscription(s, 0)).toEqual(Buffer.concat([wire.int16(0), ...prefix]));
    expect(encodeSubscription(s, 1)).toEqual(Buffer.concat([wire.int16(1), ...prefix, owned]));
    expect(encodeSubscription(s, 2)).toEqual(Buffer.concat([wire.int16(2), ...prefix, owned, wire.int32(7)]));
    expect(decodeSubscription(encodeSubscription(s, 0))).toEqual({
      ...s,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
      version: 0,
    });
    expect(decodeSubscription(encodeSubscription(s, 2))).toEqual({ ...s, rackId: null, version: 2 });
  });

  test('a newer version is read with the v3 format, trailing fields ignored', () => {
    const v3 = encodeSubscription(subscription());
    const v9 = Buffer.concat([wire.int16(9), v3.subarray(2), wire.int32(42)]);
    expect(decodeSubscription(v9)).toEqual({ ...subscription(), version: 9 });
  });

  test('truncated bytes and negative versions are ERR_INVALID_REQUEST', () => {
    const v3 = encodeSubscription(subscription());
    for (const bad of [
      v3.subarray(0, 1),
      v3.subarray(0, v3.length - 3),
      Buffer.concat([wire.int16(-1), v3.subarray(2)]),
    ]) {
      expect(() => decodeSubscription(bad)).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }));
    }
    let error: unknown;
    try {
      encodeSubscription(subscription(), 4);
    } catch (e) {
      error = e;
    }
    expect(isTributaryError(error, 'ERR_INVALID_REQUEST')).toBe(true);
  });
});

describe('ConsumerProtocolAssignment', () => {
  const assignment: ConsumerProtocolAssignment = {
    assignedPartitions: [
      { topic: 'orders', partitions: [3, 1] },
      { topic: 'audit', partitions: [0] },
    ],
    userData: Buffer.from('x'),
  };

  test('bytes equal kafkajs MemberAssignment at every version (the struct is the same in 0-3), both ways', () => {
    const byTopic = { orders: [3, 1], audit: [0] };
    for (let version = 0; version <= 3; version++) {
      const ours = encodeAssignment(assignment, version);
      expect(ours).toEqual(MemberAssignment.encode({ version, assignment: byTopic, userData: assignment.userData }));
      expect(MemberAssignment.decode(ours)).toEqual({ version, assignment: byTopic, userData: assignment.userData });
      expect(decodeAssignment(ours)).toEqual({ ...assignment, version });
    }
  });

  test('null user data, and an empty buffer (what a member the leader left out receives) is no partitions', () => {
    const ours = encodeAssignment({ assignedPartitions: [], userData: null });
    expect(ours).toEqual(Buffer.concat([wire.int16(3), wire.int32(0), wire.int32(-1)]));
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({ assignedPartitions: [], userData: null, version: 0 });
  });
});
