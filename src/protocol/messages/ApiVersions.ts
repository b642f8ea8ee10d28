import { api, field, structs } from '../Schema.js';

export const ApiVersions = api('ApiVersions', 18, {
  validVersions: '0-4',
  flexibleVersions: '3+',
  request: [field('clientSoftwareName', 'string', '3+'), field('clientSoftwareVersion', 'string', '3+')],
  response: [
    field('errorCode', 'int16'),
    structs('apiKeys', '0+', [field('apiKey', 'int16'), field('minVersion', 'int16'), field('maxVersion', 'int16')]),
    field('throttleTimeMs', 'int32', '1+'),
    structs(
      'supportedFeatures',
      '3+',
      [field('name', 'string', '3+'), field('minVersion', 'int16', '3+'), field('maxVersion', 'int16', '3+')],
      { taggedVersions: '3+', tag: 0 },
    ),
    field('finalizedFeaturesEpoch', 'int64', '3+', { taggedVersions: '3+', tag: 1, default: -1 }),
    structs(
      'finalizedFeatures',
      '3+',
      [field('name', 'string', '3+'), field('maxVersionLevel', 'int16', '3+'), field('minVersionLevel', 'int16', '3+')],
      { taggedVersions: '3+', tag: 2 },
    ),
    field('zkMigrationReady', 'bool', '3+', { taggedVersions: '3+', tag: 3, default: false }),
  ],
});
