/**
 * Consumer groups through the broker with kafkajs 2.2.4's group consumer: three members
 * split six partitions, a leaver's partitions move to the others, and committed offsets
 * carry a group across a broker restart with nothing lost and nothing read twice past
 * the last commit.
 */
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

const TOPIC = 'work';
const PARTITIONS = 6;
const SETTINGS = {
  'group.initial.rebalance.delay.ms': '0',
  'group.min.session.timeout.ms': '1000',
  'offsets.topic.num.partitions': '5',
};

let broker: Broker | null = null;
const consumers: Consumer[] = [];

afterEach(async () => {
  for (const c of consumers.splice(0)) await c.disconnect().catch(() => undefined);
  await broker?.close();
  broker = null;
});

async function produce(kafka: Kafka, from: number, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    value: String(from + i),
    partition: (from + i) % PARTITIONS,
  }));
  await producer.send({ topic: TOPIC, messages });
  await producer.disconnect();
}

interface Member {
  consumer: Consumer;
  seen: string[];
  assigned: () => number[];
}

async function member(kafka: Kafka, groupId: string): Promise<Member> {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 6000,
    heartbeatInterval: 300,
    rebalanceTimeout: 5000,
    maxWaitTimeInMs: 100,
  });
  consumers.push(consumer);
  const seen: string[] = [];
  let assigned: number[] = [];
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assigned = (e.payload.memberAssignment[TOPIC] ?? []).slice().sort((a, b) => a - b);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  await consumer.run({
    autoCommitInterval: 100,
    eachMessage: async ({ message }: EachMessagePayload) => {
      seen.push(String(message.value));
    },
  });
  return { consumer, seen, assigned: () => assigned };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('consumer groups with kafkajs', () => {
  it('splits partitions across members, moves a leaver’s partitions, and resumes from commits after a restart', async () => {
    const dataDir = tempDir();
    broker = await Broker.start({ dataDir, port: 0, settings: SETTINGS, logger: createLogger('silent') });
    broker.engine.createTopic(TOPIC, { partitions: PARTITIONS });
    let kafka = kafkaClient(broker.port);
    await produce(kafka, 0, 60);

    const members = [await member(kafka, 'g'), await member(kafka, 'g'), await member(kafka, 'g')];
    const all = () => members.flatMap((m) => m.seen);
    await until(
      () => members.every((m) => m.assigned().length === 2) && all().length >= 60,
      20_000,
      'three members with two partitions each',
    );
    expect(members.flatMap((m) => m.assigned()).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(all()).size).toBe(60);

    const leaver = members.pop()!;
    await leaver.consumer.disconnect();
    await until(() => members.every((m) => m.assigned().length === 3), 10_000, 'the others to take over');
    await produce(kafka, 60, 30);
    await until(
      () => new Set(all()).size >= 90 - leaver.seen.filter((v) => Number(v) >= 60).length,
      10_000,
      'the new records',
    );
    const seenBeforeRestart = new Set([...all(), ...leaver.seen]);
    expect(seenBeforeRestart.size).toBe(90);
    for (const m of members) await m.consumer.disconnect();
    consumers.splice(0);

    await broker.close();
    broker = await Broker.start({ dataDir, port: 0, settings: SETTINGS, logger: createLogger('silent') });
    kafka = kafkaClient(broker.port);
    await produce(kafka, 90, 30);
    const resumed = await member(kafka, 'g');
    await until(() => resumed.seen.length >= 30, 20_000, 'the records after the restart');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Everything committed before the restart stays read; only what came after is new.
    expect(resumed.seen.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => 90 + i));
  }, 60_000);
});
