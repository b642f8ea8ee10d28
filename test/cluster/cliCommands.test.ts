/**
 * The CLI's produce, consume and groups on three `tributary serve --zookeeper` processes,
 * each run given one broker as --bootstrap: not the controller, and not the leader of most
 * partitions (six, two led by each broker). As Kafka's clients, the commands follow
 * Metadata's leaders: produce sends each partition's batch to its leader (a Produce to another
 * broker is NOT_LEADER_OR_FOLLOWER), consume fetches from each leader, a group member finds
 * its coordinator with FindCoordinator (retried while `__consumer_offsets` is being created:
 * COORDINATOR_NOT_AVAILABLE, KafkaApis.getCoordinator), and groups list asks every broker
 * (KafkaAdminClient.listConsumerGroups) while groups describe asks the group's coordinator.
 * Then FindCoordinator for transactional ids, sent to the three brokers at once before
 * `__transaction_state` exists: each answers COORDINATOR_NOT_AVAILABLE while one creation wins,
 * then all name the same live leaders. Last, a `consume --group --follow` member whose
 * coordinator is killed with SIGKILL finds the new one (AbstractCoordinator.markCoordinatorUnknown
 * on the lost connection), which loaded the group from its replica of `__consumer_offsets`,
 * goes on there, and commits there what it reads from then on; a
 * running produce whose metadata named the killed broker as a leader sends to the new one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { tributary, type CliRun } from '../helpers/cli.js';
import {
  eventually,
  findCoordinator,
  keyNotCoordinatedBy,
  ledPartitions,
  request,
  serveCluster,
  nonControllerBroker,
  type ServedCluster,
} from '../helpers/cluster.js';

const SESSION_TIMEOUT_MS = 6000;
const PARTITIONS = 6;
const RECORDS = 60;
const COORDINATOR_NOT_AVAILABLE = 15;

let cluster: ServedCluster;
let bootstrapId: number;
let bootstrap: string[];

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS, [
    'offsets.topic.num.partitions=6',
    // Three replicas: a group's coordinator killed, its partition gets another leader.
    'offsets.topic.replication.factor=3',
    'transaction.state.log.num.partitions=5',
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=1000',
  ]);
  [bootstrapId] = await nonControllerBroker(cluster);
  bootstrap = ['--bootstrap', `127.0.0.1:${cluster.brokers.get(bootstrapId)!.port}`];
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

/** `tributary ...args` exits 0; its stdout. */
async function ok(args: string[], stdin?: string): Promise<string> {
  const exit = await tributary(args, stdin === undefined ? {} : { stdin }).exit;
  expect(exit.code, `${args.join(' ')}: ${exit.stderr}`).toBe(0);
  return exit.stdout;
}

const jsonLines = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);

interface Consumed {
  partition: number;
  offset: number;
  key: string;
  value: string;
}

/** [offset, key, value] per partition, in offset order. */
function perPartition(records: readonly Consumed[]): [number, string, string][][] {
  const out: [number, string, string][][] = Array.from({ length: PARTITIONS }, () => []);
  for (const r of [...records].sort((a, b) => a.offset - b.offset)) out[r.partition]!.push([r.offset, r.key, r.value]);
  return out;
}

/** Resolves once `run` printed every line of `values` (as its text output), whatever else it printed. */
async function printed(run: CliRun, values: readonly string[]): Promise<void> {
  const seen = new Set<string>();
  while (!values.every((v) => seen.has(v))) {
    const next = await run.lines.next();
    if (next.done === true) throw new Error(`ended before printing ${values.join(', ')}: ${(await run.exit).stderr}`);
    seen.add(next.value);
  }
}

/** Writes `values` to a running `produce --format json --json`, partition i % 3 each; resolves once each is acknowledged. */
async function acknowledged(producer: CliRun, values: readonly string[]): Promise<void> {
  producer.child.stdin.write(values.map((value, i) => `${JSON.stringify({ value, partition: i % 3 })}\n`).join(''));
  for (const value of values) {
    const next = await producer.lines.next();
    if (next.done === true)
      throw new Error(`produce ended before acknowledging ${value}: ${(await producer.exit).stderr}`);
  }
}

