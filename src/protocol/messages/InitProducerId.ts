import { api, field } from '../Schema.js';

export const InitProducerId = api('InitProducerId', 22, {
  validVersions: '0-5',
  flexibleVersions: '2+',
  request: [
    field('transactionalId', 'string', '0+', { nullableVersions: '0+' }),
    field('transactionTimeoutMs', 'int32'),
    field('producerId', 'int64', '3+', { default: -1 }),
    field('producerEpoch', 'int16', '3+', { default: -1 }),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    field('errorCode', 'int16'),
    field('producerId', 'int64', '0+', { default: -1 }),
    field('producerEpoch', 'int16'),
  ],
});
