import { api, field } from '../Schema.js';

/** v4 (KIP-890) only allows TRANSACTION_ABORTABLE in answers, which we never send. */
export const AddOffsetsToTxn = api('AddOffsetsToTxn', 25, {
  validVersions: '0-4',
  flexibleVersions: '3+',
  request: [
    field('transactionalId', 'string'),
    field('producerId', 'int64'),
    field('producerEpoch', 'int16'),
    field('groupId', 'string'),
  ],
  response: [field('throttleTimeMs', 'int32'), field('errorCode', 'int16')],
});
