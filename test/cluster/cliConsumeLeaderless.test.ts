/**
 * `tributary consume --bootstrap --follow` reads a partition again once it has a leader again,
 * while its other partitions' leader goes on answering. A partition without a leader makes
 * the consumer ask Metadata again (Kafka 3.8's AbstractFetch.prepareFetchRequests: a position
 * missing its leader calls `metadata.requestUpdate`); nothing else would, since the fetches
 * to the live leader succeed. A controller briefly writes such a state after every leader's
 * death (ReplicaStateMachine's OfflineReplica names no leader before the election); here it
 * lasts: partition 0 has one replica, on a broker killed with SIGKILL, so it is offline until
 * that broker is served again.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tributary, type CliRun } from '../helpers/cli.js';
import {
  eventually,
  partitionLeaders,
  serveCluster,
  settledController,
  type ServedCluster,
} from '../helpers/cluster.js';

const SESSION_TIMEOUT_MS = 4000;
const TOPIC = 'one-replica';
let cluster: ServedCluster;

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS);
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

test('consume --follow reads a partition whose only replica was killed once that broker is back', async () => {
  // The controller is the bootstrap and leads partition 1; another broker holds partition 0 alone.
  const bootstrapId = await settledController(cluster);
  const victimId = [...cluster.brokers.keys()].find((id) => id !== bootstrapId)!;
  const bootstrap = ['--bootstrap', `127.0.0.1:${cluster.brokers.get(bootstrapId)!.port}`];
  const run = async (args: string[], stdin?: string) => {
    const exit = await tributary(args, stdin === undefined ? {} : { stdin }).exit;
    expect(exit.code, exit.stderr).toBe(0);
  };
  const produce = (values: [string, number][]) =>
    run(
      ['produce', TOPIC, ...bootstrap, '--format', 'json'],
      values.map(([value, partition]) => `${JSON.stringify({ value, partition })}\n`).join(''),
    );
  await run(['topics', 'create', TOPIC, '--replica-assignment', `${victimId},${bootstrapId}`, ...bootstrap]);
  await produce([
    ['before-0', 0],
    ['before-1', 1],
  ]);
  const consumer = tributary(['consume', TOPIC, ...bootstrap, '--follow']);
  expect(await printedWithin(consumer, ['before-0', 'before-1'], 20_000)).toBe(true);

  const victim = cluster.brokers.get(victimId)!;
  victim.child.kill('SIGKILL');
  await victim.exit;
  cluster.brokers.delete(victimId);
  const port = cluster.brokers.get(bootstrapId)!.port;
  await eventually(
    () => partitionLeaders(port, TOPIC),
    ([leader0]) => leader0 === -1,
    SESSION_TIMEOUT_MS + 15_000,
  );
  // Partition 1's leader answers all along: the consumer reads it while partition 0 has no leader.
  await produce([['offline-1', 1]]);
  expect(await printedWithin(consumer, ['offline-1'], 10_000)).toBe(true);

  await cluster.start(victimId);
  await eventually(
    () => partitionLeaders(port, TOPIC),
    ([leader0]) => leader0 === victimId,
    20_000,
  );
  await produce([
    ['back-0', 0],
    ['back-1', 1],
  ]);
  expect(await printedWithin(consumer, ['back-0', 'back-1'], 10_000)).toBe(true);
  consumer.child.kill('SIGTERM');
  expect((await consumer.exit).code).toBe(0);
}, 60_000);
