/**
 * ApiVersions lists exactly what the broker implements (Kafka's ApiVersionsResponse lists the
 * APIs its request handlers serve, ApiKeys.forListener): every API of the schema table has a
 * handler and every handler an API, and every version advertised is answered. The table and
 * the handlers are iterated, so an API added to one and not the other fails here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../../src/broker/Broker.js';
import { REQUEST_HANDLERS } from '../../../src/broker/handlers/index.js';
import { ApiKey, apiSchema, MESSAGES, supportedApis } from '../../../src/protocol/index.js';
import { minimalRequest } from '../../helpers/protocolBodies.js';
import { brokerWithRawClient, type RawKafkaClient } from '../../helpers/rawKafkaClient.js';

/**
 * Schemas kept for the codec alone (checked against the clients' codecs in the interop suites),
 * not served: tributary has no SASL listener. Kafka answers them on every listener; a broker
 * that does not serve them must not advertise them.
 */
const CODEC_ONLY: readonly number[] = [ApiKey.SaslHandshake, ApiKey.SaslAuthenticate];

let broker: Broker;
let client: RawKafkaClient;

beforeEach(async () => {
  ({ broker, client } = await brokerWithRawClient(1));
});

afterEach(async () => {
  client.close();
  await broker.close();
});

describe('ApiVersions', () => {
  it('has a handler for every API of the schema table but the codec-only ones, and an API for every handler', () => {
    const handled = REQUEST_HANDLERS.map((h) => h.api.apiKey).sort((a, b) => a - b);
    expect(new Set(handled).size).toBe(handled.length);
    for (const h of REQUEST_HANDLERS) expect(apiSchema(h.api.apiKey), h.api.name).toBe(h.api);
    const tabled = MESSAGES.map((m) => m.apiKey).filter((k) => !CODEC_ONLY.includes(k));
    expect(handled).toEqual(tabled.sort((a, b) => a - b));
  });

  it('advertises exactly the handled APIs, each at the versions of its schema', async () => {
    const body = await client.call(ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'librdkafka',
      clientSoftwareVersion: '2.0.2',
    });
    const handled = new Set(REQUEST_HANDLERS.map((h) => h.api.apiKey));
    expect(body.apiKeys).toEqual(supportedApis().filter((api) => handled.has(api.apiKey)));
  });

  // KafkaApis.handleApiVersionsRequest: !ApiVersionsRequest.isValid (SOFTWARE_NAME_VERSION_PATTERN, v3+) is INVALID_REQUEST.
  it.each([
    ['', '1.0'],
    ['my client', '1.0'],
    ['client', '1.0-'],
  ])('answers v3 from a client named %j, version %j, with INVALID_REQUEST and no API list', async (name, version) => {
    const body = await client.call(ApiKey.ApiVersions, 3, { clientSoftwareName: name, clientSoftwareVersion: version });
    expect(body).toMatchObject({ errorCode: 42, apiKeys: [] });
  });

  it('answers every advertised version of every advertised API, with a response that decodes at that version', async () => {
    const body = await client.call(ApiKey.ApiVersions, 0, {});
    const advertised = body.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[];
    expect(advertised.length).toBeGreaterThan(0);
    for (const { apiKey, minVersion, maxVersion } of advertised) {
      for (let version = minVersion; version <= maxVersion; version++) {
        const name = `${apiSchema(apiKey)!.name} v${version}`;
        // client.call decodes the response at `version` and checks its correlation id.
        const answer = await client.call(apiKey, version, minimalRequest(apiKey, version)).catch((error: Error) => {
          throw new Error(`${name}: ${error.message}`);
        });
        expect(answer.errorCode ?? 0, name).not.toBe(35); // UNSUPPORTED_VERSION
      }
    }
    expect(client.closed).toBe(false);
  });
});
