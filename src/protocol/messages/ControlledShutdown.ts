import { api, field, structs } from '../Schema.js';

/**
 * Sent by a broker shutting down to the controller, which moves its leaderships away first
 * and answers with the partitions it still leads. v0's request header has no client id.
 */
export const ControlledShutdown = api('ControlledShutdown', 7, {
  validVersions: '0-3',
  flexibleVersions: '3+',
  request: [field('brokerId', 'int32'), field('brokerEpoch', 'int64', '2+', { default: -1 })],
  response: [
    field('errorCode', 'int16'),
    structs('remainingPartitions', '0+', [field('topicName', 'string'), field('partitionIndex', 'int32')]),
  ],
});
