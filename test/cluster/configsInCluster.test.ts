/**
 * Configs in a cluster, end to end: a real ZooKeeper, three `tributary serve --zookeeper`
 * processes and kafkajs' admin, as Kafka 3.8's ZooKeeper brokers do it.
 * - CreateTopics with configs writes /config/topics/<t> as {"version":1,"config":{...}}
 *   (AdminZkClient.createTopicWithAssignment, ConfigEntityZNode), and each replica's log is
 *   made with them (Partition.createLog reads configRepository.topicConfig).
 * - AlterConfigs through a broker hosting none of the topic's partitions (kafkajs sends topic
 *   configs to the controller; here it hosts nothing) is written to ZooKeeper with a
 *   /config/changes notification {"version":2,"entity_path":"topics/<t>"}
 *   (ZkAdminManager.alterTopicConfigs, AdminZkClient.changeTopicConfig, changeEntityConfig);
 *   both leaders, on the two other brokers, apply it (ZkConfigManager, TopicConfigHandler):
 *   a record past the new max.message.bytes gets MESSAGE_TOO_LARGE from each.
 * - DescribeConfigs through every broker shows ZooKeeper's overrides as TOPIC_CONFIG
 *   (ConfigHelper.describeConfigs: configRepository.topicConfig).
 * - Broker configs: the cluster-wide default (/config/brokers/<default>) reaches every broker,
 *   one broker's own (/config/brokers/<id>) that broker only (BrokerConfigHandler); the CLI's
 *   `brokers alter-config ID` and `describe-config ID` reach broker ID through another.
 * - A broker stopped while the config changes has the new one once restarted: its start reads
 *   every /config/topics entity (ZkConfigManager.startup) and /config/brokers
 *   (DynamicBrokerConfig.initialize).
 * - unclean.leader.election.enable set on a topic makes the controller elect its offline
 *   partitions again (TopicConfigHandler, KafkaController.enableTopicUncleanLeaderElection).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import { ConfigResourceTypes } from 'kafkajs';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import type { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { tributary } from '../helpers/cli.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { eventually, request, serveCluster, type ServedCluster } from '../helpers/cluster.js';

const TOPIC = 'configured';
/** DescribeConfigsResponse.ConfigSource */
const TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const DYNAMIC_DEFAULT_BROKER_CONFIG = 3;
const DEFAULT_CONFIG = 5;
/** ConfigResource.Type */
const BROKER = 4;
/** AlterConfigOp.OpType.SET */
const SET = 0;

let cluster: ServedCluster;
let zk: KafkaZkClient;
const clients: (Admin | Producer)[] = [];

beforeAll(async () => {
  cluster = await serveCluster(3, 6000);
  zk = cluster.zk;
}, 60000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.disconnect()));
  await cluster?.close();
});

const port = (id: number) => cluster.brokers.get(id)!.port;

async function znode(path: string): Promise<unknown> {
  const response = await zk.zooKeeperClient.getData(path);
  return response.code === 'OK' ? JSON.parse(response.data.toString('utf8')) : null;
}

/** name -> "value@source" of a resource's configs, as the broker at `brokerPort` describes them. */
async function described(brokerPort: number, resourceType: number, name: string): Promise<Map<string, string>> {
  const response = await request(brokerPort, ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType, resourceName: name, configurationKeys: null }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  const [result] = response.results as Struct[];
  expect(result!.errorCode, String(result!.errorMessage)).toBe(0);
  return new Map(
    (result!.configs as Struct[]).map((c) => [String(c.name), `${String(c.value)}@${String(c.configSource)}`]),
  );
}

async function producer(): Promise<Producer> {
  const p = kafkaClient(port(1)).producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  clients.push(p);
  await p.connect();
  return p;
}

/** The error a record of `bytes` to `partition` gets from its leader: NONE or Kafka's name (MESSAGE_TOO_LARGE). */
async function produced(p: Producer, partition: number, bytes: number): Promise<string> {
  try {
    await p.send({ topic: TOPIC, acks: -1, messages: [{ partition, value: Buffer.alloc(bytes, 120) }] });
    return 'NONE';
  } catch (error) {
    const e = error as { type?: string; cause?: { type?: string } };
    return e.cause?.type ?? e.type ?? String(error);
  }
}

/** The leader of each of TOPIC's two partitions, once every broker's Metadata shows them led. */
async function leaders(): Promise<number[]> {
  const views = await Promise.all(
    [...cluster.brokers.values()].map(({ port: p }) =>
      eventually(
        () => request(p, ApiKey.Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false }),
        (m) => {
          const partitions = ((m.topics as Struct[])[0]?.partitions ?? []) as Struct[];
          return partitions.length === 2 && partitions.every((x) => x.leaderId !== -1);
        },
      ),
    ),
  );
  const partitions = (views[0]!.topics as Struct[])[0]!.partitions as Struct[];
  return partitions.sort((a, b) => Number(a.partitionIndex) - Number(b.partitionIndex)).map((x) => Number(x.leaderId));
}

