import { api, field } from '../Schema.js';

export const Heartbeat = api('Heartbeat', 12, {
  validVersions: '0-4',
  flexibleVersions: '4+',
  request: [
    field('groupId', 'string'),
    field('generationId', 'int32'),
    field('memberId', 'string'),
    field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
  ],
  response: [field('throttleTimeMs', 'int32', '1+'), field('errorCode', 'int16')],
});
