import { api, field, structs } from '../Schema.js';
import { GENERATION_MEMBER } from './Common.js';

export const SyncGroup = api('SyncGroup', 14, {
  validVersions: '0-5',
  flexibleVersions: '4+',
  request: [
    ...GENERATION_MEMBER,
    field('protocolType', 'string', '5+', { nullableVersions: '5+', default: null }),
    field('protocolName', 'string', '5+', { nullableVersions: '5+', default: null }),
    structs('assignments', '0+', [field('memberId', 'string'), field('assignment', 'bytes')]),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16'),
    field('protocolType', 'string', '5+', { nullableVersions: '5+', default: null }),
    field('protocolName', 'string', '5+', { nullableVersions: '5+', default: null }),
    field('assignment', 'bytes'),
  ],
});
