/**
 * `tributary cluster describe` and `tributary topics describe` as real processes against
 * three brokers in cluster mode, which the test feeds as their controller would
 * (UpdateMetadata, LeaderAndIsr: test/helpers/controllerRequests.ts): the CLI shows each
 * partition's leader, replicas and ISR as kafka-topics --describe does
 * (TopicCommand.PartitionDescription), reads each partition's offsets from its leader, and
 * selects partitions as --under-replicated-partitions and --unavailable-partitions do;
 * kafkajs's admin, a real Kafka client, sees the same cluster. And the single node described.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { readMetaProperties } from '../../src/broker/BrokerMetadata.js';
import { createLogger } from '../../src/broker/Logger.js';
import type { TopicInfo } from '../../src/cli/admin/TopicAdmin.js';
import { serve } from '../helpers/cli.js';
import { expectHelp, expectUsageErrors, fails, json, ok } from '../helpers/cliExpect.js';
import {
  leaderAndIsr,
  updateMetadata,
  type ControllerEpochs,
  type LiveBroker,
  type PartitionStateOf,
} from '../helpers/controllerRequests.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

const EPOCHS: ControllerEpochs = { controllerId: 1, controllerEpoch: 3, brokerEpoch: 10 };
const TOPIC = { name: 'orders', id: Buffer.from('00112233445566778899aabbccddeeff', 'hex') };

interface ClusterJson {
  clusterId: string | null;
  controller: number | null;
  brokers: { id: number; host: string; port: number; rack: string | null }[];
}

/** What `topics describe --json` prints: the CLI's own TopicInfo. */
type TopicJson = TopicInfo;

const brokers: Broker[] = [];

afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

async function startBrokers(): Promise<LiveBroker[]> {
  for (const nodeId of [1, 2, 3]) {
    brokers.push(
      await Broker.start({
        dataDir: tempDir(),
        port: 0,
        nodeId,
        logger: createLogger('silent'),
        cluster: { brokerEpoch: () => EPOCHS.brokerEpoch },
      }),
    );
  }
  return brokers.map((b, i) => ({ id: i + 1, port: b.port, rack: `rack-${i % 2}` }));
}

/** As the controller: every live broker learns the cluster, and each its partitions. */
async function tellBrokers(live: LiveBroker[], partitions: PartitionStateOf[], withLeaderAndIsr: boolean) {
  for (const b of live) {
    const client = await RawKafkaClient.connect(b.port);
    try {
      expect(await updateMetadata(client, EPOCHS, { ...TOPIC, partitions }, live)).toEqual({ errorCode: 0 });
      if (withLeaderAndIsr) {
        const mine = partitions.filter((p) => p.replicas.includes(b.id));
        expect(await leaderAndIsr(client, EPOCHS, { ...TOPIC, partitions: mine }, live)).toMatchObject({
          errorCode: 0,
        });
      }
    } finally {
      client.close();
    }
  }
}

/** Partition p led by broker p + 1, replicas rotated from there; partition 1's third replica lags out of the ISR. */
const PARTITIONS: PartitionStateOf[] = [
  { partitionIndex: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] },
  { partitionIndex: 1, leader: 2, replicas: [2, 3, 1], isr: [2, 3] },
  { partitionIndex: 2, leader: 3, replicas: [3, 1, 2], isr: [3, 1, 2] },
];

