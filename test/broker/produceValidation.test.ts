/**
 * A batch Kafka's LogValidator refuses, over a real socket: the refusal carries its reason to
 * the client and to the broker's log. What it corrects instead is in conformance.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { producePartition, RawKafkaClient } from '../helpers/rawKafkaClient.js';
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

describe('Produce: what Kafka refuses', () => {
  // LogValidator.validateBatch's message; ReplicaManager.processFailedRecord logs the refusal.
  it('answers with the reason and logs it at info', async () => {
    const marker = buildEndTransactionMarkerBatch('commit', { producerId: 1, producerEpoch: 0, coordinatorEpoch: 0 });
    // A marker is a transactional batch: with the transactional id (KafkaApis checks it first), the log refuses it.
    const response = await producePartition(client, marker, 't', 'tx');
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
    const response = await producePartition(client, batch, 'bounded');
    expect(response).toMatchObject({ errorCode: 32 });
    expect(response.errorMessage).toMatch(/One or more records have been rejected due to invalid timestamp/);
  });
});
