import { api, field } from '../Schema.js';

export const SaslAuthenticate = api('SaslAuthenticate', 36, {
  validVersions: '0-2',
  flexibleVersions: '2+',
  request: [field('authBytes', 'bytes')],
  response: [
    field('errorCode', 'int16'),
    field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    field('authBytes', 'bytes'),
    field('sessionLifetimeMs', 'int64', '1+', { default: 0 }),
  ],
});
