import { api, field, structs } from '../Schema.js';

export const CreateTopics = api('CreateTopics', 19, {
  validVersions: '0-7',
  flexibleVersions: '5+',
  request: [
    structs('topics', '0+', [
      field('name', 'string'),
      field('numPartitions', 'int32'),
      field('replicationFactor', 'int16'),
      structs('assignments', '0+', [field('partitionIndex', 'int32'), field('brokerIds', '[]int32')]),
      structs('configs', '0+', [field('name', 'string'), field('value', 'string', '0+', { nullableVersions: '0+' })]),
    ]),
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
    field('validateOnly', 'bool', '1+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    structs('topics', '0+', [
      field('name', 'string'),
      field('topicId', 'uuid', '7+'),
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '1+', { nullableVersions: '0+' }),
      field('topicConfigErrorCode', 'int16', '5+', { taggedVersions: '5+', tag: 0 }),
      field('numPartitions', 'int32', '5+', { default: -1 }),
      field('replicationFactor', 'int16', '5+', { default: -1 }),
      structs(
        'configs',
        '5+',
        [
          field('name', 'string', '5+'),
          field('value', 'string', '5+', { nullableVersions: '5+' }),
          field('readOnly', 'bool', '5+'),
          field('configSource', 'int8', '5+', { default: -1 }),
          field('isSensitive', 'bool', '5+'),
        ],
        { nullableVersions: '5+' },
      ),
    ]),
  ],
});
