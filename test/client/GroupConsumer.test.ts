import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { ConsumerRecord, TopicPartition } from '../../src/client/Consumer.js';
import type { GroupConsumer, GroupConsumerOptions } from '../../src/client/GroupConsumer.js';
import { Tributary } from '../../src/client/Tributary.js';
import { encodeAssignment, encodeSubscription, groupByTopic } from '../../src/group/ConsumerProtocol.js';
import { KafkaErrors } from '../../src/errors.js';
import { refusal } from '../helpers/refusal.js';
import { tempDir } from '../helpers/tmp.js';

const TOPIC = 'events';
const PARTITIONS = 6;
/** Fast enough for tests; the coordinator's minimum session timeout is 6 s. */
const FAST: Partial<GroupConsumerOptions> = {
  heartbeatIntervalMs: 50,
  sessionTimeoutMs: 6000,
  rebalanceTimeoutMs: 10_000,
  autoOffsetReset: 'earliest',
};

const open: Tributary[] = [];

afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

async function tributary(dataDir = tempDir()): Promise<Tributary> {
  const t = await Tributary.open({ dataDir });
  open.push(t);
  return t;
}

async function produce(t: Tributary, perPartition: number, tag: string): Promise<void> {
  const producer = t.producer();
  for (let p = 0; p < PARTITIONS; p++) {
    await producer.send(
      TOPIC,
      Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })),
    );
  }
  await producer.close();
}

async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads a consumer in the background into `records` until it closes. */
function drain(consumer: GroupConsumer): { records: ConsumerRecord[]; done: Promise<void> } {
  const records: ConsumerRecord[] = [];
  const done = (async () => {
    for await (const record of consumer) records.push(record);
  })();
  return { records, done };
}

const names = (tps: TopicPartition[]): string[] => tps.map((tp) => `${tp.topic}-${tp.partition}`).sort();
const partitionCount = (consumers: GroupConsumer[]): number[] => consumers.map((c) => c.assignment().length);

