import { api, field, structs } from '../Schema.js';

/** LeaderAndIsrPartitionState (a commonStruct): one partition's leader, epochs, ISR and replicas. */
const PARTITION_STATE = [
  field('topicName', 'string', '0-1'),
  field('partitionIndex', 'int32'),
  field('controllerEpoch', 'int32'),
  field('leader', 'int32'),
  field('leaderEpoch', 'int32'),
  field('isr', '[]int32'),
  field('partitionEpoch', 'int32'),
  field('replicas', '[]int32'),
  field('addingReplicas', '[]int32', '3+'),
  field('removingReplicas', '[]int32', '3+'),
  field('isNew', 'bool', '1+'),
  field('leaderRecoveryState', 'int8', '6+'),
] as const;

/** LeaderAndIsrPartitionError (a commonStruct). */
const PARTITION_ERROR = [
  field('topicName', 'string', '0-4'),
  field('partitionIndex', 'int32'),
  field('errorCode', 'int16'),
] as const;

/**
 * Sent by the controller (ZooKeeper mode) to the replicas of partitions whose leader or ISR
 * changed: each becomes the partition's leader or a follower. Listener: zkBroker.
 */
export const LeaderAndIsr = api('LeaderAndIsr', 4, {
  validVersions: '0-7',
  flexibleVersions: '4+',
  request: [
    field('controllerId', 'int32'),
    field('isKRaftController', 'bool', '7+'),
    field('controllerEpoch', 'int32'),
    field('brokerEpoch', 'int64', '2+', { default: -1 }),
    field('type', 'int8', '5+'),
    structs('ungroupedPartitionStates', '0-1', PARTITION_STATE),
    structs('topicStates', '2+', [
      field('topicName', 'string', '2+'),
      field('topicId', 'uuid', '5+'),
      structs('partitionStates', '2+', PARTITION_STATE),
    ]),
    structs('liveLeaders', '0+', [field('brokerId', 'int32'), field('hostName', 'string'), field('port', 'int32')]),
  ],
  response: [
    field('errorCode', 'int16'),
    structs('partitionErrors', '0-4', PARTITION_ERROR),
    structs('topics', '5+', [field('topicId', 'uuid', '5+'), structs('partitionErrors', '5+', PARTITION_ERROR)]),
  ],
});
