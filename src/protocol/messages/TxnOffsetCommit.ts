import { api, field, structs } from '../Schema.js';

/** v4 (KIP-890) only allows TRANSACTION_ABORTABLE in answers, which we never send. */
export const TxnOffsetCommit = api('TxnOffsetCommit', 28, {
  validVersions: '0-4',
  flexibleVersions: '3+',
  request: [
    field('transactionalId', 'string'),
    field('groupId', 'string'),
    field('producerId', 'int64'),
    field('producerEpoch', 'int16'),
    field('generationId', 'int32', '3+', { default: -1 }),
    field('memberId', 'string', '3+', { default: '' }),
    field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
    structs('topics', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('committedOffset', 'int64'),
        field('committedLeaderEpoch', 'int32', '2+', { default: -1 }),
        field('committedMetadata', 'string', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    structs('topics', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [field('partitionIndex', 'int32'), field('errorCode', 'int16')]),
    ]),
  ],
});
