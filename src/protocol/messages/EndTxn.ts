import { api, field } from '../Schema.js';

/** v4 (KIP-890) only allows TRANSACTION_ABORTABLE in answers, which we never send. */
export const EndTxn = api('EndTxn', 26, {
  validVersions: '0-4',
  flexibleVersions: '3+',
  request: [
    field('transactionalId', 'string'),
    field('producerId', 'int64'),
    field('producerEpoch', 'int16'),
    field('committed', 'bool'),
  ],
  response: [field('throttleTimeMs', 'int32'), field('errorCode', 'int16')],
});
