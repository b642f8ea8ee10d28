import { api, field, structs } from '../Schema.js';

/**
 * Sent by the controller (ZooKeeper mode) to stop replicas, and with deletePartition to
 * delete their logs (a deleted topic, a reassignment away). Listener: zkBroker.
 */
export const StopReplica = api('StopReplica', 5, {
  validVersions: '0-4',
  flexibleVersions: '2+',
  request: [
    field('controllerId', 'int32'),
    field('isKRaftController', 'bool', '4+'),
    field('controllerEpoch', 'int32'),
    field('brokerEpoch', 'int64', '1+', { default: -1 }),
    field('deletePartitions', 'bool', '0-2'),
    structs('ungroupedPartitions', '0', [field('topicName', 'string', '0'), field('partitionIndex', 'int32', '0')]),
    structs('topics', '1-2', [field('name', 'string', '1-2'), field('partitionIndexes', '[]int32', '1-2')]),
    structs('topicStates', '3+', [
      field('topicName', 'string', '3+'),
      structs('partitionStates', '3+', [
        field('partitionIndex', 'int32', '3+'),
        field('leaderEpoch', 'int32', '3+', { default: -1 }),
        field('deletePartition', 'bool', '3+'),
      ]),
    ]),
  ],
  response: [
    field('errorCode', 'int16'),
    structs('partitionErrors', '0+', [
      field('topicName', 'string'),
      field('partitionIndex', 'int32'),
      field('errorCode', 'int16'),
    ]),
  ],
});
