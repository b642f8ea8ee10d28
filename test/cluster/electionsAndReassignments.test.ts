/**
 * ElectLeaders, AlterPartitionReassignments and ListPartitionReassignments over the wire on
 * three `tributary serve --zookeeper` processes and a real ZooKeeper, as Kafka 3.8's ZooKeeper
 * brokers serve them (KafkaApis.handleElectLeaders, handleAlterPartitionReassignmentsRequest,
 * handleListPartitionReassignmentsRequest; KafkaController.processReplicaLeaderElection,
 * processApiPartitionReassignment, processListPartitionReassignments). kafkajs 2.2.4 (the one
 * of our clients that has the reassignment APIs; none has ElectLeaders: confluent-kafka 1.7 and
 * kafka-python 2.0.2 lack it) reassigns and lists through the controller, `tributary
 * leader-election` and `reassign-partitions` (Kafka's tools) elect, list and cancel, and raw
 * requests check NOT_CONTROLLER and the per-partition errors.
 *
 * With replication (issue 21) followers fetch and rejoin ISRs through their leaders'
 * AlterPartition (Kafka 3.8 KafkaController.processAlterPartition), so what Kafka does happens:
 * a reassignment that adds a replica completes once the new replica has joined the ISR
 * (onPartitionReassignment's phase B: the leader moved into the target replicas if it is not
 * one, the removed ones stopped), and a broker that stopped and returned rejoins the ISRs, so a
 * preferred election gives it its partitions back (onReplicaElection). To see the states in
 * between, the test holds a replica back: a broker paused (SIGSTOP, its ZooKeeper session alive)
 * fetches nothing, so a reassignment adding it stays in progress (listed, described, verified,
 * cancelled), also across a controller failover; a preferred replica that is stopped cannot
 * lead (PREFERRED_LEADER_NOT_AVAILABLE); and once the last in-sync replica stopped, a broker
 * alive but out of the ISR leads only by an unclean election. Brokers stop gracefully
 * (controlled shutdown), and the controller is kept off the broker to be paused by restarting
 * it while it is the controller (`ensureControllerNot`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Admin } from 'kafkajs';
import { KafkaErrors } from '../../src/errors.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { tributary, type Exit } from '../helpers/cli.js';
import { eventually, request, serveCluster, type ServedCluster } from '../helpers/cluster.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Long enough that a broker paused through a section stays registered (and in its ISRs:
 * replica.lag.time.max.ms likewise); every broker stops gracefully, closing its session, so
 * nothing waits on it. A broker stopped while the last in-sync replica of a partition tries
 * its controlled shutdown controlled.shutdown.max.retries times before it goes anyway: a short
 * backoff between the attempts.
 */
const SESSION_TIMEOUT_MS = 30000;
const TOPIC = 'moves';

let cluster: ServedCluster;
let admin: Admin;
/** The brokers running (a paused one too). */
const live = new Set([1, 2, 3]);

beforeAll(async () => {
  cluster = await serveCluster(3, SESSION_TIMEOUT_MS, [
    'auto.leader.rebalance.enable=false',
    'replica.lag.time.max.ms=60000',
    'controlled.shutdown.retry.backoff.ms=500',
  ]);
}, 60000);

afterAll(async () => {
  await admin?.disconnect();
  await cluster?.close();
});

const port = (id: number): number => cluster.brokers.get(id)!.port;

async function controllerId(): Promise<number> {
  return (await eventually(
    () => cluster.zk.getControllerId(),
    (id) => id !== null,
  ))!;
}

/** Each partition of TOPIC as broker `id` sees it: [leader, replicas, isr]. */
async function view(id: number): Promise<[number, number[], number[]][]> {
  const m = await request(port(id), ApiKey.Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false });
  const partitions = ((m.topics as Struct[])[0]!.partitions as Struct[]).sort(
    (a, b) => (a.partitionIndex as number) - (b.partitionIndex as number),
  );
  return partitions.map((p) => [p.leaderId as number, p.replicaNodes as number[], p.isrNodes as number[]]);
}

