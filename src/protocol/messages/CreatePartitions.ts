import { api, field, structs } from '../Schema.js';

export const CreatePartitions = api('CreatePartitions', 37, {
  validVersions: '0-3',
  flexibleVersions: '2+',
  request: [
    structs('topics', '0+', [
      field('name', 'string'),
      field('count', 'int32'),
      structs('assignments', '0+', [field('brokerIds', '[]int32')], { nullableVersions: '0+' }),
    ]),
    field('timeoutMs', 'int32'),
    field('validateOnly', 'bool'),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    structs('results', '0+', [
      field('name', 'string'),
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
    ]),
  ],
});
