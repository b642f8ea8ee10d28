/**
 * Request handlers over a real socket, for what the clients' happy paths do not reach:
 * each bad request gets the Kafka error code Kafka gives, legacy MessageSets are stored
 * as v2 batches and served back down-converted, ListOffsets MAX_TIMESTAMP, InitProducerId.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { buildMessageSet, messageSetRecords } from '../../src/record/MessageSet.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { sampleBatch } from '../helpers/batches.js';
import { brokerWithRawClient, RawKafkaClient } from '../helpers/rawKafkaClient.js';

let broker: Broker;
let client: RawKafkaClient;
beforeEach(async () => {
  ({ broker, client } = await brokerWithRawClient(2));
});

afterEach(async () => {
  client.close();
  await broker.close();
});

function call(apiKey: number, apiVersion: number, body: Struct): Promise<Struct> {
  return client.call(apiKey, apiVersion, body);
}

async function produce(
  records: Buffer,
  options: {
    version?: number;
    partition?: number;
    topic?: string;
    acks?: number;
    transactionalId?: string | null;
  } = {},
): Promise<Struct> {
  const body = await call(ApiKey.Produce, options.version ?? 7, {
    transactionalId: options.transactionalId ?? null,
    acks: options.acks ?? -1,
    timeoutMs: 1000,
    topicData: [{ name: options.topic ?? 't', partitionData: [{ index: options.partition ?? 0, records }] }],
  });
  return ((body.responses as Struct[])[0]!.partitionResponses as Struct[])[0]!;
}

async function fetchPartition(version: number, offset: number, topic = 't', partition = 0): Promise<Struct> {
  const body = await call(ApiKey.Fetch, version, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
  });
  expect(body.errorCode ?? 0).toBe(0);
  return ((body.responses as Struct[])[0]!.partitions as Struct[])[0]!;
}

describe('Produce errors', () => {
  it('answers unknown topics and partitions with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    expect(await produce(sampleBatch(1), { partition: 7 })).toMatchObject({ index: 7, errorCode: 3 });
    expect(await produce(sampleBatch(1), { topic: 'nope' })).toMatchObject({ errorCode: 3 });
  });

  it('answers a batch with a bad CRC with CORRUPT_MESSAGE and stores nothing', async () => {
    const batch = sampleBatch(2);
    batch[batch.length - 1]! ^= 0xff;
    expect(await produce(batch)).toMatchObject({ errorCode: 2, baseOffset: -1 });
    expect(broker.engine.partition('t', 0).logEndOffset).toBe(0);
  });

  it('answers bad acks with INVALID_REQUIRED_ACKS', async () => {
    expect(await produce(sampleBatch(3), { acks: 2 })).toMatchObject({ errorCode: 21 });
    expect(broker.engine.partition('t', 0).logEndOffset).toBe(0);
  });

  it('refuses a legacy MessageSet in produce v3+ with INVALID_RECORD', async () => {
    const legacy = buildMessageSet([{ value: Buffer.from('old') }], { magic: 1 });
    expect(await produce(legacy, { version: 3 })).toMatchObject({ errorCode: 87 });
  });

  it('closes the connection when an acks=0 produce fails, as Kafka does', async () => {
    const batch = sampleBatch(4);
    batch[batch.length - 1]! ^= 0xff;
    client.send(ApiKey.Produce, 7, 1, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: batch }] }],
    });
    expect(await client.nextFrame()).toBeNull();
  });
});

describe('legacy message formats', () => {
  it.each([0, 1] as const)(
    'stores a magic %i MessageSet from produce v2 as a v2 batch and serves it down-converted to old fetches',
    async (magic) => {
      const records = [
        { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 1_600_000_000_000 },
        { key: null, value: Buffer.from('v2'), timestamp: 1_600_000_000_001 },
      ];
      expect(await produce(buildMessageSet(records, { magic, compression: 'gzip' }), { version: 2 })).toMatchObject({
        errorCode: 0,
        baseOffset: 0,
      });

      const stored = broker.engine.partition('t', 0).read(0, 1 << 20).records;
      expect(stored[BatchHeader.magic]).toBe(2);
      expect([...RecordBatch.from(stored).records()].map((r) => [r.offset, String(r.value)])).toEqual([
        [0, 'v1'],
        [1, 'v2'],
      ]);

      const oldFetch = await fetchPartition(magic === 0 ? 0 : 2, 1);
      const converted = oldFetch.records as Buffer;
      expect(converted[16]).toBe(magic);
      expect([...messageSetRecords(converted)].map((r) => [r.offset, r.key, String(r.value)])).toEqual([
        [1, null, 'v2'],
      ]);
    },
  );
});

describe('Fetch', () => {
  it('answers unknown partitions per partition and a fetch session id with FETCH_SESSION_ID_NOT_FOUND', async () => {
    expect(await fetchPartition(11, 0, 't', 9)).toMatchObject({ errorCode: 3, highWatermark: -1 });
    const body = await call(ApiKey.Fetch, 11, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1024,
      sessionId: 42,
      sessionEpoch: 3,
      topics: [],
    });
    expect(body.errorCode).toBe(70);
  });

  it('keeps to maxBytes after the first partition with data, and returns an oversized first batch whole (KIP-74)', async () => {
    await produce(sampleBatch(5, 20, 200), { partition: 0 });
    await produce(sampleBatch(6, 20, 200), { partition: 1 });
    const body = await call(ApiKey.Fetch, 11, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 100,
      topics: [
        {
          topic: 't',
          partitions: [0, 1].map((partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 })),
        },
      ],
    });
    const [first, second] = (body.responses as Struct[])[0]!.partitions as Struct[];
    expect((first!.records as Buffer).length).toBeGreaterThan(4000);
    expect((second!.records as Buffer).length).toBe(0);
    expect(second!.highWatermark).toBe(20);
  });

  it('counts what a fetch sends once, though it read again after waiting for minBytes', async () => {
    await produce(sampleBatch(5, 20, 200), { partition: 0 });
    const partition = broker.engine.partition('t', 0);
    const before = partition.stats();
    const body = await call(ApiKey.Fetch, 11, {
      maxWaitMs: 50,
      minBytes: 1 << 20,
      maxBytes: 1 << 20,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 5, partitionMaxBytes: 1 << 20 }] }],
    });
    const sent = ((body.responses as Struct[])[0]!.partitions as Struct[])[0]!.records as Buffer;
    const after = partition.stats();
    // The batch holds offsets 0-19; what the fetch hands out is the records from its offset on.
    expect(after.recordsOut - before.recordsOut).toBe(15);
    expect(after.bytesOut - before.bytesOut).toBe(sent.length);
  });

  it('reports aborted transactions as an empty list under read_committed', async () => {
    const body = await call(ApiKey.Fetch, 11, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1024,
      isolationLevel: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }],
    });
    expect(((body.responses as Struct[])[0]!.partitions as Struct[])[0]).toMatchObject({
      errorCode: 0,
      abortedTransactions: [],
      lastStableOffset: 0,
    });
  });
});

describe('ListOffsets', () => {
  it('finds the record with the largest timestamp (MAX_TIMESTAMP, v7) even when later records are older', async () => {
    const ts = [5_000, 50_000, 7_000];
    for (const t of ts)
      await produce(buildRecordBatch([{ value: Buffer.from(String(t)), timestamp: t }], { baseTimestamp: t }));
    const body = await call(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -3 }] }],
    });
    expect(((body.topics as Struct[])[0]!.partitions as Struct[])[0]).toMatchObject({
      errorCode: 0,
      offset: 1,
      timestamp: 50_000,
    });
  });

  it('answers v0 in its old shape and unknown partitions with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await produce(sampleBatch(7, 4));
    const body = await call(ApiKey.ListOffsets, 0, {
      replicaId: -1,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, timestamp: -1, maxNumOffsets: 1 },
            { partitionIndex: 5, timestamp: -1, maxNumOffsets: 1 },
          ],
        },
      ],
    });
    expect((body.topics as Struct[])[0]!.partitions).toMatchObject([
      { partitionIndex: 0, errorCode: 0, oldStyleOffsets: [4] },
      { partitionIndex: 5, errorCode: 3, oldStyleOffsets: [] },
    ]);
  });
});

describe('DeleteRecords and InitProducerId', () => {
  it('refuses to delete past the high watermark with OFFSET_OUT_OF_RANGE; -1 means the high watermark', async () => {
    await produce(sampleBatch(8, 3));
    const request = (offset: number) => ({
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset }] }],
      timeoutMs: 1000,
    });
    const result = async (offset: number) =>
      ((await call(ApiKey.DeleteRecords, 1, request(offset))).topics as Struct[])[0]!.partitions;
    expect(await result(9)).toMatchObject([{ errorCode: 1 }]);
    expect(await result(-1)).toMatchObject([{ errorCode: 0, lowWatermark: 3 }]);
  });

  it('hands out distinct producer ids that survive a restart and bumps an epoch', async () => {
    const init = (body: Struct) =>
      call(ApiKey.InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60000,
        producerId: -1,
        producerEpoch: -1,
        ...body,
      });
    const first = await init({});
    const second = await init({});
    expect(first).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(second.producerId).not.toBe(first.producerId);
    expect(await init({ producerId: first.producerId, producerEpoch: 0 })).toMatchObject({
      producerId: first.producerId,
      producerEpoch: 1,
    });

    client.close();
    const dataDir = broker.engine.dataDir;
    await broker.close();
    broker = await Broker.start({ dataDir, port: 0, logger: createLogger('silent') });
    client = await RawKafkaClient.connect(broker.port);
    const afterRestart = await init({});
    expect(afterRestart.producerId).toBeGreaterThan(second.producerId as number);
  });
});