/** Waits until every live broker in `ids` sees partition `p` as `ok` says. */
async function everywhere(
  ids: number[],
  p: number,
  ok: (partition: [number, number[], number[]]) => boolean,
): Promise<void> {
  for (const id of ids)
    await eventually(
      () => view(id),
      (v) => v[p] !== undefined && ok(v[p]),
    );
}

async function cli(args: string[]): Promise<Exit> {
  return tributary([...args, '--bootstrap', `127.0.0.1:${port(await controllerId())}`]).exit;
}

/** A raw request to the controller of the moment. */
async function toController(apiKey: number, version: number, body: Struct): Promise<Struct> {
  return request(port(await controllerId()), apiKey, version, body);
}

const elect = (electionType: number, partitions: number[]): Promise<Struct> =>
  toController(ApiKey.ElectLeaders, 2, {
    electionType,
    topicPartitions: [{ topic: TOPIC, partitions }],
    timeoutMs: 10000,
  });

const partitionResults = (answer: Struct): Struct[] =>
  ((answer.replicaElectionResults as Struct[])[0]?.partitionResult as Struct[]) ?? [];

/** SIGTERM: a controlled shutdown (the broker's leaderships move first; a controller resigns). */
async function stop(id: number): Promise<void> {
  cluster.brokers.get(id)!.child.kill('SIGTERM');
  expect((await cluster.brokers.get(id)!.exit).code).toBe(0);
  live.delete(id);
}

async function start(id: number): Promise<void> {
  await cluster.start(id);
  live.add(id);
}

/** The controller once every live broker names it and lists the live brokers (their UpdateMetadata arrived). */
async function settled(): Promise<number> {
  const controller = await controllerId();
  for (const id of live)
    await eventually(
      () => request(port(id), ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false }),
      (m) => (m.brokers as Struct[]).length === live.size && m.controllerId === controller,
    );
  return controller;
}

/**
 * While broker `id` is the controller, stops it (the controller moves to another broker) and
 * starts it again; then every live broker names the controller, which is not `id`.
 */
async function ensureControllerNot(id: number): Promise<number> {
  for (;;) {
    const controller = await settled();
    if (controller !== id) return controller;
    await stop(id);
    await start(id);
  }
}

/** Pauses broker `id` (SIGSTOP: it answers and fetches nothing, its session lives on) while `meanwhile` runs. */
async function paused(id: number, meanwhile: () => Promise<void>): Promise<void> {
  const child = cluster.brokers.get(id)!.child;
  child.kill('SIGSTOP');
  try {
    await meanwhile();
  } finally {
    child.kill('SIGCONT');
  }
}

