import { api, field, structs } from '../Schema.js';

export const DescribeTransactions = api('DescribeTransactions', 65, {
  validVersions: '0',
  flexibleVersions: '0+',
  request: [field('transactionalIds', '[]string')],
  response: [
    field('throttleTimeMs', 'int32'),
    structs('transactionStates', '0+', [
      field('errorCode', 'int16'),
      field('transactionalId', 'string'),
      field('transactionState', 'string'),
      field('transactionTimeoutMs', 'int32'),
      field('transactionStartTimeMs', 'int64'),
      field('producerId', 'int64'),
      field('producerEpoch', 'int16'),
      structs('topics', '0+', [field('topic', 'string'), field('partitions', '[]int32')]),
    ]),
  ],
});
