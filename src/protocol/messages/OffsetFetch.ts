import { api, field, structs } from '../Schema.js';

/** One topic's committed offsets: v0-7 list topics at the top, v8+ per group. */
function committedPartitions<const V extends string, const E extends string>(versions: V, leaderEpochVersions: E) {
  return structs('partitions', versions, [
    field('partitionIndex', 'int32', versions),
    field('committedOffset', 'int64', versions),
    field('committedLeaderEpoch', 'int32', leaderEpochVersions, { default: -1 }),
    field('metadata', 'string', versions, { nullableVersions: versions }),
    field('errorCode', 'int16', versions),
  ]);
}

/** Up to v8 (several groups at once); v9 is for the KIP-848 consumer group protocol. */
export const OffsetFetch = api('OffsetFetch', 9, {
  validVersions: '0-8',
  flexibleVersions: '6+',
  request: [
    field('groupId', 'string', '0-7'),
    structs('topics', '0-7', [field('name', 'string', '0-7'), field('partitionIndexes', '[]int32', '0-7')], {
      nullableVersions: '2-7',
    }),
    structs('groups', '8+', [
      field('groupId', 'string', '8+'),
      structs('topics', '8+', [field('name', 'string', '8+'), field('partitionIndexes', '[]int32', '8+')], {
        nullableVersions: '8+',
      }),
    ]),
    field('requireStable', 'bool', '7+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    structs('topics', '0-7', [field('name', 'string', '0-7'), committedPartitions('0-7', '5-7')]),
    field('errorCode', 'int16', '2-7', { default: 0 }),
    structs('groups', '8+', [
      field('groupId', 'string', '8+'),
      structs('topics', '8+', [field('name', 'string', '8+'), committedPartitions('8+', '8+')]),
      field('errorCode', 'int16', '8+', { default: 0 }),
    ]),
  ],
});
