/**
 * The records of `__consumer_offsets`, byte for byte as Kafka writes them
 * (group-coordinator/src/main/resources/common/message/{OffsetCommit,GroupMetadata}{Key,Value}.json):
 * a key or value is an int16 version followed by the struct at that version. Key
 * versions 0 and 1 are offset commits, 2 is group metadata; a null value is a tombstone.
 */
import { readMessage } from '../protocol/MessageCodec.js';
import type { DataOf } from '../protocol/MessageTypes.js';
import { data, field, structs } from '../protocol/Schema.js';
import { readVersionPrefixed, toVersionPrefixedBytes as encode, versionPrefix } from '../protocol/VersionPrefixed.js';

export const OffsetCommitKey = data('OffsetCommitKey', '0-1', 'none', [
  field('group', 'string', '0-1'),
  field('topic', 'string', '0-1'),
  field('partition', 'int32', '0-1'),
]);

export const OffsetCommitValue = data('OffsetCommitValue', '0-4', '4+', [
  field('offset', 'int64'),
  field('leaderEpoch', 'int32', '3+', { default: -1 }),
  field('metadata', 'string'),
  field('commitTimestamp', 'int64'),
  field('expireTimestamp', 'int64', '1', { default: -1 }),
]);

export const GroupMetadataKey = data('GroupMetadataKey', '2', 'none', [field('group', 'string', '2')]);

export const GroupMetadataValue = data('GroupMetadataValue', '0-4', '4+', [
  field('protocolType', 'string'),
  field('generation', 'int32'),
  field('protocol', 'string', '0+', { nullableVersions: '0+' }),
  field('leader', 'string', '0+', { nullableVersions: '0+' }),
  field('currentStateTimestamp', 'int64', '2+', { default: -1 }),
  structs('members', '0+', [
    field('memberId', 'string'),
    field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
    field('clientId', 'string'),
    field('clientHost', 'string'),
    field('rebalanceTimeout', 'int32', '1+', { default: -1 }),
    field('sessionTimeout', 'int32'),
    field('subscription', 'bytes'),
    field('assignment', 'bytes'),
  ]),
]);

/** The versions we write: Kafka's current non-flexible ones (value v1 only for commits with their own retention). */
export const OFFSET_COMMIT_KEY_VERSION = 1;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
export const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
export const GROUP_METADATA_VALUE_VERSION = 3;

export type OffsetCommitKeyData = DataOf<typeof OffsetCommitKey>;
export type OffsetCommitValueData = DataOf<typeof OffsetCommitValue>;
export type GroupMetadataValueData = DataOf<typeof GroupMetadataValue>;
export type GroupMetadataMemberData = GroupMetadataValueData['members'][number];

export type OffsetsTopicKey =
  ({ type: 'offsetCommit' } & OffsetCommitKeyData) | { type: 'groupMetadata'; group: string };

export function offsetCommitKey(key: OffsetCommitKeyData): Buffer {
  return encode(OffsetCommitKey, OFFSET_COMMIT_KEY_VERSION, key);
}

export function offsetCommitValue(value: OffsetCommitValueData): Buffer {
  const version = value.expireTimestamp === -1 ? OFFSET_COMMIT_VALUE_VERSION : OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY;
  return encode(OffsetCommitValue, version, value);
}

export function groupMetadataKey(group: string): Buffer {
  return encode(GroupMetadataKey, GROUP_METADATA_KEY_VERSION, { group });
}

export function groupMetadataValue(value: GroupMetadataValueData): Buffer {
  return encode(GroupMetadataValue, GROUP_METADATA_VALUE_VERSION, value);
}

/** The key's type and fields; null for a record type this coordinator does not keep (newer group types). */
export function readOffsetsTopicKey(bytes: Buffer): OffsetsTopicKey | null {
  const { version, reader } = versionPrefix(bytes);
  if (version === 0 || version === 1) return { type: 'offsetCommit', ...readMessage(OffsetCommitKey, version, reader) };
  if (version === GROUP_METADATA_KEY_VERSION)
    return { type: 'groupMetadata', group: readMessage(GroupMetadataKey, version, reader).group };
  return null;
}

export function readOffsetCommitValue(bytes: Buffer): OffsetCommitValueData {
  return readVersionPrefixed(OffsetCommitValue, bytes);
}

export function readGroupMetadataValue(bytes: Buffer): GroupMetadataValueData {
  return readVersionPrefixed(GroupMetadataValue, bytes);
}
