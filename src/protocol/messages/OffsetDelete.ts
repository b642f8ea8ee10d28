import { api, field, structs } from '../Schema.js';

export const OffsetDelete = api('OffsetDelete', 47, {
  validVersions: '0',
  flexibleVersions: 'none',
  request: [
    field('groupId', 'string'),
    structs('topics', '0+', [field('name', 'string'), structs('partitions', '0+', [field('partitionIndex', 'int32')])]),
  ],
  response: [
    field('errorCode', 'int16'),
    field('throttleTimeMs', 'int32'),
    structs('topics', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [field('partitionIndex', 'int32'), field('errorCode', 'int16')]),
    ]),
  ],
});