describe('GroupConsumer', () => {
  test('three consumers split six partitions; when one leaves the others take its partitions over, from the committed offsets', async () => {
    const t = await tributary();
    await t.admin.createTopic(TOPIC, { partitions: PARTITIONS });
    await produce(t, 20, 'a');
    const consumers = [0, 1, 2].map(() => t.consumer({ groupId: 'g', ...FAST }));
    const events: string[] = [];
    consumers.forEach((c, i) =>
      c.subscribe([TOPIC], {
        onPartitionsAssigned: (tps) => void events.push(`${i}+${names(tps).join(',')}`),
        onPartitionsRevoked: (tps) => void events.push(`${i}-${names(tps).join(',')}`),
      }),
    );
    const drains = consumers.map(drain);
    await until('two partitions each', () => partitionCount(consumers).join() === '2,2,2');
    await until('every record', () => drains.reduce((n, d) => n + d.records.length, 0) === 120);
    const owners = consumers.map((c) => names(c.assignment()));
    expect(new Set(owners.flat()).size).toBe(6);

    await consumers[2]!.close();
    await drains[2]!.done;
    await until(
      'three partitions each for the other two',
      () => partitionCount(consumers.slice(0, 2)).join() === '3,3',
    );
    expect(new Set(consumers.slice(0, 2).flatMap((c) => names(c.assignment()))).size).toBe(6);
    await produce(t, 5, 'b');
    await until('the new records', () => drains.reduce((n, d) => n + d.records.length, 0) === 150);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const values = drains.flatMap((d) => d.records.map((r) => r.value!.toString()));
    expect(values).toHaveLength(150);
    expect(new Set(values).size).toBe(150);
    expect(events.some((e) => e.startsWith('2-'))).toBe(true);
  });

  test('committed offsets resume after t.close() and open: nothing lost, nothing duplicated past the last commit', async () => {
    const dataDir = tempDir();
    const first = await tributary(dataDir);
    await first.admin.createTopic(TOPIC, { partitions: PARTITIONS });
    await produce(first, 10, 'x');
    const consumer = first.consumer({ groupId: 'resume', ...FAST, autoCommit: false });
    consumer.subscribe([TOPIC]);
    const committedValues: string[] = [];
    let taken = 0;
    for await (const record of consumer) {
      taken++;
      if (taken <= 25) committedValues.push(record.value!.toString());
      if (taken === 25) await consumer.commit();
      if (taken === 40) break;
    }
    await first.close();
    open.splice(open.indexOf(first), 1);

    const second = await tributary(dataDir);
    const resumed = second.consumer({ groupId: 'resume', ...FAST, autoCommit: false });
    resumed.subscribe([TOPIC]);
    const { records } = drain(resumed);
    await until('the rest', () => records.length >= 35);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = records.map((r) => r.value!.toString());
    expect(after).toHaveLength(35);
    expect([...committedValues, ...after].sort()).toEqual(
      Array.from({ length: PARTITIONS }, (_, p) => Array.from({ length: 10 }, (_, i) => `x-${p}-${i}`))
        .flat()
        .sort(),
    );
  });

  test('auto-commit commits on close, so the next member of the group starts after what was handed out', async () => {
    const t = await tributary();
    await t.admin.createTopic(TOPIC, { partitions: PARTITIONS });
    await produce(t, 3, 'y');
    const consumer = t.consumer({ groupId: 'auto', ...FAST });
    consumer.subscribe([TOPIC]);
    const { records, done } = drain(consumer);
    await until('all 18', () => records.length === 18);
    await consumer.close();
    await done;
    const next = t.consumer({ groupId: 'auto', ...FAST });
    next.subscribe([TOPIC]);
    await until('an assignment', () => next.assignment().length === PARTITIONS);
    const committed = await next.committed(next.assignment());
    expect(committed.map((c) => c.offset)).toEqual(Array(PARTITIONS).fill(3));
  });

  test('a member that stops heartbeating is evicted after the session timeout and its partitions go to the others', async () => {
    const t = await tributary();
    await t.admin.createTopic(TOPIC, { partitions: PARTITIONS });
    const coordinator = await t.groupCoordinator();
    const consumer = t.consumer({ groupId: 'evict', ...FAST, assignors: ['range'] });
    consumer.subscribe([TOPIC]);
    await until('the whole topic', () => consumer.assignment().length === PARTITIONS);

    // A second member (as a remote client would be) joins, syncs, then never heartbeats.
    const metadata = encodeSubscription({
      topics: [TOPIC],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
    const join = {
      groupId: 'evict',
      sessionTimeoutMs: 6000,
      rebalanceTimeoutMs: 10_000,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata }],
      clientId: 'silent',
      clientHost: 'test',
      requireKnownMemberId: true,
    };
    const first = await coordinator.joinGroup({ ...join, memberId: '' });
    expect(first.errorCode).toBe(KafkaErrors.MEMBER_ID_REQUIRED.code);
    const joined = await coordinator.joinGroup({ ...join, memberId: first.memberId });
    expect(joined.errorCode).toBe(0);
    const leaderAssigns =
      joined.leader === joined.memberId
        ? [
            {
              memberId: joined.memberId,
              assignment: encodeAssignment({ assignedPartitions: groupByTopic([]), userData: null }),
            },
          ]
        : [];
    const synced = await coordinator.syncGroup({
      groupId: 'evict',
      generationId: joined.generationId,
      memberId: joined.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: leaderAssigns,
    });
    expect(synced.errorCode).toBe(0);
    await until('half the topic while the silent member counts', () => consumer.assignment().length === PARTITIONS / 2);
    const silentSince = Date.now();
    await until('the whole topic again', () => consumer.assignment().length === PARTITIONS, 12_000);
    expect(Date.now() - silentSince).toBeGreaterThan(5000);
  }, 20_000);

  test('cooperative-sticky alone: a joining member gets partitions without the others giving up the ones they keep', async () => {
    const t = await tributary();
    await t.admin.createTopic(TOPIC, { partitions: PARTITIONS });
    const options = { groupId: 'coop', ...FAST, assignors: ['cooperative-sticky' as const] };
    const a = t.consumer(options);
    const revokedFromA: string[] = [];
    a.subscribe([TOPIC], { onPartitionsRevoked: (tps) => void revokedFromA.push(...names(tps)) });
    await until('a owns everything', () => a.assignment().length === PARTITIONS);
    const b = t.consumer(options);
    b.subscribe([TOPIC]);
    await until('three each', () => partitionCount([a, b]).join() === '3,3');
    expect(revokedFromA).toHaveLength(3);
    expect(new Set([...names(a.assignment()), ...names(b.assignment())]).size).toBe(PARTITIONS);
  });

  test("the README's group example: two members, three partitions each, positions committed by t.close()", async () => {
    const dataDir = tempDir();
    const t = await Tributary.open({ dataDir });
    await t.admin.createTopic('orders', { partitions: 6 });
    const sent = await t.producer().send('orders', [
      { key: 'o-1', value: 'paid' },
      { key: 'o-2', value: 'shipped' },
    ]);
    const members = [0, 1].map(() =>
      t.consumer({ groupId: 'billing', autoOffsetReset: 'earliest', heartbeatIntervalMs: 50 }),
    );
    const got: string[] = [];
    const reading = members.map(async (member, i) => {
      member.subscribe(['orders'], { onPartitionsAssigned: (tps) => void got.push(`member ${i} got ${tps.length}`) });
      for await (const r of member) got.push(`${r.partition}:${r.offset}:${r.value?.toString()}`);
    });
    await until('both records', () => got.filter((g) => g.includes(':')).length === 2);
    await until('three partitions each', () => partitionCount(members).join() === '3,3');
    await t.close();
    await Promise.all(reading);
    expect(got.filter((g) => g.includes(':')).sort()).toEqual(
      sent.map((m, i) => `${m.partition}:${m.offset}:${['paid', 'shipped'][i]}`).sort(),
    );

    const again = await tributary(dataDir);
    const coordinator = await again.groupCoordinator();
    const { offsets } = await coordinator.fetchOffsets({
      groupId: 'billing',
      partitions: sent.map(({ topic, partition }) => ({ topic, partition })),
      requireStable: true,
    });
    expect(offsets.map((o) => o.offset)).toEqual(sent.map((m) => m.offset + 1));
  });

  test('static members: a member closed without leaving and restarted under its group.instance.id gets its partitions back, the other keeps its own', async () => {
    const t = await tributary();
    await t.admin.createTopic(TOPIC, { partitions: PARTITIONS });
    const options = (instance: string): GroupConsumerOptions => ({
      groupId: 'static',
      ...FAST,
      assignors: ['range'],
      groupInstanceId: instance,
    });
    const a = t.consumer(options('a'));
    a.subscribe([TOPIC]);
    const b = t.consumer(options('b'));
    b.subscribe([TOPIC]);
    await until('three each', () => partitionCount([a, b]).join() === '3,3');
    const ofA = names(a.assignment());
    const ofB = names(b.assignment());
    expect(ofA).toEqual(['events-0', 'events-1', 'events-2']);
    await b.close();
    const again = t.consumer(options('b'));
    again.subscribe([TOPIC]);
    await until('b back', () => again.assignment().length === 3);
    expect(names(again.assignment())).toEqual(ofB);
    expect(names(a.assignment())).toEqual(ofA);
  });

  test('bad options are typed errors', async () => {
    const t = await tributary();
    expect(() => t.consumer({ groupId: '' })).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => t.consumer({ groupId: 'g', assignors: ['sticky' as 'range'] })).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => t.consumer({ groupId: 'g', heartbeatIntervalMs: 0 })).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  test('option and argument messages name the argument, the type expected and what was given', async () => {
    const t = await tributary();
    await t.admin.createTopic('events');
    const invalid = (message: string) => ({ code: 'ERR_INVALID_ARGUMENT', message });
    expect(await refusal(() => t.consumer({ groupId: 42 as never }))).toEqual(
      invalid('groupId must be a non-empty string, got number 42'),
    );
    expect(await refusal(() => t.consumer({ groupId: 'g', autoCommit: 'yes' as never }))).toEqual(
      invalid("autoCommit must be a boolean, got string 'yes'"),
    );
    expect(await refusal(() => t.consumer({ groupId: 'g', sessionTimeoutMs: '10000' as never }))).toEqual(
      invalid("sessionTimeoutMs must be a positive integer, got string '10000'"),
    );
    const consumer = t.consumer({ groupId: 'g' });
    expect(await refusal(() => consumer.subscribe(['events', 3] as never))).toEqual(
      invalid('subscribe: topics[1] must be a non-empty string, got number 3'),
    );
    expect(await refusal(() => consumer.commit([{ topic: 'events', partition: 0, offset: '5' as never }]))).toEqual(
      invalid("commit: offset must be a non-negative integer, got string '5'"),
    );
    expect(await refusal(() => consumer.committed('events' as never))).toEqual(
      invalid("committed: partitions must be an array, got string 'events'"),
    );
    await consumer.close();
  });

  test('a process whose only work is joining a group stays alive until the join completes', () => {
    // The coordinator's timers are unref'd, except those ending a rebalance a member waits on.
    const child = join(import.meta.dirname, 'fixtures', 'group-join-child.mjs');
    const stdout = execFileSync(process.execPath, [child, tempDir()], { encoding: 'utf8', timeout: 30_000 });
    expect(stdout).toBe('got hello\nclosed\n');
  });
});
