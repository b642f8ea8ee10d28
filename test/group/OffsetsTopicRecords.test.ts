/**
 * The `__consumer_offsets` records, checked byte by byte against Kafka's JSON specs
 * (group-coordinator/src/main/resources/common/message/*.json): every expected buffer
 * below is written out field by field from the spec, not produced by our encoder.
 */
import { describe, expect, test } from 'vitest';
import {
  groupMetadataKey,
  groupMetadataValue,
  offsetCommitKey,
  offsetCommitValue,
  readGroupMetadataValue,
  readOffsetCommitValue,
  readOffsetsTopicKey,
} from '../../src/group/OffsetsTopicRecords.js';

const hex = (...parts: string[]) => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');

describe('OffsetCommitKey', () => {
  // version 1 | group "g1" | topic "t" | partition 5
  const bytes = hex('0001', '0002 6731', '0001 74', '00000005');

  test('is written as version 1, then group, topic (int16-length strings) and partition (int32)', () => {
    expect(offsetCommitKey({ group: 'g1', topic: 't', partition: 5 })).toEqual(bytes);
  });

  test('reads back, and key version 0 (the same fields) too', () => {
    expect(readOffsetsTopicKey(bytes)).toEqual({ type: 'offsetCommit', group: 'g1', topic: 't', partition: 5 });
    expect(readOffsetsTopicKey(hex('0000', '0002 6731', '0001 74', '00000005'))).toEqual({
      type: 'offsetCommit',
      group: 'g1',
      topic: 't',
      partition: 5,
    });
  });
});

describe('OffsetCommitValue', () => {
  test('version 3: offset int64, leaderEpoch int32, metadata string, commitTimestamp int64', () => {
    const bytes = hex('0003', '000000000000012c', '00000007', '0001 6d', '0000018bcfe56800');
    const value = { offset: 300, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1700000000000, expireTimestamp: -1 };
    expect(offsetCommitValue(value)).toEqual(bytes);
    expect(readOffsetCommitValue(bytes)).toEqual(value);
  });

  test('version 1 when the commit has its own expiry: offset, metadata, commitTimestamp, expireTimestamp; no leader epoch', () => {
    const bytes = hex('0001', '000000000000012c', '0000', '0000018bcfe56800', '0000018bcfee8fc0');
    const value = {
      offset: 300,
      leaderEpoch: -1,
      metadata: '',
      commitTimestamp: 1700000000000,
      expireTimestamp: 1700000600000,
    };
    expect(offsetCommitValue(value)).toEqual(bytes);
    expect(readOffsetCommitValue(bytes)).toEqual(value);
  });

  test('version 4 (flexible: compact string, tagged fields, unknown tags skipped) reads', () => {
    // offset | leaderEpoch | metadata compact "ab" (length+1 = 3) | commitTimestamp | 1 tagged field: tag 9, 2 bytes
    const bytes = hex('0004', '0000000000000001', 'ffffffff', '03 6162', '0000018bcfe56800', '01 09 02 abcd');
    expect(readOffsetCommitValue(bytes)).toEqual({
      offset: 1,
      leaderEpoch: -1,
      metadata: 'ab',
      commitTimestamp: 1700000000000,
      expireTimestamp: -1,
    });
  });
});

describe('GroupMetadataKey and GroupMetadataValue', () => {
  test('the key is version 2 and the group id', () => {
    const bytes = hex('0002', '0003 677270');
    expect(groupMetadataKey('grp')).toEqual(bytes);
    expect(readOffsetsTopicKey(bytes)).toEqual({ type: 'groupMetadata', group: 'grp' });
  });

  test('keys of record types this coordinator does not keep read as null', () => {
    expect(readOffsetsTopicKey(hex('0003', '0003 677270'))).toBeNull();
  });

  test('value version 3, field by field', () => {
    const bytes = hex(
      '0003',
      '0008 636f6e73756d6572', // protocolType "consumer"
      '00000002', // generation
      '0005 72616e6765', // protocol "range"
      '0001 6d', // leader "m"
      '0000018bcfe56800', // currentStateTimestamp
      '00000001', // one member
      '0001 6d', // memberId "m"
      'ffff', // groupInstanceId null
      '0001 63', // clientId "c"
      '0002 2f68', // clientHost "/h"
      '00007530', // rebalanceTimeout 30000
      '00002710', // sessionTimeout 10000
      '00000002 0102', // subscription
      '00000001 03', // assignment
    );
    const value = {
      protocolType: 'consumer',
      generation: 2,
      protocol: 'range',
      leader: 'm',
      currentStateTimestamp: 1700000000000,
      members: [
        {
          memberId: 'm',
          groupInstanceId: null,
          clientId: 'c',
          clientHost: '/h',
          rebalanceTimeout: 30000,
          sessionTimeout: 10000,
          subscription: Buffer.from([1, 2]),
          assignment: Buffer.from([3]),
        },
      ],
    };
    expect(groupMetadataValue(value)).toEqual(bytes);
    expect(readGroupMetadataValue(bytes)).toEqual(value);
  });

  test('an empty group: null protocol and leader, no members', () => {
    const bytes = hex('0003', '0000', '00000005', 'ffff', 'ffff', '0000018bcfe56800', '00000000');
    const value = {
      protocolType: '',
      generation: 5,
      protocol: null,
      leader: null,
      currentStateTimestamp: 1700000000000,
      members: [],
    };
    expect(groupMetadataValue(value)).toEqual(bytes);
    expect(readGroupMetadataValue(bytes)).toEqual(value);
  });

  test('value version 0 (no rebalance timeout, state timestamp or instance id) reads with their defaults', () => {
    const bytes = hex(
      '0000',
      '0008 636f6e73756d6572',
      '00000001',
      '0005 72616e6765',
      '0001 6d',
      '00000001',
      '0001 6d',
      '0001 63',
      '0002 2f68',
      '00002710',
      '00000000',
      '00000000',
    );
    expect(readGroupMetadataValue(bytes)).toEqual({
      protocolType: 'consumer',
      generation: 1,
      protocol: 'range',
      leader: 'm',
      currentStateTimestamp: -1,
      members: [
        {
          memberId: 'm',
          groupInstanceId: null,
          clientId: 'c',
          clientHost: '/h',
          rebalanceTimeout: -1,
          sessionTimeout: 10000,
          subscription: Buffer.alloc(0),
          assignment: Buffer.alloc(0),
        },
      ],
    });
  });
});
