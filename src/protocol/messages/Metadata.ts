import { api, field, structs } from '../Schema.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './Common.js';

export const Metadata = api('Metadata', 3, {
  validVersions: '0-12',
  flexibleVersions: '9+',
  request: [
    structs(
      'topics',
      '0+',
      [field('topicId', 'uuid', '10+'), field('name', 'string', '0+', { nullableVersions: '10+' })],
      {
        nullableVersions: '1+',
      },
    ),
    field('allowAutoTopicCreation', 'bool', '4+', { default: true }),
    field('includeClusterAuthorizedOperations', 'bool', '8-10'),
    field('includeTopicAuthorizedOperations', 'bool', '8+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    structs('brokers', '0+', [
      field('nodeId', 'int32'),
      field('host', 'string'),
      field('port', 'int32'),
      field('rack', 'string', '1+', { nullableVersions: '1+', default: null }),
    ]),
    field('clusterId', 'string', '2+', { nullableVersions: '2+', default: null }),
    field('controllerId', 'int32', '1+', { default: -1 }),
    structs('topics', '0+', [
      field('errorCode', 'int16'),
      field('name', 'string', '0+', { nullableVersions: '12+' }),
      field('topicId', 'uuid', '10+'),
      field('isInternal', 'bool', '1+', { default: false }),
      structs('partitions', '0+', [
        field('errorCode', 'int16'),
        field('partitionIndex', 'int32'),
        field('leaderId', 'int32'),
        field('leaderEpoch', 'int32', '7+', { default: -1 }),
        field('replicaNodes', '[]int32'),
        field('isrNodes', '[]int32'),
        field('offlineReplicas', '[]int32', '5+'),
      ]),
      field('topicAuthorizedOperations', 'int32', '8+', { default: AUTHORIZED_OPERATIONS_OMITTED }),
    ]),
    field('clusterAuthorizedOperations', 'int32', '8-10', { default: AUTHORIZED_OPERATIONS_OMITTED }),
  ],
});
