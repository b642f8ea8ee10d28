import { api, field, structs } from '../Schema.js';

export const JoinGroup = api('JoinGroup', 11, {
  validVersions: '0-9',
  flexibleVersions: '6+',
  request: [
    field('groupId', 'string'),
    field('sessionTimeoutMs', 'int32'),
    field('rebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
    field('memberId', 'string'),
    field('groupInstanceId', 'string', '5+', { nullableVersions: '5+', default: null }),
    field('protocolType', 'string'),
    structs('protocols', '0+', [field('name', 'string'), field('metadata', 'bytes')]),
    field('reason', 'string', '8+', { nullableVersions: '8+', default: null }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    field('errorCode', 'int16'),
    field('generationId', 'int32', '0+', { default: -1 }),
    field('protocolType', 'string', '7+', { nullableVersions: '7+', default: null }),
    field('protocolName', 'string', '0+', { nullableVersions: '7+' }),
    field('leader', 'string'),
    field('skipAssignment', 'bool', '9+', { default: false }),
    field('memberId', 'string'),
    structs('members', '0+', [
      field('memberId', 'string'),
      field('groupInstanceId', 'string', '5+', { nullableVersions: '5+', default: null }),
      field('metadata', 'bytes'),
    ]),
  ],
});
