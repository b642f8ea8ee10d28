import { api, field, structs } from '../Schema.js';

/** Starts, replaces or (null replicas) cancels partition reassignments (KIP-455); the controller's. */
export const AlterPartitionReassignments = api('AlterPartitionReassignments', 45, {
  validVersions: '0',
  flexibleVersions: '0+',
  request: [
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
    structs('topics', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('replicas', '[]int32', '0+', { nullableVersions: '0+', default: null }),
      ]),
    ]),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    field('errorCode', 'int16'),
    field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    structs('responses', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
});
