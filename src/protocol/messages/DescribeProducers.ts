import { api, field, structs } from '../Schema.js';

/** Kafka's DescribeProducersRequest/Response.json (KIP-664), v0. */
export const DescribeProducers = api('DescribeProducers', 61, {
  validVersions: '0',
  flexibleVersions: '0+',
  request: [structs('topics', '0+', [field('name', 'string'), field('partitionIndexes', '[]int32')])],
  response: [
    field('throttleTimeMs', 'int32'),
    structs('topics', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
        structs('activeProducers', '0+', [
          field('producerId', 'int64'),
          field('producerEpoch', 'int32'),
          field('lastSequence', 'int32', '0+', { default: -1 }),
          field('lastTimestamp', 'int64', '0+', { default: -1 }),
          field('coordinatorEpoch', 'int32'),
          field('currentTxnStartOffset', 'int64', '0+', { default: -1 }),
        ]),
      ]),
    ]),
  ],
});
