import { api, field, structs } from '../Schema.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './Common.js';

/** EndpointType (v1, KIP-919): 1 brokers, 2 controllers. */
export const DescribeCluster = api('DescribeCluster', 60, {
  validVersions: '0-1',
  flexibleVersions: '0+',
  request: [field('includeClusterAuthorizedOperations', 'bool'), field('endpointType', 'int8', '1+', { default: 1 })],
  response: [
    field('throttleTimeMs', 'int32'),
    field('errorCode', 'int16'),
    field('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
    field('endpointType', 'int8', '1+', { default: 1 }),
    field('clusterId', 'string'),
    field('controllerId', 'int32', '0+', { default: -1 }),
    structs('brokers', '0+', [
      field('brokerId', 'int32'),
      field('host', 'string'),
      field('port', 'int32'),
      field('rack', 'string', '0+', { nullableVersions: '0+', default: null }),
    ]),
    field('clusterAuthorizedOperations', 'int32', '0+', { default: AUTHORIZED_OPERATIONS_OMITTED }),
  ],
});