describe('tributary cluster and topics describe against a cluster', () => {
  it('show the brokers, the controller and each partition’s leader, replicas, ISR and offsets from its leader', async () => {
    const live = await startBrokers();
    await tellBrokers(live, PARTITIONS, true);
    const producer = kafkaClient(live[0]!.port).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      // kafkajs sends each partition's records to its leader: 3 to broker 1, 2 to broker 2, 1 to broker 3.
      await producer.send({
        topic: TOPIC.name,
        messages: [0, 0, 0, 1, 1, 2].map((partition) => ({ partition, value: 'v' })),
      });
    } finally {
      await producer.disconnect();
    }

    const target = ['--bootstrap', `127.0.0.1:${live[1]!.port}`];
    const cluster = await json<ClusterJson>(['cluster', 'describe', ...target]);
    expect(cluster).toEqual({
      clusterId: brokers[1]!.metadata.clusterId,
      controller: 1,
      brokers: live.map((b) => ({ id: b.id, host: '127.0.0.1', port: b.port, rack: b.rack })),
    });
    const admin = kafkaClient(live[2]!.port).admin();
    await admin.connect();
    try {
      const seen = await admin.describeCluster();
      expect(seen.controller).toBe(cluster.controller);
      expect(seen.brokers.map((b) => [b.nodeId, b.port]).sort()).toEqual(live.map((b) => [b.id, b.port]));
    } finally {
      await admin.disconnect();
    }
    const clusterText = await ok(['cluster', 'describe', ...target]);
    expect(clusterText).toMatch(
      new RegExp(`^Cluster ID: ${cluster.clusterId}\nController: 1\nBROKER +HOST +PORT +RACK\n`),
    );
    expect(clusterText).toMatch(new RegExp(`^2 +127\\.0\\.0\\.1 +${live[1]!.port} +rack-1$`, 'm'));

    const [topic] = await json<TopicJson[]>(['topics', 'describe', TOPIC.name, ...target]);
    expect(topic!.replicationFactor).toBe(3);
    expect(topic!.partitions).toEqual(
      PARTITIONS.map((p, i) => ({
        partition: p.partitionIndex,
        leader: p.leader,
        replicas: p.replicas,
        isr: p.isr,
        offlineReplicas: [],
        // No controller runs here (NOT_CONTROLLER to ListPartitionReassignments): none shown.
        reassignment: null,
        logStartOffset: 0,
        logEndOffset: 3 - i,
      })),
    );
    // kafkajs reads the same leaders, replicas and ISR from Metadata, and the same offsets from each leader.
    const checker = kafkaClient(live[0]!.port).admin();
    await checker.connect();
    try {
      const [seen] = (await checker.fetchTopicMetadata({ topics: [TOPIC.name] })).topics;
      expect(seen!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort()).toEqual(
        topic!.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr]),
      );
      const offsets = await checker.fetchTopicOffsets(TOPIC.name);
      expect(offsets.map((o) => [o.partition, Number(o.high)]).sort()).toEqual(
        topic!.partitions.map((p) => [p.partition, p.logEndOffset]),
      );
    } finally {
      await checker.disconnect();
    }
    const text = await ok(['topics', 'describe', TOPIC.name, ...target]);
    expect(text.split('\n').slice(1, 3)).toEqual([
      '\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\tLogStartOffset: 0\tLogEndOffset: 3',
      '\tTopic: orders\tPartition: 1\tLeader: 2\tReplicas: 2,3,1\tIsr: 2,3\tLogStartOffset: 0\tLogEndOffset: 2',
    ]);
    expect(text).toMatch(
      new RegExp(
        `^Topic: orders\tTopicId: ${TOPIC.id.toString('base64url')}\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: `,
      ),
    );
    // TopicCommand.DescribeOptions: with a report, no topic line and only the partitions it selects.
    expect(await ok(['topics', 'describe', '--under-replicated-partitions', ...target])).toBe(
      '\tTopic: orders\tPartition: 1\tLeader: 2\tReplicas: 2,3,1\tIsr: 2,3\tLogStartOffset: 0\tLogEndOffset: 2\n',
    );
    expect(await ok(['topics', 'describe', '--unavailable-partitions', ...target])).toBe('');

    // Broker 3 dies: the controller tells the others, partition 2 has no leader left in its ISR.
    await brokers[2]!.close();
    brokers.pop();
    // Until the controller says so, the others still name broker 3 leader: described, without its offsets.
    const [stale] = await json<TopicJson[]>(['topics', 'describe', TOPIC.name, ...target]);
    expect(stale!.partitions.map((p) => [p.partition, p.leader, p.logEndOffset])).toEqual([
      [0, 1, 3],
      [1, 2, 2],
      [2, 3, null],
    ]);
    const afterDeath: PartitionStateOf[] = [
      { ...PARTITIONS[0]!, isr: [1, 2], offlineReplicas: [3] },
      { ...PARTITIONS[1]!, isr: [2], offlineReplicas: [3] },
      { ...PARTITIONS[2]!, leader: -1, isr: [3], offlineReplicas: [3] },
    ];
    await tellBrokers(live.slice(0, 2), afterDeath, false);
    expect(await ok(['topics', 'describe', '--unavailable-partitions', ...target])).toBe(
      '\tTopic: orders\tPartition: 2\tLeader: none\tReplicas: 3,1,2\tIsr: 3\tOffline: 3\n',
    );
    const [after] = await json<TopicJson[]>(['topics', 'describe', '--under-replicated-partitions', ...target]);
    expect(after!.partitions.map((p) => [p.partition, p.leader, p.logEndOffset])).toEqual([
      [0, 1, 3],
      [1, 2, 2],
      [2, null, null],
    ]);
    expect((await json<ClusterJson>(['cluster', 'describe', ...target])).brokers.map((b) => b.id)).toEqual([1, 2]);
  });
});

describe('tributary cluster describe on the single node', () => {
  it('names the node as the one broker and the controller; a data directory is refused', async () => {
    const dataDir = tempDir();
    const broker = await serve(dataDir);
    const cluster = await json<ClusterJson>(['cluster', 'describe', '--bootstrap', `127.0.0.1:${broker.port}`]);
    expect(cluster).toEqual({
      clusterId: readMetaProperties(dataDir)!.clusterId,
      controller: 0,
      brokers: [{ id: 0, host: '127.0.0.1', port: broker.port, rack: null }],
    });
    await fails(['cluster', 'describe', '--data-dir', dataDir], 2, /give --bootstrap HOST:PORT/);
    await fails(['cluster', 'describe', '--bootstrap', '127.0.0.1:1'], 1, /cannot connect to 127\.0\.0\.1:1/);
  });
});

describe('tributary cluster command line', () => {
  it('explains itself with --help and refuses bad arguments with exit code 2', async () => {
    await expectHelp('cluster', ['describe']);
    await expectUsageErrors([
      [['cluster'], /cluster needs a subcommand: describe/],
      [['cluster', 'describe', 'extra', '--bootstrap', '127.0.0.1:9092'], /unexpected argument 'extra'/],
      [['cluster', 'describe'], /give exactly one of --bootstrap HOST:PORT or --data-dir DIR/],
    ]);
  });
});
