import { api, field } from '../Schema.js';

/** v0: raw SASL tokens follow on the socket; v1: they come in SaslAuthenticate requests. */
export const SaslHandshake = api('SaslHandshake', 17, {
  validVersions: '0-1',
  flexibleVersions: 'none',
  request: [field('mechanism', 'string')],
  response: [field('errorCode', 'int16'), field('mechanisms', '[]string')],
});