test('topic and broker configs through ZooKeeper: any broker takes them, every broker applies them, a restarted one too', async () => {
  const controller = (await eventually(
    () => zk.getControllerId(),
    (id) => id !== null,
  ))!;
  const [hostA, hostB] = [1, 2, 3].filter((id) => id !== controller) as [number, number];
  for (const { port: p } of cluster.brokers.values())
    await eventually(
      () => request(p, ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false }),
      (m) => (m.brokers as Struct[]).length === 3 && m.controllerId === controller,
    );

  // Partition 0 on hostA, 1 on hostB: the controller, where kafkajs sends topic configs, hosts neither.
  const admin = kafkaClient(port(hostA)).admin();
  clients.push(admin);
  await admin.connect();
  await admin.createTopics({
    topics: [
      {
        topic: TOPIC,
        replicaAssignment: [
          { partition: 0, replicas: [hostA] },
          { partition: 1, replicas: [hostB] },
        ],
        configEntries: [
          { name: 'retention.ms', value: '3600000' },
          { name: 'max.message.bytes', value: '1500' },
        ],
      },
    ],
  });
  expect(await znode(`/config/topics/${TOPIC}`)).toEqual({
    version: 1,
    config: { 'retention.ms': '3600000', 'max.message.bytes': '1500' },
  });
  expect(await leaders()).toEqual([hostA, hostB]);
  // Each leader's log was made with ZooKeeper's configs (Partition.createLog at LeaderAndIsr).
  const before = await producer();
  for (const partition of [0, 1])
    expect([await produced(before, partition, 1200), await produced(before, partition, 2000)]).toEqual([
      'NONE',
      'MESSAGE_TOO_LARGE',
    ]);

  // kafkajs' AlterConfigs (the legacy API: the request's configs replace the topic's whole set).
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      { type: ConfigResourceTypes.TOPIC, name: TOPIC, configEntries: [{ name: 'max.message.bytes', value: '1000' }] },
    ],
  });
  expect(await znode(`/config/topics/${TOPIC}`)).toEqual({ version: 1, config: { 'max.message.bytes': '1000' } });
  const changes = await zk.zooKeeperClient.getChildren('/config/changes', false);
  const notifications = await Promise.all(
    (changes.code === 'OK' ? [...changes.children] : []).map((c) => znode(`/config/changes/${c}`)),
  );
  expect(notifications).toContainEqual({ version: 2, entity_path: `topics/${TOPIC}` });
  // Each leader (neither of them the broker asked) refuses what the new limit does not allow.
  for (const partition of [0, 1])
    await eventually(
      () => produced(before, partition, 1200),
      (error) => error === 'MESSAGE_TOO_LARGE',
    );
  expect([await produced(before, 0, 500), await produced(before, 1, 500)]).toEqual(['NONE', 'NONE']);

  for (const id of [controller, hostA, hostB]) {
    const configs = await described(port(id), ConfigResourceTypes.TOPIC, TOPIC);
    expect(configs.get('max.message.bytes')).toBe(`1000@${TOPIC_CONFIG}`);
    expect(configs.get('retention.ms')).toBe(`604800000@${DEFAULT_CONFIG}`);
  }
  const viaKafkajs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC, configNames: ['max.message.bytes'] }],
  });
  expect(viaKafkajs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue])).toEqual([
    ['max.message.bytes', '1000'],
  ]);

  // Every broker's default log.segment.bytes, set through one broker; then hostB's own.
  const alteredDefault = await request(port(hostA), ApiKey.IncrementalAlterConfigs, 1, {
    resources: [
      {
        resourceType: BROKER,
        resourceName: '',
        configs: [{ name: 'log.segment.bytes', configOperation: SET, value: '2000000' }],
      },
    ],
    validateOnly: false,
  });
  expect((alteredDefault.responses as Struct[])[0]!.errorCode).toBe(0);
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.BROKER,
        name: String(hostB),
        configEntries: [{ name: 'log.segment.bytes', value: '3000000' }],
      },
    ],
  });
  expect(await znode('/config/brokers/<default>')).toEqual({ version: 1, config: { 'log.segment.bytes': '2000000' } });
  expect(await znode(`/config/brokers/${hostB}`)).toEqual({ version: 1, config: { 'log.segment.bytes': '3000000' } });
  for (const id of [controller, hostA, hostB]) {
    const [value, source] =
      id === hostB ? ['3000000', DYNAMIC_BROKER_CONFIG] : ['2000000', DYNAMIC_DEFAULT_BROKER_CONFIG];
    await eventually(
      () => described(port(id), BROKER, String(id)),
      (configs) => configs.get('log.segment.bytes') === `${value}@${source}`,
    );
    // The topic's segment.bytes follows the broker's (its synonym), on every broker.
    expect((await described(port(id), ConfigResourceTypes.TOPIC, TOPIC)).get('segment.bytes')).toBe(
      `${value}@${source}`,
    );
  }

  // A cluster's replication factors are Kafka's defaults, not one node's single copy.
  const brokerConfigs = await described(port(controller), BROKER, String(controller));
  expect(
    ['default.replication.factor', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor'].map(
      (name) => brokerConfigs.get(name),
    ),
  ).toEqual([`1@${DEFAULT_CONFIG}`, `3@${DEFAULT_CONFIG}`, `3@${DEFAULT_CONFIG}`]);

  // The CLI sends a broker's configs to that broker, whichever the bootstrap (ConstantNodeIdProvider).
  const cli = async (args: string[]) => {
    const run = await tributary([...args, '--json']).exit;
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as { configs?: { name: string; value: string; source: string }[] };
  };
  const bootstrapA = ['--bootstrap', `127.0.0.1:${port(hostA)}`];
  await cli(['brokers', 'alter-config', String(controller), '--set', 'log.segment.bytes=4000000', ...bootstrapA]);
  expect(await znode(`/config/brokers/${controller}`)).toEqual({
    version: 1,
    config: { 'log.segment.bytes': '4000000' },
  });
  await eventually(
    () => cli(['brokers', 'describe-config', String(controller), '--bootstrap', `127.0.0.1:${port(hostB)}`]),
    (out) =>
      out.configs?.some(
        (c) => c.name === 'log.segment.bytes' && c.value === '4000000' && c.source === 'DYNAMIC_BROKER_CONFIG',
      ) === true,
  );

  // hostA misses a change while it is down (IncrementalAlterConfigs starts from ZooKeeper's set).
  await cluster.restart(hostA, async () => {
    const altered = await request(port(hostB), ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: TOPIC,
          configs: [
            { name: 'max.message.bytes', configOperation: SET, value: '5000' },
            { name: 'retention.ms', configOperation: SET, value: '7200000' },
          ],
        },
      ],
      validateOnly: false,
    });
    expect((altered.responses as Struct[])[0]!.errorCode).toBe(0);
  });
  expect(await znode(`/config/topics/${TOPIC}`)).toEqual({
    version: 1,
    config: { 'max.message.bytes': '5000', 'retention.ms': '7200000' },
  });
  expect(await leaders()).toEqual([hostA, hostB]);
  const after = await producer();
  expect([await produced(after, 0, 2000), await produced(after, 0, 6000)]).toEqual(['NONE', 'MESSAGE_TOO_LARGE']);
  const restarted = await described(port(hostA), ConfigResourceTypes.TOPIC, TOPIC);
  expect(restarted.get('retention.ms')).toBe(`7200000@${TOPIC_CONFIG}`);
  expect(restarted.get('segment.bytes')).toBe(`2000000@${DYNAMIC_DEFAULT_BROKER_CONFIG}`);

  // A partition whose only in-sync replica is down, its other replica back: no clean leader,
  // until unclean.leader.election.enable is set on the topic (TopicConfigHandler tells the
  // controller: KafkaController.enableTopicUncleanLeaderElection).
  const unclean = kafkaClient(port(controller)).admin();
  clients.push(unclean);
  await unclean.connect();
  await unclean.createTopics({
    topics: [{ topic: 'unclean', replicaAssignment: [{ partition: 0, replicas: [hostA, hostB] }] }],
  });
  const state = async () => (await zk.getTopicPartitionStates([{ topic: 'unclean', partition: 0 }]))[0]?.leaderAndIsr;
  await eventually(state, (s) => s?.leader === hostA);
  await cluster.restart(hostA, async () => {
    await eventually(state, (s) => s?.leader === hostB && s.isr.join() === String(hostB));
    const b = cluster.brokers.get(hostB)!;
    b.child.kill('SIGTERM');
    await b.exit;
    await eventually(state, (s) => s?.leader === -1);
  });
  await eventually(
    () => request(port(controller), ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false }),
    (m) => (m.brokers as Struct[]).some((b) => b.nodeId === hostA),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect((await state())?.leader).toBe(-1);
  // A raw request: kafkajs' admin refreshes its topics' metadata first, and refuses the offline partition's.
  const enabled = await request(port(controller), ApiKey.IncrementalAlterConfigs, 1, {
    resources: [
      {
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: 'unclean',
        configs: [{ name: 'unclean.leader.election.enable', configOperation: SET, value: 'true' }],
      },
    ],
    validateOnly: false,
  });
  expect((enabled.responses as Struct[])[0]!.errorCode).toBe(0);
  expect((await eventually(state, (s) => s?.leader === hostA))?.isr).toEqual([hostA]);
}, 90000);
