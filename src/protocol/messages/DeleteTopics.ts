import { api, field, structs } from '../Schema.js';

export const DeleteTopics = api('DeleteTopics', 20, {
  validVersions: '0-6',
  flexibleVersions: '4+',
  request: [
    structs('topics', '6+', [
      field('name', 'string', '6+', { nullableVersions: '6+', default: null }),
      field('topicId', 'uuid', '6+'),
    ]),
    field('topicNames', '[]string', '0-5'),
    field('timeoutMs', 'int32'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    structs('responses', '0+', [
      field('name', 'string', '0+', { nullableVersions: '6+' }),
      field('topicId', 'uuid', '6+'),
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '5+', { nullableVersions: '5+', default: null }),
    ]),
  ],
});
