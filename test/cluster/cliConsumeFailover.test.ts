/**
 * `tributary consume --bootstrap` through a broker's death, on three `serve` processes.
 *
 * `consume --follow` reads a partition again once it has a leader again,
 * while its other partitions' leader goes on answering. A partition without a leader makes
 * the consumer ask Metadata again (Kafka 3.8's AbstractFetch.prepareFetchRequests: a position
 * missing its leader calls `metadata.requestUpdate`); nothing else would, since the fetches
 * to the live leader succeed. A controller briefly writes such a state after every leader's
 * death (ReplicaStateMachine's OfflineReplica names no leader before the election); here it
 * lasts: partition 0 has one replica, on a broker killed with SIGKILL, so it is offline until
 * that broker is served again.
 *
 * `consume --group` commits its positions when it leaves, sending again while the commit
 * fails with a retriable error, as Kafka's ConsumerCoordinator.close does
 * (maybeAutoCommitOffsetsSync -> commitOffsetsSync until the close timeout): a record read
 * while the group's coordinator is dead and not yet replaced has its own commit dropped, and
 * leaving commits it at the next coordinator.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tributary, type CliRun } from '../helpers/cli.js';
import {
  committedOffset,
  eventually,
  findCoordinator,
  keyNotCoordinatedBy,
  partitionLeaders,
  serveCluster,
  settledController,
  type ServedCluster,
} from '../helpers/cluster.js';

const SESSION_TIMEOUT_MS = 4000;
const TOPIC = 'one-replica';
let cluster: ServedCluster;

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS, [
    'offsets.topic.num.partitions=3',
    // Three replicas: a coordinator killed, its group moves to another broker.
    'offsets.topic.replication.factor=3',
  ]);
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

/** Resolves with true once `run` printed every one of `values`, false if `timeoutMs` passes first. */
async function printedWithin(run: CliRun, values: readonly string[], timeoutMs: number): Promise<boolean> {
  const seen = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  while (!values.every((v) => seen.has(v))) {
    const left = deadline - Date.now();
    const next = await Promise.race([
      run.lines.next(),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(left, 0))),
    ]);
    if (next === null) return false;
    if (next.done === true) throw new Error(`consume ended: ${(await run.exit).stderr}`);
    seen.add(next.value);
  }
  return true;
}

/** `tributary ...args` (with `stdin`) exits 0. */
async function run(args: string[], stdin?: string): Promise<void> {
  const exit = await tributary(args, stdin === undefined ? {} : { stdin }).exit;
  expect(exit.code, exit.stderr).toBe(0);
}

/** Produces each [value, partition] to `topic` through `bootstrap`. */
const produce = (topic: string, bootstrap: string[], values: [string, number][]) =>
  run(
    ['produce', topic, ...bootstrap, '--format', 'json'],
    values.map(([value, partition]) => `${JSON.stringify({ value, partition })}\n`).join(''),
  );

/** The controller (it stays up) as --bootstrap: [its id, the arguments]. */
async function controllerAsBootstrap(): Promise<[number, string[]]> {
  const id = await settledController(cluster);
  return [id, ['--bootstrap', `127.0.0.1:${cluster.brokers.get(id)!.port}`]];
}

/** Kills broker `id` with SIGKILL and forgets it. */
async function kill(id: number): Promise<void> {
  const victim = cluster.brokers.get(id)!;
  victim.child.kill('SIGKILL');
  await victim.exit;
  cluster.brokers.delete(id);
}

test('consume --group commits on leaving what it read while its coordinator was dead, at the next coordinator', async () => {
  const topic = 'read-while-moving';
  const [bootstrapId, bootstrap] = await controllerAsBootstrap();
  const port = cluster.brokers.get(bootstrapId)!.port;
  // One partition, on the bootstrap: its records are read all along.
  await run(['topics', 'create', topic, '--replica-assignment', String(bootstrapId), ...bootstrap]);
  const [groupId, coordinator] = await keyNotCoordinatedBy(port, bootstrapId, 'leaving', 0);
  await produce(topic, bootstrap, [['first', 0]]);
  const member = tributary(['consume', topic, ...bootstrap, '--group', groupId, '--follow']);
  expect(await printedWithin(member, ['first'], 20_000)).toBe(true);

  await kill(coordinator);
  await produce(topic, bootstrap, [['while-moving', 0]]);
  expect(await printedWithin(member, ['while-moving'], 10_000)).toBe(true);
  // Its session not expired yet, the dead broker is still named the coordinator: that record's commit was dropped.
  expect(await findCoordinator(port, groupId, 0)).toEqual([0, coordinator]);
  member.child.kill('SIGTERM');
  const exit = await member.exit;
  expect(exit.code, exit.stderr).toBe(0);

  const [, next] = await eventually(
    () => findCoordinator(port, groupId, 0),
    ([error, node]) => error === 0 && node !== coordinator,
  );
  const [offset] = await eventually(
    () => committedOffset(cluster.brokers.get(next)!.port, groupId, topic, 0),
    ([, error]) => error === 0,
  );
  expect(offset).toBe(2);
}, 60_000);

test('consume --follow reads a partition whose only replica was killed once that broker is back', async () => {
  // The controller is the bootstrap and leads partition 1; another broker holds partition 0 alone.
  const [bootstrapId, bootstrap] = await controllerAsBootstrap();
  const victimId = [...cluster.brokers.keys()].find((id) => id !== bootstrapId)!;
  await run(['topics', 'create', TOPIC, '--replica-assignment', `${victimId},${bootstrapId}`, ...bootstrap]);
  await produce(TOPIC, bootstrap, [
    ['before-0', 0],
    ['before-1', 1],
  ]);
  const consumer = tributary(['consume', TOPIC, ...bootstrap, '--follow']);
  expect(await printedWithin(consumer, ['before-0', 'before-1'], 20_000)).toBe(true);

  await kill(victimId);
  const port = cluster.brokers.get(bootstrapId)!.port;
  await eventually(
    () => partitionLeaders(port, TOPIC),
    ([leader0]) => leader0 === -1,
    SESSION_TIMEOUT_MS + 15_000,
  );
  // Partition 1's leader answers all along: the consumer reads it while partition 0 has no leader.
  await produce(TOPIC, bootstrap, [['offline-1', 1]]);
  expect(await printedWithin(consumer, ['offline-1'], 10_000)).toBe(true);

  await cluster.start(victimId);
  await eventually(
    () => partitionLeaders(port, TOPIC),
    ([leader0]) => leader0 === victimId,
    20_000,
  );
  await produce(TOPIC, bootstrap, [
    ['back-0', 0],
    ['back-1', 1],
  ]);
  expect(await printedWithin(consumer, ['back-0', 'back-1'], 10_000)).toBe(true);
  consumer.child.kill('SIGTERM');
  expect((await consumer.exit).code).toBe(0);
}, 60_000);
