import { api, field, structs } from '../Schema.js';

export const LeaveGroup = api('LeaveGroup', 13, {
  validVersions: '0-5',
  flexibleVersions: '4+',
  request: [
    field('groupId', 'string'),
    field('memberId', 'string', '0-2'),
    structs('members', '3+', [
      field('memberId', 'string', '3+'),
      field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
      field('reason', 'string', '5+', { nullableVersions: '5+', default: null }),
    ]),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16'),
    structs('members', '3+', [
      field('memberId', 'string', '3+'),
      field('groupInstanceId', 'string', '3+', { nullableVersions: '3+' }),
      field('errorCode', 'int16', '3+'),
    ]),
  ],
});
