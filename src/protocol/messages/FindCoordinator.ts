import { api, field, structs } from '../Schema.js';

/** KeyType: 0 group, 1 transaction. Up to v5: v6 adds share groups (KIP-932). */
export const FindCoordinator = api('FindCoordinator', 10, {
  validVersions: '0-5',
  flexibleVersions: '3+',
  request: [
    field('key', 'string', '0-3'),
    field('keyType', 'int8', '1+', { default: 0 }),
    field('coordinatorKeys', '[]string', '4+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0-3'),
    field('errorMessage', 'string', '1-3', { nullableVersions: '1-3' }),
    field('nodeId', 'int32', '0-3'),
    field('host', 'string', '0-3'),
    field('port', 'int32', '0-3'),
    structs('coordinators', '4+', [
      field('key', 'string', '4+'),
      field('nodeId', 'int32', '4+'),
      field('host', 'string', '4+'),
      field('port', 'int32', '4+'),
      field('errorCode', 'int16', '4+'),
      field('errorMessage', 'string', '4+', { nullableVersions: '4+' }),
    ]),
  ],
});
