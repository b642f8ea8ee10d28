import { api, field, structs } from '../Schema.js';
import { ALTER_CONFIGS_RESPONSE } from './Common.js';

export const AlterConfigs = api('AlterConfigs', 33, {
  validVersions: '0-2',
  flexibleVersions: '2+',
  request: [
    structs('resources', '0+', [
      field('resourceType', 'int8'),
      field('resourceName', 'string'),
      structs('configs', '0+', [field('name', 'string'), field('value', 'string', '0+', { nullableVersions: '0+' })]),
    ]),
    field('validateOnly', 'bool'),
  ],
  response: ALTER_CONFIGS_RESPONSE,
});
