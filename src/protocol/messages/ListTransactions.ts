import { api, field, structs } from '../Schema.js';

/** v1 (KIP-994) adds the duration filter. */
export const ListTransactions = api('ListTransactions', 66, {
  validVersions: '0-1',
  flexibleVersions: '0+',
  request: [
    field('stateFilters', '[]string'),
    field('producerIdFilters', '[]int64'),
    field('durationFilter', 'int64', '1+', { default: -1 }),
  ],
  response: [
    field('throttleTimeMs', 'int32'),
    field('errorCode', 'int16'),
    field('unknownStateFilters', '[]string'),
    structs('transactionStates', '0+', [
      field('transactionalId', 'string'),
      field('producerId', 'int64'),
      field('transactionState', 'string'),
    ]),
  ],
});
