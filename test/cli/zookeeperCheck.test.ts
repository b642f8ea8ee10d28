/**
 * `tributary zookeeper-check` as a real process against a real ZooKeeper (Debian's 3.8,
 * test/helpers/zookeeper.ts) into which the test writes a cluster's znodes in Kafka's formats
 * (src/zk, Kafka's ZkData): it prints the layout, names a znode that is not what Kafka writes
 * and exits 1, changes nothing (not even a missing chroot, which a broker would create), and
 * says so in one line when ZooKeeper does not answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_INFO_VERSION, brokerIdPath, encodeBrokerInfo, NO_JMX_PORT } from '../../src/zk/BrokerIdZNode.js';
import { encodeProducerIdBlock, producerIdsBlock } from '../../src/zk/ProducerIdBlockZNode.js';
import { encodePartitionState, encodeTopicAssignment } from '../../src/zk/TopicZNode.js';
import { encodeClusterId, encodeController, encodeControllerEpoch, encodeEntityConfig } from '../../src/zk/ZkData.js';
import {
  CLUSTER_ID_PATH,
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  LATEST_PRODUCER_ID_BLOCK_PATH,
  configEntityPath,
  deleteTopicPath,
  topicPartitionStatePath,
  topicPath,
} from '../../src/zk/ZkPaths.js';
import { ZooKeeperClient } from '../../src/zk/ZooKeeperClient.js';
import { run } from '../helpers/cliExpect.js';
import { freePort, ZooKeeperServer } from '../helpers/zookeeper.js';

const CHROOT = '/kafka';
const CLUSTER_ID = 'Nk018hRAQFytWskYqtQduw';
const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw';

let server: ZooKeeperServer;
let zk: ZooKeeperClient;

/** Creates `path` with `data`, its parents empty, as a Kafka cluster's brokers and controller would have. */
async function write(path: string, data: Uint8Array): Promise<void> {
  await zk.makeSurePersistentPathExists(path.slice(0, path.lastIndexOf('/')) || '/');
  const created = await zk.create(path, data);
  expect(created.code).toBe('OK');
}

