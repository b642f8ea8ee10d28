import { api, field } from '../Schema.js';
import { GENERATION_MEMBER } from './Common.js';

export const Heartbeat = api('Heartbeat', 12, {
  validVersions: '0-4',
  flexibleVersions: '4+',
  request: GENERATION_MEMBER,
  response: [field('throttleTimeMs', 'int32', '1+'), field('errorCode', 'int16')],
});
