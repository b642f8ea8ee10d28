import { api, field, structs } from '../Schema.js';

/**
 * Sent by a partition's leader to the controller to change its ISR (KIP-497; v1 adds the
 * leader recovery state, KIP-704; v2 names topics by id, KIP-841; v3 gives each ISR member's
 * broker epoch, KIP-903). Listeners: zkBroker and controller.
 */
export const AlterPartition = api('AlterPartition', 56, {
  validVersions: '0-3',
  flexibleVersions: '0+',
  request: [
    field('brokerId', 'int32'),
    field('brokerEpoch', 'int64', '0+', { default: -1 }),
    structs('topics', '0+', [
      field('topicName', 'string', '0-1'),
      field('topicId', 'uuid', '2+'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('leaderEpoch', 'int32'),
        field('newIsr', '[]int32', '0-2'),
        structs('newIsrWithEpochs', '3+', [
          field('brokerId', 'int32', '3+'),
          field('brokerEpoch', 'int64', '3+', { default: -1 }),
        ]),
        field('leaderRecoveryState', 'int8', '1+'),
        field('partitionEpoch', 'int32'),
      ]),
    ]),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    field('errorCode', 'int16'),
    structs('topics', '0+', [
      field('topicName', 'string', '0-1'),
      field('topicId', 'uuid', '2+'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('errorCode', 'int16'),
        field('leaderId', 'int32'),
        field('leaderEpoch', 'int32'),
        field('isr', '[]int32'),
        field('leaderRecoveryState', 'int8', '1+'),
        field('partitionEpoch', 'int32'),
      ]),
    ]),
  ],
});
