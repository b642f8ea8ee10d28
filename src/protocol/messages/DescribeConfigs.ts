import { api, field, structs } from '../Schema.js';

export const DescribeConfigs = api('DescribeConfigs', 32, {
  validVersions: '0-4',
  flexibleVersions: '4+',
  request: [
    structs('resources', '0+', [
      field('resourceType', 'int8'),
      field('resourceName', 'string'),
      field('configurationKeys', '[]string', '0+', { nullableVersions: '0+' }),
    ]),
    field('includeSynonyms', 'bool', '1+', { default: false }),
    field('includeDocumentation', 'bool', '3+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    structs('results', '0+', [
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
      field('resourceType', 'int8'),
      field('resourceName', 'string'),
      structs('configs', '0+', [
        field('name', 'string'),
        field('value', 'string', '0+', { nullableVersions: '0+' }),
        field('readOnly', 'bool'),
        field('isDefault', 'bool', '0'),
        field('configSource', 'int8', '1+', { default: -1 }),
        field('isSensitive', 'bool'),
        structs('synonyms', '1+', [
          field('name', 'string', '1+'),
          field('value', 'string', '1+', { nullableVersions: '0+' }),
          field('source', 'int8', '1+'),
        ]),
        field('configType', 'int8', '3+', { default: 0 }),
        field('documentation', 'string', '3+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
});
