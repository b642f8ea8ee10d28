/**
 * A broker serving an embedded Tributary in the same process: an embedded group member
 * and a kafkajs member (a remote client, over the protocol) in one consumer group share
 * the partitions and, between them, read every record once.
 */
import { PartitionAssigners, type Consumer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { Tributary } from '../../src/client/Tributary.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

let t: Tributary | null = null;
let broker: Broker | null = null;
let remote: Consumer | null = null;

afterEach(async () => {
  await remote?.disconnect();
  await broker?.close();
  await t?.close();
  remote = null;
  broker = null;
  t = null;
});

/** kafkajs' round robin under the name the Java client (and ours) use, so the group has a common protocol. */
const roundRobinNamedAsJava: typeof PartitionAssigners.roundRobin = (config) => ({
  ...PartitionAssigners.roundRobin(config),
  name: 'roundrobin',
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Broker.start({ tributary })', () => {
  it('puts embedded and protocol consumers in the same group', async () => {
    t = await Tributary.open({ dataDir: tempDir() });
    await t.admin.createTopic('shared', { partitions: 4 });
    broker = await Broker.start({ tributary: t, port: 0, logger: createLogger('silent') });

    const embedded = t.consumer({
      groupId: 'mixed',
      assignors: ['roundrobin'],
      autoOffsetReset: 'earliest',
      heartbeatIntervalMs: 200,
      sessionTimeoutMs: 6000,
    });
    let embeddedPartitions: number[] = [];
    embedded.subscribe(['shared'], {
      onPartitionsAssigned: () =>
        void (embeddedPartitions = embedded
          .assignment()
          .map((tp) => tp.partition)
          .sort()),
    });
    const embeddedSeen: string[] = [];
    const reading = (async () => {
      for await (const r of embedded) embeddedSeen.push(String(r.value));
    })();

    remote = kafkaClient(broker.port).consumer({
      groupId: 'mixed',
      partitionAssigners: [roundRobinNamedAsJava],
      sessionTimeout: 6000,
      heartbeatInterval: 200,
      maxWaitTimeInMs: 100,
    });
    let remotePartitions: number[] = [];
    remote.on(
      remote.events.GROUP_JOIN,
      (e) => void (remotePartitions = (e.payload.memberAssignment.shared ?? []).slice().sort()),
    );
    const remoteSeen: string[] = [];
    await remote.connect();
    await remote.subscribe({ topics: ['shared'], fromBeginning: true });
    await remote.run({ eachMessage: async ({ message }) => void remoteSeen.push(String(message.value)) });
    await until(
      () => remotePartitions.length === 2 && embeddedPartitions.length === 2,
      'both members to hold two partitions',
    );
    expect([...embeddedPartitions, ...remotePartitions].sort()).toEqual([0, 1, 2, 3]);

    const producer = t.producer();
    await producer.send(
      'shared',
      Array.from({ length: 40 }, (_, i) => ({ value: String(i), partition: i % 4 })),
    );
    await until(() => embeddedSeen.length + remoteSeen.length >= 40, 'every record');
    expect([...embeddedSeen, ...remoteSeen].map(Number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    expect(embeddedSeen.length).toBe(20);

    await remote.disconnect();
    remote = null;
    await broker.close();
    broker = null;
    await t.close();
    t = null;
    await reading;
  }, 40_000);
});
