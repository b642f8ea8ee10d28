/**
 * Hostile input over real sockets: thousands of valid requests mutated (bytes flipped,
 * truncated, extended, size prefix or API key/version rewritten), sent over a handful of
 * connections. The broker may refuse or close; it must not crash or stall, a valid
 * client must be served afterwards, and the log must hold exactly what was there plus
 * only valid batches.
 */
import { describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { ApiKey, apiSchema, encodeRequest, type Struct } from '../../src/protocol/index.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { sampleBatch } from '../helpers/batches.js';
import { Rng } from '../helpers/random.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

const TOPIC = 'fuzzed';

/** One valid request per API the broker serves, at versions all three clients use. */
function seedRequests(): { apiKey: number; apiVersion: number; body: Struct }[] {
  const fetchTopic = (offset: number) => ({
    topic: TOPIC,
    partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }],
  });
  return [
    { apiKey: ApiKey.ApiVersions, apiVersion: 3, body: { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' } },
    { apiKey: ApiKey.Metadata, apiVersion: 9, body: { topics: [{ name: TOPIC }], allowAutoTopicCreation: false } },
    { apiKey: ApiKey.Metadata, apiVersion: 1, body: { topics: null } },
    {
      apiKey: ApiKey.Produce,
      apiVersion: 7,
      body: {
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: sampleBatch(9, 3) }] }],
      },
    },
    {
      apiKey: ApiKey.Fetch,
      apiVersion: 11,
      body: { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, topics: [fetchTopic(0)] },
    },
    {
      apiKey: ApiKey.Fetch,
      apiVersion: 4,
      body: { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, topics: [fetchTopic(1)] },
    },
    {
      apiKey: ApiKey.ListOffsets,
      apiVersion: 2,
      body: { replicaId: -1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1 }] }] },
    },
    {
      apiKey: ApiKey.DescribeConfigs,
      apiVersion: 1,
      body: { resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: null }] },
    },
    {
      apiKey: ApiKey.CreateTopics,
      apiVersion: 3,
      body: {
        topics: [{ name: 'other', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 100,
      },
    },
  ];
}

function mutate(rng: Rng, frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  switch (rng.int(0, 5)) {
    case 0:
      for (let i = rng.int(1, 8); i > 0; i--) out[rng.int(4, out.length - 1)] = rng.int(0, 255);
      return out;
    case 1:
      return out.subarray(0, rng.int(0, out.length - 1));
    case 2:
      out.writeInt32BE(out.length - 4 + rng.int(-8, 8), 0);
      return Buffer.concat([out, rng.bytes(rng.int(0, 16))]);
    case 3:
      out.writeInt16BE(rng.int(-2, 80), 4);
      return out;
    case 4:
      out.writeInt16BE(rng.int(-1, 20), 6);
      return out;
    default: {
      const body = rng.bytes(rng.int(0, 64));
      const size = Buffer.alloc(4);
      size.writeInt32BE(rng.oneIn(4) ? rng.int(-5, 1 << 30) : body.length);
      return Buffer.concat([size, out.subarray(4, 12), body]);
    }
  }
}

describe('fuzzed requests', () => {
  it('leave the broker serving and the log intact', async () => {
    const broker = await Broker.start({
      dataDir: tempDir(),
      port: 0,
      settings: { 'socket.request.max.bytes': '1048576' },
      logger: createLogger('silent'),
    });
    try {
      const partition = broker.engine.createTopic(TOPIC, { partitions: 1 }) && broker.engine.partition(TOPIC, 0);
      await partition.append(sampleBatch(1, 5));
      const before = Buffer.from(partition.read(0, 1 << 20).records);

      const rng = new Rng(Number(process.env.FUZZ_SEED ?? 20261125));
      const frames = seedRequests().map((r, i) =>
        Buffer.concat(
          encodeRequest(
            apiSchema(r.apiKey)!,
            { apiKey: r.apiKey, apiVersion: r.apiVersion, correlationId: i, clientId: 'fuzz' },
            r.body,
          ),
        ),
      );
      let client = await RawKafkaClient.connect(broker.port);
      let closedConnections = 0;
      for (let i = 0; i < 3000; i++) {
        if (client.closed || rng.oneIn(200)) {
          closedConnections += client.closed ? 1 : 0;
          client.close();
          client = await RawKafkaClient.connect(broker.port);
        }
        client.write(rng.oneIn(10) ? rng.pick(frames) : mutate(rng, rng.pick(frames)));
        if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
      }
      client.close();
      expect(closedConnections).toBeGreaterThan(10);

      const probe = await RawKafkaClient.connect(broker.port);
      probe.send(ApiKey.Metadata, 4, 1, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false });
      const metadata = await probe.response(ApiKey.Metadata, 4);
      expect((metadata.body.topics as Struct[])[0]).toMatchObject({ errorCode: 0, name: TOPIC });
      probe.close();

      const after = partition.read(0, 1 << 30).records;
      expect(after.subarray(0, before.length).equals(before)).toBe(true);
      let expectedOffset = 0;
      for (const batch of RecordBatch.all(after)) {
        expect(batch.baseOffset).toBe(expectedOffset);
        expect(batch.isValid()).toBe(true);
        expectedOffset = batch.lastOffset + 1;
      }
      expect(expectedOffset).toBe(partition.logEndOffset);
    } finally {
      await broker.close();
    }
  }, 60_000);
});
