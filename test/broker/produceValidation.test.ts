/**
 * What Kafka's LogValidator corrects rather than refuses, over a real socket: a CreateTime
 * batch whose header maxTimestamp is -1, records without a timestamp under bounded
 * timestamps; and a refusal carries its reason to the client and to the broker's log.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { native } from '../../src/native/addon.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

let broker: Broker;
let client: RawKafkaClient;
let logged: Record<string, unknown>[];

beforeEach(async () => {
  logged = [];
  const logger = createLogger('info', (line) => logged.push(JSON.parse(line) as Record<string, unknown>));
  broker = await Broker.start({ dataDir: tempDir(), port: 0, logger });
  broker.engine.createTopic('t', { partitions: 1 });
  broker.engine.createTopic('bounded', { partitions: 1, config: { 'message.timestamp.before.max.ms': 60_000 } });
  client = await RawKafkaClient.connect(broker.port);
});

afterEach(async () => {
  client.close();
  await broker.close();
});

async function produce(records: Buffer, topic = 't', transactionalId: string | null = null): Promise<Struct> {
  const body = await client.call(ApiKey.Produce, 9, {
    transactionalId,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return ((body.responses as Struct[])[0]!.partitionResponses as Struct[])[0]!;
}

/** `batch` with its header maxTimestamp set to -1 and its CRC recomputed, as some clients send it. */
function withoutMaxTimestamp(batch: Buffer): Buffer {
  const bytes = Buffer.from(batch).fill(0xff, BatchHeader.maxTimestamp, BatchHeader.maxTimestamp + 8);
  bytes.writeUInt32BE(native.crc32c(bytes, BatchHeader.attributes), BatchHeader.crc);
  return bytes;
}

describe('Produce: what Kafka corrects', () => {
  // LogValidator.assignOffsetsNonCompressed / validateMessagesAndAssignOffsetsCompressed:
  // batch.setMaxTimestamp(CREATE_TIME, the records' largest), CRC recomputed.
  it.each(['none', 'lz4'] as const)(
    'a %s batch whose header maxTimestamp is -1 is appended with its records largest',
    async (compression) => {
      const now = Date.now();
      const records = [5, 9, 2].map((d) => ({ value: Buffer.from(`v${d}`), timestamp: now + d }));
      const good = buildRecordBatch(records, { compression });
      expect(await produce(withoutMaxTimestamp(good))).toMatchObject({ errorCode: 0, baseOffset: 0 });
      const stored = broker.engine.partition('t', 0).read(0, 1 << 20).records;
      expect(stored.subarray(BatchHeader.batchLength)).toEqual(good.subarray(BatchHeader.batchLength));
    },
  );

  // LogValidator.validateTimestamp: `record.timestamp() != RecordBatch.NO_TIMESTAMP` before the bounds.
  it('appends records without a timestamp (-1) to a topic that bounds timestamps', async () => {
    const batch = buildRecordBatch([{ value: Buffer.from('x'), timestamp: -1 }], { baseTimestamp: -1 });
    expect(await produce(batch, 'bounded')).toMatchObject({ errorCode: 0, baseOffset: 0 });
  });
});

describe('Produce: what Kafka refuses', () => {
  // LogValidator.validateBatch's message; ReplicaManager.processFailedRecord logs the refusal.
  it('answers with the reason and logs it at info', async () => {
    const marker = buildEndTransactionMarkerBatch('commit', { producerId: 1, producerEpoch: 0, coordinatorEpoch: 0 });
    // A marker is a transactional batch: with the transactional id (KafkaApis checks it first), the log refuses it.
    const response = await produce(marker, 't', 'tx');
    expect(response).toMatchObject({ errorCode: 87, baseOffset: -1 });
    expect(response.errorMessage).toMatch(/Clients are not allowed to write control records/);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'produce refused',
        topic: 't',
        partition: 0,
        errorCode: 87,
        reason: response.errorMessage,
      }),
    );
  });

  it('answers a timestamp out of bounds with INVALID_TIMESTAMP and Kafka message', async () => {
    const batch = buildRecordBatch([{ value: Buffer.from('x'), timestamp: Date.now() - 120_000 }]);
    const response = await produce(batch, 'bounded');
    expect(response).toMatchObject({ errorCode: 32 });
    expect(response.errorMessage).toMatch(/One or more records have been rejected due to invalid timestamp/);
  });
});
