/**
 * read_committed consumers of two independent clients against tributary's broker: a kafkajs
 * consumer group with `readUncommitted: false` (Fetch and ListOffsets with isolation_level 1)
 * and confluent-kafka-python (librdkafka 2.0.2) with `isolation.level=read_committed`, each
 * also read_uncommitted. The partition holds plain records and committed transactions of two
 * producers, written as producers and the transaction coordinator write them: every client
 * at every level reads the data records at their offsets and never a commit marker.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { consumeFromStart, kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';
import { COMMITTED_TRANSACTIONS, writeTransactions } from '../helpers/transactions.js';
import { runPythonDriver } from './clients/process.js';

const TOPIC = 'tx';
const CONFLUENT_DRIVER = join(dirname(fileURLToPath(import.meta.url)), 'clients', 'confluent_kafka.py');
const EXPECTED = [
  { offset: 0, value: 'p0' },
  { offset: 1, value: 'a' },
  { offset: 2, value: 'b' },
  { offset: 3, value: 'c' },
  { offset: 6, value: 'p1' },
];

/** One broker per test: tempDir removes its directory after each. */
let broker: Broker;
beforeEach(async () => {
  broker = await Broker.start({ dataDir: tempDir(), port: 0, logger: createLogger('silent') });
  broker.engine.createTopic(TOPIC, { partitions: 1 });
  await writeTransactions(broker.engine.partition(TOPIC, 0), COMMITTED_TRANSACTIONS);
});

afterEach(async () => {
  await broker?.close();
});

async function confluentConsume(isolationLevel: string, count: number): Promise<{ offset: number; value: string }[]> {
  const records = await runPythonDriver<{ offset: number; value: string }[]>(
    CONFLUENT_DRIVER,
    'consume',
    { bootstrap: `127.0.0.1:${broker.port}`, topic: TOPIC, count, isolationLevel },
    60_000,
  );
  return records.map((r) => ({ offset: r.offset, value: Buffer.from(r.value, 'base64').toString() }));
}

describe('read_committed consumers of other clients', () => {
  for (const readUncommitted of [false, true])
    it(`kafkajs, readUncommitted: ${readUncommitted}`, async () => {
      const records = await consumeFromStart(kafkaClient(broker.port), TOPIC, EXPECTED.length, {
        groupId: `kafkajs-${readUncommitted}`,
        readUncommitted,
      });
      expect(records.map(({ offset, value }) => ({ offset, value }))).toEqual(EXPECTED);
    });

  for (const level of ['read_committed', 'read_uncommitted'])
    it(`confluent-kafka-python, isolation.level=${level}`, async () => {
      expect(await confluentConsume(level, EXPECTED.length)).toEqual(EXPECTED);
    });
});
