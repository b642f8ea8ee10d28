import { api, field, structs } from '../Schema.js';

/** Up to v4 (state filter); v5 filters by the KIP-848 group types. */
export const ListGroups = api('ListGroups', 16, {
  validVersions: '0-4',
  flexibleVersions: '3+',
  request: [field('statesFilter', '[]string', '4+')],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16'),
    structs('groups', '0+', [
      field('groupId', 'string'),
      field('protocolType', 'string'),
      field('groupState', 'string', '4+'),
    ]),
  ],
});
