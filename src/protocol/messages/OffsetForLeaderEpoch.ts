import { api, field, structs } from '../Schema.js';

/**
 * Kafka's OffsetForLeaderEpochRequest/Response.json (KIP-101, KIP-279, KIP-320), v0-4: a
 * follower (replicaId >= 0, v3+) or a consumer (-1) asks where a leader epoch ends in the
 * leader's log, to truncate what diverged.
 */
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
