import { api, field, structs } from '../Schema.js';

export const DeleteRecords = api('DeleteRecords', 21, {
  validVersions: '0-2',
  flexibleVersions: '2+',
  request: [
    structs('topics', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [field('partitionIndex', 'int32'), field('offset', 'int64')]),
    ]),
    field('timeoutMs', 'int32'),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    structs('topics', '0+', [
      field('name', 'string'),
      structs('partitions', '0+', [
        field('partitionIndex', 'int32'),
        field('lowWatermark', 'int64'),
        field('errorCode', 'int16'),
      ]),
    ]),
  ],
});
