import { api, field, structs } from '../Schema.js';

/** Up to v8 (several groups at once); v9 is for the KIP-848 consumer group protocol. */
export const OffsetFetch = api('OffsetFetch', 9, {
  validVersions: '0-8',
  flexibleVersions: '6+',
  request: [
    field('groupId', 'string', '0-7'),
    structs('topics', '0-7', [field('name', 'string', '0-7'), field('partitionIndexes', '[]int32', '0-7')], { nullableVersions: '2-7' }),
    structs('groups', '8+', [
      field('groupId', 'string', '8+'),
      structs('topics', '8+', [field('name', 'string', '8+'), field('partitionIndexes', '[]int32', '8+')], { nullableVersions: '8+' }),
    ]),
    field('requireStable', 'bool', '7+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    structs('topics', '0-7', [
      field('name', 'string', '0-7'),
      structs('partitions', '0-7', [
        field('partitionIndex', 'int32', '0-7'),
        field('committedOffset', 'int64', '0-7'),
        field('committedLeaderEpoch', 'int32', '5-7', { default: -1 }),
        field('metadata', 'string', '0-7', { nullableVersions: '0-7' }),
        field('errorCode', 'int16', '0-7'),
      ]),
    ]),
    field('errorCode', 'int16', '2-7', { default: 0 }),
    structs('groups', '8+', [
      field('groupId', 'string', '8+'),
      structs('topics', '8+', [
        field('name', 'string', '8+'),
        structs('partitions', '8+', [
          field('partitionIndex', 'int32', '8+'),
          field('committedOffset', 'int64', '8+'),
          field('committedLeaderEpoch', 'int32', '8+', { default: -1 }),
          field('metadata', 'string', '8+', { nullableVersions: '8+' }),
          field('errorCode', 'int16', '8+'),
        ]),
      ]),
      field('errorCode', 'int16', '8+', { default: 0 }),
    ]),
  ],
});
