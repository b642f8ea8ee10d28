import { api, field, structs } from '../Schema.js';

export const DeleteGroups = api('DeleteGroups', 42, {
  validVersions: '0-2',
  flexibleVersions: '2+',
  request: [field('groupsNames', '[]string')],
  response: [
    field('throttleTimeMs', 'int32'),
    structs('results', '0+', [field('groupId', 'string'), field('errorCode', 'int16')]),
  ],
});