function broker(id: number, port: number, rack: string | null): Buffer {
  const endpoints = [{ host: '127.0.0.1', port, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' as const }];
  return encodeBrokerInfo({ id, endpoints, rack, features: {}, jmxPort: NO_JMX_PORT, version: BROKER_INFO_VERSION });
}

function state(leader: number, leaderEpoch: number, isr: number[]): Buffer {
  return encodePartitionState({
    leaderAndIsr: { leader, leaderEpoch, isr, leaderRecoveryState: 0, partitionEpoch: 0 },
    controllerEpoch: 4,
  });
}

const assignment = (...partitions: number[][]) =>
  new Map(partitions.map((replicas, i) => [i, { replicas, addingReplicas: [], removingReplicas: [] }]));

beforeAll(async () => {
  server = await ZooKeeperServer.standalone();
  zk = await ZooKeeperClient.connect({ connect: `${server.connectString}${CHROOT}`, sessionTimeoutMs: 4000 });
  await write(CLUSTER_ID_PATH, encodeClusterId(CLUSTER_ID));
  await write(CONTROLLER_PATH, encodeController(1));
  await write(CONTROLLER_EPOCH_PATH, encodeControllerEpoch(4));
  await write(LATEST_PRODUCER_ID_BLOCK_PATH, encodeProducerIdBlock(producerIdsBlock(2, 1000n, 1000)));
  await write(brokerIdPath(1), broker(1, 9092, 'rack-a'));
  await write(brokerIdPath(2), broker(2, 9093, null));
  await write(topicPath('orders'), encodeTopicAssignment(TOPIC_ID, assignment([1, 2], [2, 1], [1, 2])));
  await write(topicPartitionStatePath('orders', 0), state(1, 0, [1, 2]));
  await write(topicPartitionStatePath('orders', 1), state(2, 3, [2]));
  // Partition 2 has no state znode yet: the controller has not made it Online.
  await write(configEntityPath('topics', 'orders'), encodeEntityConfig({ 'retention.ms': '60000' }));
  await write(topicPath('old'), encodeTopicAssignment(null, assignment([2])));
  await write(deleteTopicPath('old'), new Uint8Array(0));
}, 60_000);

afterAll(async () => {
  await zk?.close();
  await server?.destroy();
});

const check = (...args: string[]) =>
  run(['zookeeper-check', '--zookeeper', `${server.connectString}${CHROOT}`, ...args]);

describe('tributary zookeeper-check', () => {
  it('prints the cluster id, controller, brokers and topics with their partition states', async () => {
    const { code, stdout, stderr } = await check();
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toBe(
      [
        `ZooKeeper: ${server.connectString}${CHROOT}`,
        `Cluster ID: ${CLUSTER_ID}`,
        'Controller: 1 (controller epoch 4)',
        'Producer ID block: 1000-1999 (broker 2)',
        'Brokers: 2',
        '  1\tPLAINTEXT://127.0.0.1:9092\track: rack-a',
        '  2\tPLAINTEXT://127.0.0.1:9093\track: none',
        'Topics: 2',
        'Topic: old\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: \tMarkedForDeletion: true',
        '\tTopic: old\tPartition: 0\tLeader: none\tReplicas: 2\tState: none',
        `Topic: orders\tTopicId: ${TOPIC_ID}\tPartitionCount: 3\tReplicationFactor: 2\tConfigs: retention.ms=60000`,
        '\tTopic: orders\tPartition: 0\tLeader: 1\tLeaderEpoch: 0\tReplicas: 1,2\tIsr: 1,2\tControllerEpoch: 4',
        '\tTopic: orders\tPartition: 1\tLeader: 2\tLeaderEpoch: 3\tReplicas: 2,1\tIsr: 2\tControllerEpoch: 4',
        '\tTopic: orders\tPartition: 2\tLeader: none\tReplicas: 1,2\tState: none',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await check('--json')).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ clusterId: CLUSTER_ID, controller: 1, controllerEpoch: 4, problems: [] });
    expect(json.producerIdBlock).toEqual({ broker: 2, first: '1000', last: '1999' });
    expect(json.brokers).toMatchObject([{ id: 1, rack: 'rack-a', version: BROKER_INFO_VERSION }, { id: 2 }]);
  });

  it('names a znode that is not what Kafka writes, prints the rest and exits 1', async () => {
    // A registration whose "endpoints" is a string, not a list: Kafka's BrokerIdZNode.decode refuses it.
    await write(brokerIdPath(3), Buffer.from('{"version":5,"jmx_port":-1,"endpoints":"PLAINTEXT://h:1"}'));
    // A producer id block whose ids are numbers, not Java longs in strings (ProducerIdBlockZNode).
    const block = '{"version":1,"broker":2,"block_start":1000,"block_end":1999}';
    await zk.setData(LATEST_PRODUCER_ID_BLOCK_PATH, Buffer.from(block), -1);
    try {
      const { code, stdout, stderr } = await check();
      expect(code).toBe(1);
      expect(stderr).toBe('tributary: 2 problems found in ZooKeeper\n');
      expect(stdout).toContain('Producer ID block: none\n');
      expect(stdout).toContain(
        `Problem: znode /latest_producer_id_block: field "block_start" is not a string: ${block}`,
      );
      expect(stdout).toContain('Brokers: 2\n  1\tPLAINTEXT://127.0.0.1:9092');
      expect(stdout).toMatch(/^Problem: znode \/brokers\/ids\/3: field "endpoints" .*PLAINTEXT:\/\/h:1/m);
      expect(stdout).toContain('\tTopic: orders\tPartition: 1\tLeader: 2');
    } finally {
      await zk.delete(brokerIdPath(3), -1);
      await zk.setData(LATEST_PRODUCER_ID_BLOCK_PATH, encodeProducerIdBlock(producerIdsBlock(2, 1000n, 1000)), -1);
    }
  });

  it('reads without writing: a chroot that does not exist is reported, not created', async () => {
    const { code, stdout, stderr } = await run(['zookeeper-check', '--zookeeper', `${server.connectString}/elsewhere`]);
    expect(code).toBe(1);
    expect(stdout).toContain('Problem: the chroot /elsewhere does not exist');
    expect(stderr).toBe('tributary: 1 problem found in ZooKeeper\n');
    const root = await ZooKeeperClient.connect({ connect: server.connectString, sessionTimeoutMs: 4000 });
    try {
      expect((await root.exists('/elsewhere')).code).toBe('NONODE');
    } finally {
      await root.close();
    }
  });

  it('fails in one line when ZooKeeper does not answer, and refuses a wrong command line', async () => {
    const port = await freePort();
    const unreachable = await run(['zookeeper-check', '--zookeeper', `127.0.0.1:${port}`, '--timeout-ms', '1000']);
    expect(unreachable).toEqual({
      code: 1,
      stdout: '',
      stderr: `tributary: cannot reach ZooKeeper at 127.0.0.1:${port} within 1000 ms\n`,
    });
    const usage = await Promise.all([
      run(['zookeeper-check']),
      run(['zookeeper-check', '--zookeeper', '127.0.0.1:99999']),
      run(['zookeeper-check', '--zookeeper', '127.0.0.1:2181/a/']),
    ]);
    expect(usage.map((u) => [u.code, u.stderr])).toEqual([
      [2, 'tributary: give --zookeeper HOST:PORT[,HOST:PORT...][/chroot]\n'],
      [2, "tributary: --zookeeper: '127.0.0.1:99999' has no valid port\n"],
      [2, 'tributary: --zookeeper: chroot /a/: Path must not end with / character\n'],
    ]);
  });
});
