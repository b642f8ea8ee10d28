import { api, field, structs } from '../Schema.js';

/** Sent by a transaction coordinator to the leaders of the transaction's partitions. */
export const WriteTxnMarkers = api('WriteTxnMarkers', 27, {
  validVersions: '0-1',
  flexibleVersions: '1+',
  request: [
    structs('markers', '0+', [
      field('producerId', 'int64'),
      field('producerEpoch', 'int16'),
      field('transactionResult', 'bool'),
      structs('topics', '0+', [field('name', 'string'), field('partitionIndexes', '[]int32')]),
      field('coordinatorEpoch', 'int32'),
    ]),
  ],
  response: [
    structs('markers', '0+', [
      field('producerId', 'int64'),
      structs('topics', '0+', [
        field('name', 'string'),
        structs('partitions', '0+', [field('partitionIndex', 'int32'), field('errorCode', 'int16')]),
      ]),
    ]),
  ],
});
