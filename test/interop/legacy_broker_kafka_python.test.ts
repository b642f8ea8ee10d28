/**
 * Old message formats through the broker: kafka-python 2.0.2 pinned to Kafka 0.9 (magic 0
 * MessageSets, Produce v1, Fetch v1) and 0.10.1 (magic 1, Produce v2, Fetch v3). What it
 * produces is stored as v2 batches, so kcat (librdkafka, Fetch v11) reads it; what it
 * fetches is down-converted. Records from kcat come back to the old client too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTributary, type BrokerUnderTest } from './brokers.js';
import type { CompressionCodec, ConsumerRecordJson, ProducerRecordJson } from './clients/ClientDriver.js';
import { kcat } from './clients/kcat.js';
import { kafkaPythonAt } from './clients/pythonDrivers.js';

let broker: BrokerUnderTest;

beforeAll(async () => {
  broker = await startTributary();
});

afterAll(async () => {
  await broker.stop();
});

const b64 = (text: string) => Buffer.from(text).toString('base64');

function records(tag: string, timestamps: boolean): ProducerRecordJson[] {
  return Array.from({ length: 12 }, (_, i) => ({
    partition: 0,
    key: i % 4 === 0 ? null : b64(`${tag}-key-${i}`),
    value: b64(`${tag}-value-${i}-${'z'.repeat(i * 7)}`),
    headers: [],
    timestamp: timestamps ? 1_650_000_000_000 + i : null,
  }));
}

function comparable(consumed: ConsumerRecordJson[]): unknown[] {
  return consumed.map((r) => ({ offset: r.offset, key: r.key, value: r.value, timestamp: r.timestamp }));
}

const CASES: { version: number[]; codec: CompressionCodec; timestamps: boolean }[] = [
  { version: [0, 9], codec: 'none', timestamps: false },
  { version: [0, 9], codec: 'gzip', timestamps: false },
  { version: [0, 9], codec: 'snappy', timestamps: false },
  { version: [0, 10, 1], codec: 'none', timestamps: true },
  { version: [0, 10, 1], codec: 'lz4', timestamps: true },
];

describe('legacy clients', () => {
  it.each(CASES)(
    'kafka-python as $version with $codec: produced, read by kcat, read back by itself',
    async ({ version, codec, timestamps }) => {
      const old = kafkaPythonAt(version);
      const topic = `legacy-${version.join('-')}-${codec}`;
      await broker.createTopic(topic, 1);
      const sent = records(topic, timestamps);
      await old.produce(broker.bootstrap, topic, sent, codec);
      // Magic 0 has no timestamps: stored as v2 with NO_TIMESTAMP (-1); a 0.9 reader gets none (null).
      const expected = (noTimestamp: number | null) =>
        sent.map((r, offset) => ({ offset, key: r.key, value: r.value, timestamp: r.timestamp ?? noTimestamp }));

      expect(comparable(await kcat.consume(broker.bootstrap, topic, sent.length))).toEqual(expected(-1));
      expect(comparable(await old.consume(broker.bootstrap, topic, sent.length))).toEqual(expected(null));
    },
  );

  it('serves records kcat produced (v2 batches, headers dropped) to a magic 0 fetch', async () => {
    const topic = 'legacy-from-kcat';
    await broker.createTopic(topic, 1);
    const sent = records(topic, false).map((r) => ({ ...r, key: r.key ?? b64('k') }));
    await kcat.produce(broker.bootstrap, topic, sent, 'gzip');
    const byOld = await kafkaPythonAt([0, 9]).consume(broker.bootstrap, topic, sent.length);
    expect(byOld.map((r) => [r.offset, r.key, r.value, r.timestamp])).toEqual(
      sent.map((r, offset) => [offset, r.key, r.value, null]),
    );
  });
});
