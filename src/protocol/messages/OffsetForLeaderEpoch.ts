import { api, field, structs } from '../Schema.js';

/** Where a leader epoch ends on the leader (KIP-101, KIP-279; consumers use it to detect truncation, KIP-320). */
export const OffsetForLeaderEpoch = api('OffsetForLeaderEpoch', 23, {
  validVersions: '0-4',
  flexibleVersions: '4+',
  request: [
    field('replicaId', 'int32', '3+', { default: -2 }),
    structs('topics', '0+', [
      field('topic', 'string'),
      structs('partitions', '0+', [
        field('partition', 'int32'),
        field('currentLeaderEpoch', 'int32', '2+', { default: -1 }),
        field('leaderEpoch', 'int32'),
      ]),
    ]),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    structs('topics', '0+', [
      field('topic', 'string'),
      structs('partitions', '0+', [
        field('errorCode', 'int16'),
        field('partition', 'int32'),
        field('leaderEpoch', 'int32', '1+', { default: -1 }),
        field('endOffset', 'int64', '0+', { default: -1 }),
      ]),
    ]),
  ],
});
