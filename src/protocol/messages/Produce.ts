import { api, field, structs } from '../Schema.js';
import { currentLeader } from './Common.js';

export const Produce = api('Produce', 0, {
  validVersions: '0-11',
  flexibleVersions: '9+',
  request: [
    field('transactionalId', 'string', '3+', { nullableVersions: '3+', default: null }),
    field('acks', 'int16'),
    field('timeoutMs', 'int32'),
    structs('topicData', '0+', [
      field('name', 'string'),
      structs('partitionData', '0+', [
        field('index', 'int32'),
        field('records', 'records', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
  response: [
    structs('responses', '0+', [
      field('name', 'string'),
      structs('partitionResponses', '0+', [
        field('index', 'int32'),
        field('errorCode', 'int16'),
        field('baseOffset', 'int64'),
        field('logAppendTimeMs', 'int64', '2+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        structs('recordErrors', '8+', [
          field('batchIndex', 'int32', '8+'),
          field('batchIndexErrorMessage', 'string', '8+', { nullableVersions: '8+', default: null }),
        ]),
        field('errorMessage', 'string', '8+', { nullableVersions: '8+', default: null }),
        currentLeader('10+', 0),
      ]),
    ]),
    field('throttleTimeMs', 'int32', '1+', { default: 0 }),
    structs(
      'nodeEndpoints',
      '10+',
      [
        field('nodeId', 'int32', '10+'),
        field('host', 'string', '10+'),
        field('port', 'int32', '10+'),
        field('rack', 'string', '10+', { nullableVersions: '10+', default: null }),
      ],
      { taggedVersions: '10+', tag: 0 },
    ),
  ],
});
