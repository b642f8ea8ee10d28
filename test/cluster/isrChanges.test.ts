/**
 * The leader's ISR on three `tributary serve --zookeeper` processes and a real ZooKeeper, as
 * Kafka 3.8's Partition keeps it: acks=-1 answered once both followers fetched the records;
 * a follower paused (SIGSTOP, its ZooKeeper session still alive) past replica.lag.time.max.ms
 * leaves the ISR through AlterPartition (Partition.maybeShrinkIsr, the isr-expiration task),
 * after which acks=-1 completes without it; resumed, it catches up and rejoins
 * (Partition.maybeExpandIsr); with both followers paused the ISR is the leader alone, under
 * min.insync.replicas=2: acks=-1 is NOT_ENOUGH_REPLICAS (Partition.appendRecordsToLeader).
 * `topics describe --under-replicated-partitions` follows the ISR.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { KafkaErrors } from '../../src/errors.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { sampleBatch } from '../helpers/batches.js';
import { tributary } from '../helpers/cli.js';
import { eventually, request, serveCluster, settledController, type ServedCluster } from '../helpers/cluster.js';

/** Long enough that a paused follower leaves the ISR by lag, not by losing its session. */
const SESSION_TIMEOUT_MS = 30000;
const LAG_MS = 1500;
const TOPIC = 'isr';

let cluster: ServedCluster;

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS, [
    `replica.lag.time.max.ms=${LAG_MS}`,
    'min.insync.replicas=2',
    'auto.leader.rebalance.enable=false',
  ]);
}, 60000);

afterAll(async () => {
  for (const b of cluster?.brokers.values() ?? []) b.child.kill('SIGCONT');
  await cluster?.close();
});

const port = (id: number): number => cluster.brokers.get(id)!.port;

async function isrInZooKeeper(): Promise<number[]> {
  const [state] = await cluster.zk.getTopicPartitionStates([{ topic: TOPIC, partition: 0 }]);
  return [...state!.leaderAndIsr.isr].sort();
}

async function produce(leader: number, acks: number): Promise<Struct> {
  const body = await request(port(leader), ApiKey.Produce, 9, {
    transactionalId: null,
    acks,
    timeoutMs: 20000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: sampleBatch(1, 3) }] }],
  });
  return ((body.responses as Struct[])[0]!.partitionResponses as Struct[])[0]!;
}

test('followers leave the ISR when they lag and rejoin when caught up; acks=-1 follows the ISR and min.insync.replicas', async () => {
  const leader = await settledController(cluster);
  const [a, b] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
  const created = await request(port(leader), ApiKey.CreateTopics, 5, {
    topics: [
      {
        name: TOPIC,
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [{ partitionIndex: 0, brokerIds: [leader, a, b] }],
        configs: [],
      },
    ],
    timeoutMs: 15000,
    validateOnly: false,
  });
  expect((created.topics as Struct[])[0]).toMatchObject({ errorCode: 0 });
  await eventually(
    () => produce(leader, -1),
    (r) => r.errorCode === 0,
  );

  // A follower with the leader's log end is in sync however long it is silent
  // (ReplicaState.isCaughtUp): it lags once the leader appends past it.
  cluster.brokers.get(b)!.child.kill('SIGSTOP');
  expect(await produce(leader, 1)).toMatchObject({ errorCode: 0 });
  await eventually(isrInZooKeeper, (isr) => isr.join() === [leader, a].sort().join(), 15000);
  expect(await produce(leader, -1)).toMatchObject({ errorCode: 0 });
  // kafka-topics --describe --under-replicated-partitions lists it, from the brokers' metadata.
  const underReplicated = async () =>
    (
      await tributary(['topics', 'describe', '--under-replicated-partitions', '--bootstrap', `127.0.0.1:${port(a)}`])
        .exit
    ).stdout;
  await eventually(underReplicated, (out) => out.includes(`Topic: ${TOPIC}\tPartition: 0\tLeader: ${leader}\t`));

  cluster.brokers.get(b)!.child.kill('SIGCONT');
  await eventually(isrInZooKeeper, (isr) => isr.length === 3, 15000);
  await eventually(underReplicated, (out) => out === '');

  cluster.brokers.get(a)!.child.kill('SIGSTOP');
  cluster.brokers.get(b)!.child.kill('SIGSTOP');
  expect(await produce(leader, 1)).toMatchObject({ errorCode: 0 });
  await eventually(isrInZooKeeper, (isr) => isr.join() === String(leader), 15000);
  // ZooKeeper's ISR reaches the leader through AlterPartition's answer: it refuses from then on.
  await eventually(
    () => produce(leader, -1),
    (r) => r.errorCode === KafkaErrors.NOT_ENOUGH_REPLICAS.code,
  );
  expect(await produce(leader, 1)).toMatchObject({ errorCode: 0 });
  cluster.brokers.get(a)!.child.kill('SIGCONT');
  cluster.brokers.get(b)!.child.kill('SIGCONT');
  await eventually(isrInZooKeeper, (isr) => isr.length === 3, 15000);
  await eventually(underReplicated, (out) => out === '');
  expect(await produce(leader, -1)).toMatchObject({ errorCode: 0 });
}, 90000);
