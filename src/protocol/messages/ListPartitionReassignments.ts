import { api, field, structs } from '../Schema.js';

/** The reassignments in progress (KIP-455), of the partitions named or (null topics) all; the controller's. */
export const ListPartitionReassignments = api('ListPartitionReassignments', 46, {
  validVersions: '0',
  flexibleVersions: '0+',
  request: [
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
    structs('topics', '0+', [field('name', 'string'), field('partitionIndexes', '[]int32')], {
      nullableVersions: '0+',
      default: null,
    }),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    field('errorCode', 'int16'),
    field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    structs('topics', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('replicas', '[]int32'),
        field('addingReplicas', '[]int32'),
        field('removingReplicas', '[]int32'),
      ]),
    ]),
  ],
});
