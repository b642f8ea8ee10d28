/**
 * ApiVersions lists exactly what the broker implements (Kafka's ApiVersionsResponse lists the
 * APIs its request handlers serve, ApiKeys.forListener): every API of the schema table has a
 * handler and every handler an API, and every version advertised is answered. The table and
 * the handlers are iterated, so an API added to one and not the other fails here. The
 * ZooKeeper-mode inter-broker APIs (listener zkBroker) are a cluster-mode broker's only, as
 * a 3.8 ZooKeeper broker's ApiVersions lists them and a node without ZooKeeper does not; so
 * are the controller's admin APIs (ElectLeaders, the partition reassignments).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/Broker.js';
import { CLUSTER_REQUEST_HANDLERS, REQUEST_HANDLERS } from '../../../src/broker/handlers/index.js';
import { createLogger } from '../../../src/broker/Logger.js';
import { ApiKey, apiSchema, MESSAGES, supportedApis } from '../../../src/protocol/index.js';
import { minimalRequest } from '../../helpers/protocolBodies.js';
import { brokerWithRawClient, RawKafkaClient } from '../../helpers/rawKafkaClient.js';
import { tempDir } from '../../helpers/tmp.js';

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
    const all = [...REQUEST_HANDLERS, ...CLUSTER_REQUEST_HANDLERS];
    const handled = all.map((h) => h.api.apiKey).sort((a, b) => a - b);
    expect(new Set(handled).size).toBe(handled.length);
    for (const h of all) expect(apiSchema(h.api.apiKey), h.api.name).toBe(h.api);
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

  it('in cluster mode also advertises the zkBroker APIs at Kafka 3.8 versions, and answers each version', async () => {
    const cluster = await Broker.start({
      dataDir: tempDir(),
      port: 0,
      logger: createLogger('silent'),
      cluster: { brokerEpoch: () => 0 },
    });
    const raw = await RawKafkaClient.connect(cluster.port);
    try {
      const body = await raw.call(ApiKey.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
      const handled = new Set([...REQUEST_HANDLERS, ...CLUSTER_REQUEST_HANDLERS].map((h) => h.api.apiKey));
      expect(body.apiKeys).toEqual(supportedApis().filter((api) => handled.has(api.apiKey)));
      // The message specs' validVersions (clients/src/main/resources/common/message/*Request.json, 3.8.0).
      const zkBrokerApis = (body.apiKeys as { apiKey: number }[]).filter((a) => a.apiKey >= 4 && a.apiKey <= 7);
      expect(zkBrokerApis).toEqual([
        { apiKey: ApiKey.LeaderAndIsr, minVersion: 0, maxVersion: 7 },
        { apiKey: ApiKey.StopReplica, minVersion: 0, maxVersion: 4 },
        { apiKey: ApiKey.UpdateMetadata, minVersion: 0, maxVersion: 8 },
        { apiKey: ApiKey.ControlledShutdown, minVersion: 0, maxVersion: 3 },
      ]);
      // A leader's ISR change to the controller (listeners zkBroker and controller).
      const alterPartition = (body.apiKeys as { apiKey: number }[]).filter((a) => a.apiKey === 56);
      expect(alterPartition).toEqual([{ apiKey: ApiKey.AlterPartition, minVersion: 0, maxVersion: 3 }]);
      // The controller's admin APIs, whose listeners include zkBroker (KafkaApis 3.8 serves them in ZooKeeper mode).
      const adminApis = (body.apiKeys as { apiKey: number }[]).filter((a) => [43, 45, 46].includes(a.apiKey));
      expect(adminApis).toEqual([
        { apiKey: ApiKey.ElectLeaders, minVersion: 0, maxVersion: 2 },
        { apiKey: ApiKey.AlterPartitionReassignments, minVersion: 0, maxVersion: 0 },
        { apiKey: ApiKey.ListPartitionReassignments, minVersion: 0, maxVersion: 0 },
      ]);
      for (const { apiKey, maxVersion } of [...zkBrokerApis, ...alterPartition, ...adminApis] as {
        apiKey: number;
        maxVersion: number;
      }[]) {
        for (let version = 0; version <= maxVersion; version++) {
          const answer = await raw.call(apiKey, version, minimalRequest(apiKey, version));
          expect(answer.errorCode, `${apiSchema(apiKey)!.name} v${version}`).not.toBe(35);
        }
      }
      expect(raw.closed).toBe(false);
    } finally {
      raw.close();
      await cluster.close();
    }
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
