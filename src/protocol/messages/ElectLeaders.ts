import { api, field, structs } from '../Schema.js';

/**
 * Elects the leaders of partitions (KIP-183; v1 adds the election type, KIP-460: 0 the
 * preferred replica, 1 unclean). Null topicPartitions asks for every partition.
 */
export const ElectLeaders = api('ElectLeaders', 43, {
  validVersions: '0-2',
  flexibleVersions: '2+',
  request: [
    field('electionType', 'int8', '1+'),
    structs('topicPartitions', '0+', [field('topic', 'string'), field('partitions', '[]int32')], {
      nullableVersions: '0+',
    }),
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    field('errorCode', 'int16', '1+'),
    structs('replicaElectionResults', '0+', [
      field('topic', 'string'),
      structs('partitionResult', '0+', [
        field('partitionId', 'int32'),
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
});
