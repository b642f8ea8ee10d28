/**
 * A stale controller is fenced (KafkaController's ControllerMovedException path, KIP-380's
 * epochs): two `tributary serve --zookeeper` processes; the controller is paused with SIGSTOP
 * past its session timeout, so the other broker is elected with a higher controller epoch
 * and takes over. Resumed, the old controller learns its session expired, resigns (Expire)
 * and registers again (RegisterBrokerAndReelect) without winning: /controller, the
 * partition states and every broker's metadata stay the new controller's.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import type { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import type { ServedBroker } from '../helpers/cli.js';
import { eventually, request, serveCluster, type ServedCluster } from '../helpers/cluster.js';

const SESSION_TIMEOUT_MS = 4000;
let cluster: ServedCluster;
let zk: KafkaZkClient;
let brokers: Map<number, ServedBroker>;

beforeAll(async () => {
  cluster = await serveCluster(2, SESSION_TIMEOUT_MS);
  ({ zk, brokers } = cluster);
}, 60000);

afterAll(async () => {
  await cluster?.close();
});

const controllerOf = (port: number): Promise<unknown> =>
  request(port, ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false }).then((m) => m.controllerId);

test('a controller paused past its session is replaced, then resigns when resumed and changes nothing', async () => {
  const old = (await eventually(
    () => zk.getControllerId(),
    (id) => id !== null,
  ))!;
  const next = old === 1 ? 2 : 1;
  const oldEpoch = (await zk.getControllerEpoch())!.epoch;
  const paused = brokers.get(old)!.child;
  paused.kill('SIGSTOP');
  try {
    await eventually(
      () => zk.getControllerId(),
      (id) => id === next,
      SESSION_TIMEOUT_MS + 10000,
    );
    const newEpoch = (await zk.getControllerEpoch())!.epoch;
    expect(newEpoch).toBeGreaterThan(oldEpoch);
    const created = await request(brokers.get(next)!.port, ApiKey.CreateTopics, 5, {
      topics: [{ name: 'fenced', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10000,
      validateOnly: false,
    });
    expect((created.topics as Struct[])[0]!.errorCode).toBe(0);
  } finally {
    paused.kill('SIGCONT');
  }
  const newEpoch = (await zk.getControllerEpoch())!.epoch;
  // The resumed broker learns of the new controller (its UpdateMetadata) and registers again.
  await eventually(
    () => controllerOf(brokers.get(old)!.port),
    (id) => id === next,
    20000,
  );
  await eventually(
    () => zk.getAllBrokerAndEpochsInCluster(),
    (all) =>
      all
        .map((b) => b.info.id)
        .sort()
        .join() === '1,2',
  );
  expect(await zk.getControllerId()).toBe(next);
  expect((await zk.getControllerEpoch())!.epoch).toBe(newEpoch);
  const states = await zk.getTopicPartitionStates([0, 1].map((partition) => ({ topic: 'fenced', partition })));
  for (const state of states) expect(state?.controllerEpoch).toBe(newEpoch);
  expect(await controllerOf(brokers.get(next)!.port)).toBe(next);
}, 60000);
