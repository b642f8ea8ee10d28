import { api, field, structs } from '../Schema.js';

/** UpdateMetadataPartitionState (a commonStruct): what the metadata cache keeps of a partition. */
const PARTITION_STATE = [
  field('topicName', 'string', '0-4'),
  field('partitionIndex', 'int32'),
  field('controllerEpoch', 'int32'),
  field('leader', 'int32'),
  field('leaderEpoch', 'int32'),
  field('isr', '[]int32'),
  field('zkVersion', 'int32'),
  field('replicas', '[]int32'),
  field('offlineReplicas', '[]int32', '4+'),
] as const;

/**
 * Sent by the controller (ZooKeeper mode) to every live broker: the live brokers, their
 * endpoints and racks, and the partitions' states, which each broker's metadata cache keeps
 * to answer Metadata. Listener: zkBroker.
 */
export const UpdateMetadata = api('UpdateMetadata', 6, {
  validVersions: '0-8',
  flexibleVersions: '6+',
  request: [
    field('controllerId', 'int32'),
    field('isKRaftController', 'bool', '8+'),
    // Full (2), Incremental (1) or Unknown (0), for the ZooKeeper migration (KIP-866).
    field('type', 'int8', '8+', { taggedVersions: '8+', tag: 0 }),
    field('controllerEpoch', 'int32'),
    field('brokerEpoch', 'int64', '5+', { default: -1 }),
    structs('ungroupedPartitionStates', '0-4', PARTITION_STATE),
    structs('topicStates', '5+', [
      field('topicName', 'string', '5+'),
      field('topicId', 'uuid', '7+'),
      structs('partitionStates', '5+', PARTITION_STATE),
    ]),
    structs('liveBrokers', '0+', [
      field('id', 'int32'),
      field('v0Host', 'string', '0'),
      field('v0Port', 'int32', '0'),
      structs('endpoints', '1+', [
        field('port', 'int32', '1+'),
        field('host', 'string', '1+'),
        field('listener', 'string', '3+'),
        field('securityProtocol', 'int16', '1+'),
      ]),
      field('rack', 'string', '2+', { nullableVersions: '0+' }),
    ]),
  ],
  response: [field('errorCode', 'int16')],
});