describe('produce, consume and groups with one broker of three as --bootstrap', () => {
  const topic = 'spread';
  let produced: Consumed[];

  it('produce sends each partition to its leader and consume reads every leader, keys and order kept', async () => {
    await ok(['topics', 'create', topic, '--partitions', String(PARTITIONS), ...bootstrap]);
    const leaders = await ledPartitions(cluster.brokers.get(bootstrapId)!.port, topic, PARTITIONS);
    expect([...leaders].sort()).toEqual([1, 1, 2, 2, 3, 3]);

    const lines = Array.from({ length: RECORDS }, (_, i) => `key-${i}:value-${i}\n`).join('');
    const acknowledged = jsonLines<{ partition: number; offset: number }>(
      await ok(['produce', topic, ...bootstrap, '-K', ':', '--json'], lines),
    );
    expect(acknowledged).toHaveLength(RECORDS);
    // murmur2 of these keys reaches every partition, so every broker leads some of them.
    expect(new Set(acknowledged.map((a) => a.partition)).size).toBe(PARTITIONS);
    produced = acknowledged.map((a, i) => ({ ...a, key: `key-${i}`, value: `value-${i}` }));

    const consumed = jsonLines<Consumed>(await ok(['consume', topic, ...bootstrap, '--format', 'json']));
    expect(perPartition(consumed)).toEqual(perPartition(produced));
  });

  it('a group finds its coordinator while __consumer_offsets is created, and groups list and describe reach the coordinators', async () => {
    // The first FindCoordinator creates __consumer_offsets: the member retries until it is led.
    const first = await tributary(['consume', topic, ...bootstrap, '--group', 'first', '--format', 'json']).exit;
    expect(first.code, first.stderr).toBe(0);
    expect(jsonLines<Consumed>(first.stdout)).toHaveLength(RECORDS);

    const port = cluster.brokers.get(bootstrapId)!.port;
    const [elsewhere, coordinator] = await keyNotCoordinatedBy(port, bootstrapId, 'cli-group', 0);
    expect(coordinator).not.toBe(bootstrapId);
    const read = jsonLines<Consumed>(
      await ok(['consume', topic, ...bootstrap, '--group', elsewhere, '--format', 'json']),
    );
    expect(perPartition(read)).toEqual(perPartition(produced));

    const listed = JSON.parse(await ok(['groups', 'list', ...bootstrap, '--json'])) as { groupId: string }[];
    // The bootstrap broker alone does not coordinate `elsewhere`: only asking every broker lists both.
    expect(listed.map((g) => g.groupId).sort()).toEqual(['first', elsewhere].sort());
    const [described] = JSON.parse(await ok(['groups', 'describe', elsewhere, ...bootstrap, '--json'])) as {
      state: string;
      offsets: { partition: number; currentOffset: number; logEndOffset: number; lag: number }[];
    }[];
    expect(described!.state).toBe('Empty');
    const ends = perPartition(produced).map((records) => records.length);
    expect(described!.offsets.map((o) => [o.partition, o.currentOffset, o.logEndOffset, o.lag])).toEqual(
      ends.map((end, p) => [p, end, end, 0]),
    );
  });

  it('FindCoordinator for transactional ids from all three brokers at once while __transaction_state is created', async () => {
    const keys = ['txn-a', 'txn-b', 'txn-c', 'txn-d'];
    const ports = [...cluster.brokers.values()].map((b) => b.port);
    const find = (port: number) =>
      request(port, ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: keys }).then(
        (r) => (r.coordinators as Struct[]).map((c) => [c.key, c.errorCode, c.nodeId]) as [string, number, number][],
      );
    const firsts = await Promise.all(ports.map(find));
    for (const answer of firsts) expect(answer).toEqual(keys.map((key) => [key, COORDINATOR_NOT_AVAILABLE, -1]));

    const settled = await Promise.all(
      ports.map((port) =>
        eventually(
          () => find(port),
          (answer) => answer.every(([, errorCode]) => errorCode === 0),
        ),
      ),
    );
    expect(new Set(settled.map((answer) => JSON.stringify(answer))).size).toBe(1);
    const created = await request(ports[0]!, ApiKey.Metadata, 9, {
      topics: [{ name: '__transaction_state' }],
      allowAutoTopicCreation: false,
    });
    const [state] = created.topics as Struct[];
    expect(state!.isInternal).toBe(true);
    expect(state!.partitions as Struct[]).toHaveLength(5);
  });
  it('a group member follows its coordinator, and a producer the leaders, to other brokers when one is killed', async () => {
    const moving = 'moving';
    await ok(['topics', 'create', moving, '--partitions', '3', '--replication-factor', '3', ...bootstrap]);
    const port = cluster.brokers.get(bootstrapId)!.port;
    await ledPartitions(port, moving, 3);
    const [groupId, coordinator] = await keyNotCoordinatedBy(port, bootstrapId, 'moving-group', 0);
    // One producer for the whole test: its metadata names the killed broker when the later records come.
    const producer = tributary(['produce', moving, ...bootstrap, '--format', 'json', '--json']);
    await acknowledged(producer, ['before-0', 'before-1', 'before-2']);
    const member = tributary(['consume', moving, ...bootstrap, '--group', groupId, '--follow']);
    let stderr = '';
    member.child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const assignments = (): number => stderr.split('\n').filter((line) => line.includes(': assigned ')).length;
    await printed(member, ['before-0', 'before-1', 'before-2']);
    expect(assignments()).toBe(1);

    const victim = cluster.brokers.get(coordinator)!;
    victim.child.kill('SIGKILL');
    await victim.exit;
    cluster.brokers.delete(coordinator);
    // Its session expires, the controller elects other leaders for its partitions.
    const [, moved] = await eventually(
      () => findCoordinator(port, groupId, 0),
      ([error, node]) => error === 0 && node !== coordinator,
      SESSION_TIMEOUT_MS + 15_000,
    );
    expect(cluster.brokers.has(moved)).toBe(true);
    await eventually(
      () => ledPartitions(port, moving, 3),
      (leaders) => !leaders.includes(coordinator),
      SESSION_TIMEOUT_MS + 15_000,
    );
    // The new coordinator loaded the group from its replica of __consumer_offsets (members, generation,
    // commits), so the member's heartbeats go on there; its consumption goes on through the new leaders.
    const after = ['after-0', 'after-1', 'after-2', 'after-3', 'after-4', 'after-5'];
    await acknowledged(producer, after);
    producer.child.stdin.end();
    expect((await producer.exit).code).toBe(0);
    await printed(member, after);
    // No rebalance was needed: the member kept its generation and assignment.
    expect(assignments()).toBe(1);
    member.child.kill('SIGTERM');
    const exit = await member.exit;
    expect(exit.code, exit.stderr).toBe(0);

    // The member went on at the new coordinator and committed there up to the end of every partition.
    const [described] = JSON.parse(await ok(['groups', 'describe', groupId, ...bootstrap, '--json'])) as {
      offsets: { currentOffset: number; logEndOffset: number }[];
    }[];
    expect(described!.offsets.length).toBeGreaterThan(0);
    for (const o of described!.offsets) expect(o.currentOffset).toBe(o.logEndOffset);
    // Two waits of up to a session timeout and more (the kill, then the elections) on a loaded host.
  }, 120_000);
});
