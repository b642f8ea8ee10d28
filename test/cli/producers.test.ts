/**
 * `tributary producers describe` as a real process: the idempotent producer kafkajs
 * registers through InitProducerId, listed over DescribeProducers from a served broker,
 * then from the data directory once the broker is stopped (its state from the snapshot
 * written at close).
 */
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/cli.js';
import { expectHelp, fails, json, ok } from '../helpers/cliExpect.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

interface Described {
  topic: string;
  partition: number;
  producers: { producerId: number; producerEpoch: number; lastSequence: number; currentTxnStartOffset: number }[];
}

describe('tributary producers describe', () => {
  it('lists a kafkajs idempotent producer from a broker and from the data directory', async () => {
    const dataDir = tempDir();
    const broker = await serve(dataDir);
    const target = ['--bootstrap', `127.0.0.1:${broker.port}`];
    const kafka = kafkaClient(broker.port);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 3; i++)
      await producer.send({ topic: 'events', messages: [{ value: `a${i}` }, { value: `b${i}` }] });
    await producer.disconnect();

    const described = await json<Described>(['producers', 'describe', 'events:0', ...target, '--json']);
    expect(described.producers).toEqual([
      expect.objectContaining({ producerEpoch: 0, lastSequence: 5, currentTxnStartOffset: -1 }),
    ]);
    const text = await ok(['producers', 'describe', 'events:0', ...target]);
    expect(text).toMatch(/PRODUCER-ID\s+PRODUCER-EPOCH\s+LAST-SEQUENCE/);
    expect(text).toContain(String(described.producers[0]!.producerId));
    await fails(['producers', 'describe', 'missing:0', ...target], 1, /UNKNOWN_TOPIC_OR_PARTITION/);

    broker.child.kill('SIGTERM');
    await broker.exit;
    const offline = await json<Described>(['producers', 'describe', 'events:0', '--data-dir', dataDir, '--json']);
    expect(offline.producers).toEqual(described.producers);
  });

  it('has help', async () => {
    await expectHelp('producers', ['describe']);
  });
});