test('elections and reassignments through the controller, with kafkajs and the CLI', { timeout: 120000 }, async () => {
  // Broker 1 is paused below while the controller answers: the controller is another, and
  // stays so until a broker stops (broker 2, after the reassignments). The admin client's
  // bootstrap is neither, so it never connects to 1.
  const controller = await ensureControllerNot(1);
  const other = [2, 3].find((id) => id !== controller)!;
  admin = kafkaClient(port(other)).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      {
        topic: TOPIC,
        replicaAssignment: [
          { partition: 0, replicas: [1, 2] },
          { partition: 1, replicas: [2, 3] },
          { partition: 2, replicas: [1, 2] },
        ],
      },
    ],
  });
  await everywhere([1, 2, 3], 2, ([leader]) => leader === 1);

  // A broker that is not the controller: ElectLeaders NOT_CONTROLLER per partition, the
  // reassignment APIs at the top level (KafkaAdminClient sends them to the controller).
  const elsewhere = await request(port(other), ApiKey.ElectLeaders, 2, {
    electionType: 0,
    topicPartitions: [{ topic: TOPIC, partitions: [0] }],
    timeoutMs: 1000,
  });
  expect(elsewhere.errorCode).toBe(0);
  expect(partitionResults(elsewhere)).toEqual([
    { partitionId: 0, errorCode: KafkaErrors.NOT_CONTROLLER.code, errorMessage: null },
  ]);
  const alterElsewhere = await request(port(other), ApiKey.AlterPartitionReassignments, 0, {
    timeoutMs: 1000,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, replicas: [2, 1] }] }],
  });
  expect(alterElsewhere).toMatchObject({ errorCode: KafkaErrors.NOT_CONTROLLER.code, responses: [] });
  const listElsewhere = await request(port(other), ApiKey.ListPartitionReassignments, 0, {
    timeoutMs: 1000,
    topics: null,
  });
  expect(listElsewhere).toMatchObject({ errorCode: KafkaErrors.NOT_CONTROLLER.code, topics: [] });

  // A new order of the same replicas completes at once (nothing to add): the preferred replica is now 2.
  expect((await admin.listPartitionReassignments({})).topics).toEqual([]);
  await admin.alterPartitionReassignments({
    topics: [{ topic: TOPIC, partitionAssignment: [{ partition: 0, replicas: [2, 1] }] }],
  });
  await everywhere([1, 2, 3], 0, ([leader, replicas]) => leader === 1 && replicas.join() === '2,1');
  const [znode] = await cluster.zk.getReplicaAssignmentAndTopicIdForTopics([TOPIC]);
  expect(znode!.assignment.get(0)).toMatchObject({ replicas: [2, 1], addingReplicas: [], removingReplicas: [] });

  // kafka-leader-election.sh: the preferred replica leads once the command returns (DelayedElectLeader
  // answered when the controller's broker's cache shows it); again, nothing to do.
  const preferred = await cli([
    'leader-election',
    '--election-type',
    'preferred',
    '--topic',
    TOPIC,
    '--partition',
    '0',
  ]);
  expect(preferred, preferred.stderr).toMatchObject({
    code: 0,
    stdout: `Successfully completed leader election (PREFERRED) for partitions ${TOPIC}-0\n`,
  });
  expect((await view(await controllerId()))[0]![0]).toBe(2);
  await everywhere([1, 2, 3], 0, ([leader]) => leader === 2);
  const again = await cli(['leader-election', '--election-type', 'preferred', '--all-topic-partitions']);
  expect(again).toMatchObject({ code: 0, stdout: '' });
  const electionFile = join(tempDir(), 'elect.json');
  writeFileSync(electionFile, JSON.stringify({ partitions: [{ topic: TOPIC, partition: 0 }] }));
  const noop = await cli(['leader-election', '--election-type', 'preferred', '--path-to-json-file', electionFile]);
  expect(noop.stdout).toBe(`Valid replica already elected for partitions ${TOPIC}-0\n`);
  // v0 (no election type: preferred) for every partition: those needing none are left out.
  expect(await toController(ApiKey.ElectLeaders, 0, { topicPartitions: null, timeoutMs: 1000 })).toMatchObject({
    replicaElectionResults: [],
  });
  // ElectionType.valueOf refuses any other value (IllegalArgumentException): KafkaApis.handleError
  // answers ElectLeadersRequest.getErrorResponse, UNKNOWN_SERVER_ERROR without a message, for
  // each partition as listed (a duplicate too), and none when all partitions were asked for.
  expect(await elect(5, [0, 0])).toEqual({
    throttleTimeMs: 0,
    errorCode: KafkaErrors.UNKNOWN_SERVER_ERROR.code,
    replicaElectionResults: [
      {
        topic: TOPIC,
        partitionResult: [0, 0].map((partitionId) => ({
          partitionId,
          errorCode: KafkaErrors.UNKNOWN_SERVER_ERROR.code,
          errorMessage: null,
        })),
      },
    ],
  });
  expect(
    await toController(ApiKey.ElectLeaders, 2, { electionType: 2, topicPartitions: null, timeoutMs: 1000 }),
  ).toEqual({ throttleTimeMs: 0, errorCode: KafkaErrors.UNKNOWN_SERVER_ERROR.code, replicaElectionResults: [] });
  expect(partitionResults(await elect(1, [7]))).toEqual([
    {
      partitionId: 7,
      errorCode: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code,
      errorMessage: 'The partition does not exist.',
    },
  ]);

  // Per-partition errors (KafkaController.validateReplicas, maybeBuildReassignment, maybeTriggerPartitionReassignment).
  const refused = await toController(ApiKey.AlterPartitionReassignments, 0, {
    timeoutMs: 1000,
    topics: [
      {
        name: TOPIC,
        partitions: [
          { partitionIndex: 0, replicas: [9] },
          { partitionIndex: 1, replicas: null },
          { partitionIndex: 2, replicas: [1, 1] },
        ],
      },
      { name: 'nowhere', partitions: [{ partitionIndex: 0, replicas: [1] }] },
    ],
  });
  const errors = (refused.responses as Struct[]).flatMap((t) =>
    (t.partitions as Struct[]).map((p) => [`${t.name as string}-${p.partitionIndex as number}`, p.errorCode]),
  );
  expect(errors.sort()).toEqual([
    [`${TOPIC}-0`, KafkaErrors.INVALID_REPLICA_ASSIGNMENT.code],
    [`${TOPIC}-1`, KafkaErrors.NO_REASSIGNMENT_IN_PROGRESS.code],
    [`${TOPIC}-2`, KafkaErrors.INVALID_REPLICA_ASSIGNMENT.code],
    ['nowhere-0', KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code],
  ]);

  // kafka-reassign-partitions.sh --execute: the current assignment printed for a rollback, then started.
  const file = join(tempDir(), 'reassign.json');
  writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: TOPIC, partition: 2, replicas: [2, 1] }] }));
  const verify = ['reassign-partitions', '--verify', '--reassignment-json-file', file];
  const executed = await cli(['reassign-partitions', '--execute', '--reassignment-json-file', file]);
  expect(executed.stdout).toContain(
    `{"version":1,"partitions":[{"topic":"${TOPIC}","partition":2,"replicas":[1,2],"log_dirs":["any","any"]}]}`,
  );
  expect(executed.stdout).toContain(`Successfully started partition reassignment for ${TOPIC}-2\n`);
  expect((await cli(verify)).stdout).toBe(
    `Status of partition reassignment:\nReassignment of partition ${TOPIC}-2 is completed.\n`,
  );
  await everywhere([1, 2, 3], 2, ([leader, replicas]) => leader === 1 && replicas.join() === '2,1');
  // DelayedElectLeader with a timeout of 0: answered before the new leader reaches this broker's
  // metadata cache (its UpdateMetadata is still on the socket), REQUEST_TIMED_OUT; elected all the same.
  const hurried = await toController(ApiKey.ElectLeaders, 2, {
    electionType: 0,
    topicPartitions: [{ topic: TOPIC, partitions: [2] }],
    timeoutMs: 0,
  });
  expect(partitionResults(hurried)).toEqual([
    { partitionId: 2, errorCode: KafkaErrors.REQUEST_TIMED_OUT.code, errorMessage: null },
  ]);
  await everywhere([1, 2, 3], 2, ([leader]) => leader === 2);

  // A replica added stays adding while it cannot catch up: broker 1 paused fetches nothing, so
  // it does not join the ISR (no AlterPartition from the leader, 2) and phase A's state holds.
  // It leads no partition now (kafka-topics --describe asks each leader for its log start
  // offset) and the controller is another broker.
  expect(await controllerId()).not.toBe(1);
  writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: TOPIC, partition: 1, replicas: [1, 3] }] }));
  await paused(1, async () => {
    await admin.alterPartitionReassignments({
      topics: [{ topic: TOPIC, partitionAssignment: [{ partition: 1, replicas: [1, 3] }] }],
    });
    expect((await admin.listPartitionReassignments({})).topics).toEqual([
      { name: TOPIC, partitions: [{ partition: 1, replicas: [1, 3, 2], addingReplicas: [1], removingReplicas: [2] }] },
    ]);
    await everywhere(
      [2, 3],
      1,
      ([leader, replicas, isr]) => leader === 2 && replicas.join() === '1,3,2' && isr.join() === '2,3',
    );
    // kafka-topics --describe: the reassignment's adding and removing replicas; the factor without the adding one.
    const described = await cli(['topics', 'describe', TOPIC]);
    expect(described.stdout).toContain(`ReplicationFactor: 2\t`);
    expect(described.stdout).toMatch(
      new RegExp(`Partition: 1\tLeader: 2\tReplicas: 1,3,2\tIsr: 2,3\tAdding Replicas: 1\tRemoving Replicas: 2\t`),
    );
    expect(described.stdout).toMatch(/Partition: 0\tLeader: 2\tReplicas: 2,1\tIsr: 1,2\tLogStartOffset/);
    const listed = await cli(['reassign-partitions', '--list']);
    expect(listed.stdout).toBe(
      `Current partition reassignments:\n${TOPIC}-1: replicas: 1,3,2. adding: 1. removing: 2.\n`,
    );
    expect((await cli(verify)).stdout).toBe(
      `Status of partition reassignment:\nReassignment of partition ${TOPIC}-1 is still in progress.\n`,
    );
    const cancelled = await cli(['reassign-partitions', '--cancel', '--reassignment-json-file', file]);
    expect(cancelled, cancelled.stderr).toMatchObject({
      code: 0,
      stdout: `Successfully cancelled partition reassignment for: ${TOPIC}-1\n`,
    });
  });
  expect((await cli(['reassign-partitions', '--list'])).stdout).toBe('No partition reassignments found.\n');
  expect((await cli(verify)).stdout).toBe(
    `Status of partition reassignment:\nThere is no active reassignment of partition ${TOPIC}-1, but replica set is 3,2 rather than 1,3.\n`,
  );
  // Back to the origin replicas in Kafka's order: ReplicaAssignment.originReplicas is replicas
  // [1,3,2] without the adding 1, so [3,2], not the [2,3] created; 2 keeps leading.
  await everywhere([1, 2, 3], 1, ([leader, replicas]) => leader === 2 && replicas.join() === '3,2');

  // The same reassignment with 1 running completes (onPartitionReassignment's phase B): 1
  // catches up and joins the ISR through the leader's AlterPartition, leadership moves into the
  // target replicas (2, the leader, is being removed: the first live in-sync target, 1), and 2
  // leaves the ISR and the replicas. Partition 1 stays on [1,3].
  await admin.alterPartitionReassignments({
    topics: [{ topic: TOPIC, partitionAssignment: [{ partition: 1, replicas: [1, 3] }] }],
  });
  await everywhere(
    [1, 2, 3],
    1,
    ([leader, replicas, isr]) => leader === 1 && replicas.join() === '1,3' && [...isr].sort().join() === '1,3',
  );
  expect((await admin.listPartitionReassignments({})).topics).toEqual([]);
  expect((await cli(['reassign-partitions', '--list'])).stdout).toBe('No partition reassignments found.\n');
  expect((await cli(verify)).stdout).toBe(
    `Status of partition reassignment:\nReassignment of partition ${TOPIC}-1 is completed.\n`,
  );
  const [moved] = await cluster.zk.getReplicaAssignmentAndTopicIdForTopics([TOPIC]);
  expect(moved!.assignment.get(1)).toMatchObject({ replicas: [1, 3], addingReplicas: [], removingReplicas: [] });

  // Broker 2 stops: its leaderships of partitions 0 and 2 move to 1, the ISRs shrink to [1], and
  // the preferred replica of 0, not alive, cannot lead.
  await stop(2);
  for (const p of [0, 2]) await everywhere([1, 3], p, ([leader, , isr]) => leader === 1 && isr.join() === '1');
  expect(partitionResults(await elect(0, [0]))).toEqual([
    {
      partitionId: 0,
      errorCode: KafkaErrors.PREFERRED_LEADER_NOT_AVAILABLE.code,
      errorMessage: `Failed to elect leader for partition ${TOPIC}-0 under strategy PreferredReplicaPartitionLeaderElectionStrategy`,
    },
  ]);
  // It returns, catches up and rejoins the ISRs (1's AlterPartition); a preferred election then
  // brings partition 0 home to 2.
  await start(2);
  for (const p of [0, 2])
    await everywhere([1, 2, 3], p, ([leader, , isr]) => leader === 1 && [...isr].sort().join() === '1,2');
  expect(partitionResults(await elect(0, [0]))).toEqual([{ partitionId: 0, errorCode: 0, errorMessage: null }]);
  await everywhere([1, 2, 3], 0, ([leader]) => leader === 2);

  // No live in-sync replica: 2 stops (the ISRs of 0 and 2 shrink to [1]), then 1, the last in-sync
  // replica, stops (0 and 2 offline), and 2 returns, alive but out of the ISRs: with
  // unclean.leader.election.enable=false they stay offline.
  await stop(2);
  for (const p of [0, 2]) await everywhere([1, 3], p, ([leader, , isr]) => leader === 1 && isr.join() === '1');
  await stop(1);
  for (const p of [0, 2]) await everywhere([3], p, ([leader]) => leader === -1);
  await start(2);
  await settled();
  for (const p of [0, 2]) await everywhere([2, 3], p, ([leader]) => leader === -1);
  // An unclean election gives them to 2; partition 1's leader (3) is live: none needed.
  const unclean = partitionResults(await elect(1, [0, 1, 2]));
  expect(unclean.sort((a, b) => (a.partitionId as number) - (b.partitionId as number))).toEqual([
    { partitionId: 0, errorCode: 0, errorMessage: null },
    { partitionId: 1, errorCode: KafkaErrors.ELECTION_NOT_NEEDED.code, errorMessage: null },
    { partitionId: 2, errorCode: 0, errorMessage: null },
  ]);
  for (const p of [0, 2]) await everywhere([2, 3], p, ([leader, , isr]) => leader === 2 && isr.join() === '2');

  // A reassignment in progress lives in the topic znode (adding_replicas, removing_replicas): the
  // next controller reads it back (initializeControllerContext) and lists it. The replica added,
  // 3, is paused while the controller (2) takes the reassignment and stops, so it does not catch
  // up before; resumed, it becomes the controller, and partition 0's leader (2) is gone with 3
  // not in its ISR: the reassignment stays in progress.
  const controllerNow = await ensureControllerNot(3);
  expect(controllerNow).toBe(2);
  await paused(3, async () => {
    const moving = await toController(ApiKey.AlterPartitionReassignments, 0, {
      timeoutMs: 1000,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, replicas: [2, 3] }] }],
    });
    expect(moving).toMatchObject({ errorCode: 0, responses: [{ partitions: [{ partitionIndex: 0, errorCode: 0 }] }] });
    const [written] = await cluster.zk.getReplicaAssignmentAndTopicIdForTopics([TOPIC]);
    expect(written!.assignment.get(0)).toMatchObject({
      replicas: [2, 3, 1],
      addingReplicas: [3],
      removingReplicas: [1],
    });
    await stop(2);
  });
  await eventually(
    () => cluster.zk.getControllerId(),
    (id) => id === 3,
  );
  await settled();
  await everywhere(
    [3],
    0,
    ([leader, replicas, isr]) => leader === -1 && replicas.join() === '2,3,1' && !isr.includes(3),
  );
  expect((await cli(['reassign-partitions', '--list'])).stdout).toBe(
    `Current partition reassignments:\n${TOPIC}-0: replicas: 2,3,1. adding: 3. removing: 1.\n`,
  );
});
