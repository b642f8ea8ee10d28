import { api, field, structs } from '../Schema.js';
import { ALTER_CONFIGS_RESPONSE } from './Common.js';

export const IncrementalAlterConfigs = api('IncrementalAlterConfigs', 44, {
  validVersions: '0-1',
  flexibleVersions: '1+',
  request: [
    structs('resources', '0+', [
      field('resourceType', 'int8'),
      field('resourceName', 'string'),
      structs('configs', '0+', [
        field('name', 'string'),
        field('configOperation', 'int8'),
        field('value', 'string', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
    field('validateOnly', 'bool'),
  ],
  response: ALTER_CONFIGS_RESPONSE,
});
