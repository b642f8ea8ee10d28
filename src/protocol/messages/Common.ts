/** Values and structs that several messages share (Kafka's commonStructs). */
import { field, struct, structs } from '../Schema.js';

/** Integer.MIN_VALUE: authorized operations were not asked for. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** LeaderIdAndEpoch, a tagged hint of the current leader (KIP-951). */
export function currentLeader<const V extends string>(versions: V, tag: number) {
  return struct(
    'currentLeader',
    versions,
    [field('leaderId', 'int32', versions, { default: -1 }), field('leaderEpoch', 'int32', versions, { default: -1 })],
    { taggedVersions: versions, tag },
  );
}

/** The response of AlterConfigs and IncrementalAlterConfigs: one result per resource. */
export const ALTER_CONFIGS_RESPONSE = [
  field('throttleTimeMs', 'int32'),
  structs('responses', '0+', [
    field('errorCode', 'int16'),
    field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    field('resourceType', 'int8'),
    field('resourceName', 'string'),
  ]),
] as const;

/** Who a group request comes from: Heartbeat and SyncGroup open with these. */
export const GENERATION_MEMBER = [
  field('groupId', 'string'),
  field('generationId', 'int32'),
  field('memberId', 'string'),
  field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
] as const;
