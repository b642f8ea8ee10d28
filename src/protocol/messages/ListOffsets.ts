import { api, field, structs } from '../Schema.js';

/** Up to v7 (max timestamp, KIP-734); v8+ list tiered-storage offsets. */
export const ListOffsets = api('ListOffsets', 2, {
  validVersions: '0-7',
  flexibleVersions: '6+',
  request: [
    field('replicaId', 'int32'),
    field('isolationLevel', 'int8', '2+'),
    structs('topics', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('currentLeaderEpoch', 'int32', '4+', { default: -1 }),
        field('timestamp', 'int64'),
        field('maxNumOffsets', 'int32', '0', { default: 1 }),
      ]),
    ]),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    structs('topics', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('errorCode', 'int16'),
        field('oldStyleOffsets', '[]int64', '0'),
        field('timestamp', 'int64', '1+', { default: -1 }),
        field('offset', 'int64', '1+', { default: -1 }),
        field('leaderEpoch', 'int32', '4+', { default: -1 }),
      ]),
    ]),
  ],
});
