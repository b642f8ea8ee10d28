import { api, field, struct, structs } from '../Schema.js';
import { currentLeader } from './Common.js';

/** Up to v12: v13+ name topics by id only. */
export const Fetch = api('Fetch', 1, {
  validVersions: '0-12',
  flexibleVersions: '12+',
  request: [
    field('clusterId', 'string', '12+', { nullableVersions: '12+', taggedVersions: '12+', tag: 0, default: null }),
    field('replicaId', 'int32', '0-14', { default: -1 }),
    field('maxWaitMs', 'int32'),
    field('minBytes', 'int32'),
    field('maxBytes', 'int32', '3+', { default: 0x7fffffff }),
    field('isolationLevel', 'int8', '4+', { default: 0 }),
    field('sessionId', 'int32', '7+', { default: 0 }),
    field('sessionEpoch', 'int32', '7+', { default: -1 }),
    structs('topics', '0+', [
      field('topic', 'string', '0-12'),
      structs('partitions', '0+', [
        field('partition', 'int32'),
        field('currentLeaderEpoch', 'int32', '9+', { default: -1 }),
        field('fetchOffset', 'int64'),
        field('lastFetchedEpoch', 'int32', '12+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        field('partitionMaxBytes', 'int32'),
      ]),
    ]),
    structs('forgottenTopicsData', '7+', [field('topic', 'string', '7-12'), field('partitions', '[]int32', '7+')]),
    field('rackId', 'string', '11+', { default: '' }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '7+'),
    field('sessionId', 'int32', '7+', { default: 0 }),
    structs('responses', '0+', [
      field('topic', 'string', '0-12'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('errorCode', 'int16'),
        field('highWatermark', 'int64'),
        field('lastStableOffset', 'int64', '4+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        struct(
          'divergingEpoch',
          '12+',
          [field('epoch', 'int32', '12+', { default: -1 }), field('endOffset', 'int64', '12+', { default: -1 })],
          { taggedVersions: '12+', tag: 0 },
        ),
        currentLeader('12+', 1),
        struct(
          'snapshotId',
          '12+',
          [field('endOffset', 'int64', '0+', { default: -1 }), field('epoch', 'int32', '0+', { default: -1 })],
          { taggedVersions: '12+', tag: 2 },
        ),
        structs(
          'abortedTransactions',
          '4+',
          [field('producerId', 'int64', '4+'), field('firstOffset', 'int64', '4+')],
          {
            nullableVersions: '4+',
          },
        ),
        field('preferredReadReplica', 'int32', '11+', { default: -1 }),
        field('records', 'records', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
});
