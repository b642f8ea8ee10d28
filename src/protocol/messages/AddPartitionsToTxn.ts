import { api, field, structs } from '../Schema.js';

/**
 * Up to v3, what clients send. v4+ (KIP-890) batch several transactions and are sent
 * broker to broker to verify a produce is in its transaction: not served.
 */
export const AddPartitionsToTxn = api('AddPartitionsToTxn', 24, {
  validVersions: '0-3',
  flexibleVersions: '3+',
  request: [
    field('v3AndBelowTransactionalId', 'string', '0-3'),
    field('v3AndBelowProducerId', 'int64', '0-3'),
    field('v3AndBelowProducerEpoch', 'int16', '0-3'),
    structs('v3AndBelowTopics', '0-3', [field('name', 'string'), field('partitions', '[]int32')]),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    structs('resultsByTopicV3AndBelow', '0-3', [
      field('name', 'string'),
      structs('resultsByPartition', '0+', [field('partitionIndex', 'int32'), field('partitionErrorCode', 'int16')]),
    ]),
  ],
});
