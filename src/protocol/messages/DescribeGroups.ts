import { api, field, structs } from '../Schema.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './Common.js';

export const DescribeGroups = api('DescribeGroups', 15, {
  validVersions: '0-5',
  flexibleVersions: '5+',
  request: [field('groups', '[]string'), field('includeAuthorizedOperations', 'bool', '3+')],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    structs('groups', '0+', [
      field('errorCode', 'int16'),
      field('groupId', 'string'),
      field('groupState', 'string'),
      field('protocolType', 'string'),
      field('protocolData', 'string'),
      structs('members', '0+', [
        field('memberId', 'string'),
        field('groupInstanceId', 'string', '4+', { nullableVersions: '4+', default: null }),
        field('clientId', 'string'),
        field('clientHost', 'string'),
        field('memberMetadata', 'bytes'),
        field('memberAssignment', 'bytes'),
      ]),
      field('authorizedOperations', 'int32', '3+', { default: AUTHORIZED_OPERATIONS_OMITTED }),
    ]),
  ],
});
