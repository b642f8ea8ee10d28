/**
 * `tributary zookeeper-check --zookeeper HOST:PORT[/chroot]`: what ZooKeeper holds of a
 * cluster, read-only, printed for an operator (ZooKeeperLayout): the cluster id, the
 * controller, the last block of producer ids claimed, the registered brokers and their endpoints, the topics with each partition's
 * replicas, leader, leader epoch and ISR. Exit code 1 when ZooKeeper cannot be reached or a
 * znode is not what Kafka writes (each such znode named); 2 for a wrong command line.
 */
import { TributaryError } from '../errors.js';
import { connectionString } from '../zk/EndPoint.js';
import { parseConnectString } from '../zk/ConnectStringParser.js';
import { ZooKeeperClient } from '../zk/ZooKeeperClient.js';
import { integerOption, parseCommandLine, UsageError, type Command } from './Command.js';
import { writeOutput } from './Output.js';
import { ZooKeeperLayoutReader, type TopicLayout, type ZooKeeperLayout } from './ZooKeeperLayout.js';

const HELP = `Usage: tributary zookeeper-check --zookeeper HOST:PORT[,HOST:PORT...][/chroot] [options]

Reads a Kafka cluster's znodes in ZooKeeper without changing anything and prints them: the cluster id,
the controller and its epoch, the last block of producer ids claimed, the registered brokers with their
endpoints, and the topics with each partition's replicas, leader, leader epoch and in-sync replicas
(from its state znode).
Exit code 1 when ZooKeeper cannot be reached in time or a znode is not what Kafka writes (each named).

Options:
  --zookeeper CONNECT     the cluster's zookeeper.connect
  --timeout-ms N          how long to wait for ZooKeeper (default 10000)
  --json                  one JSON document instead of text
  -h, --help              this help
`;

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_MS = 600_000;

const ids = (list: readonly number[]): string => list.join(',');

function partitionLines(t: TopicLayout): string {
  return t.partitions
    .map(({ partition, replicas, state }) => {
      const head = `\tTopic: ${t.name}\tPartition: ${partition}`;
      if (state === null) return `${head}\tLeader: none\tReplicas: ${ids(replicas)}\tState: none\n`;
      const { leaderAndIsr: l, controllerEpoch } = state;
      const leader = l.leader < 0 ? 'none' : l.leader;
      return `${head}\tLeader: ${leader}\tLeaderEpoch: ${l.leaderEpoch}\tReplicas: ${ids(replicas)}\tIsr: ${ids(l.isr)}\tControllerEpoch: ${controllerEpoch}\n`;
    })
    .join('');
}

function topicText(t: TopicLayout): string {
  const configs = Object.entries(t.configs).map(([key, value]) => `${key}=${value}`);
  const id = t.topicId === null ? '' : `\tTopicId: ${t.topicId}`;
  const rf = t.partitions[0]?.replicas.length ?? 0;
  const deleting = t.markedForDeletion ? '\tMarkedForDeletion: true' : '';
  return `Topic: ${t.name}${id}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${configs.join(',')}${deleting}\n${partitionLines(t)}`;
}

function layoutText(connect: string, layout: ZooKeeperLayout): string {
  const controller =
    layout.controller === null ? 'none' : `${layout.controller} (controller epoch ${layout.controllerEpoch ?? 'none'})`;
  const block = layout.producerIdBlock;
  const brokers = layout.brokers.map(
    (b) => `  ${b.id}\t${b.endpoints.map(connectionString).join(',')}\track: ${b.rack ?? 'none'}\n`,
  );
  return [
    `ZooKeeper: ${connect}\n`,
    `Cluster ID: ${layout.clusterId ?? 'none'}\n`,
    `Controller: ${controller}\n`,
    `Producer ID block: ${block === null ? 'none' : `${block.first}-${block.last} (broker ${block.broker})`}\n`,
    `Brokers: ${layout.brokers.length}\n`,
    ...brokers,
    `Topics: ${layout.topics.length}\n`,
    ...layout.topics.map(topicText),
    ...layout.problems.map((p) => `Problem: ${p}\n`),
  ].join('');
}

/** The client's own timeout error, said as an operator needs it: which servers did not answer. */
async function connect(servers: string, timeoutMs: number): Promise<ZooKeeperClient> {
  try {
    return await ZooKeeperClient.connect({
      connect: servers,
      connectionTimeoutMs: timeoutMs,
      requestTimeoutMs: timeoutMs,
      name: 'zookeeper-check',
    });
  } catch (error) {
    if (error instanceof TributaryError && error.code === 'ERR_ZK_TIMEOUT')
      throw new TributaryError(`cannot reach ZooKeeper at ${servers} within ${timeoutMs} ms`, 'ERR_ZK_TIMEOUT');
    throw error;
  }
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    zookeeper: { type: 'string' },
    'timeout-ms': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.zookeeper === undefined) throw new UsageError('give --zookeeper HOST:PORT[,HOST:PORT...][/chroot]');
  const parsed = parseConnectString(values.zookeeper);
  if (typeof parsed === 'string') throw new UsageError(`--zookeeper: ${parsed}`);
  const timeoutMs = integerOption('timeout-ms', values['timeout-ms'], 1, MAX_TIMEOUT_MS) ?? DEFAULT_TIMEOUT_MS;
  const servers = parsed.servers.map((s) => `${s.host}:${s.port}`).join(',');
  const zk = await connect(servers, timeoutMs);
  let layout: ZooKeeperLayout;
  try {
    layout = await new ZooKeeperLayoutReader(zk, parsed.chroot).read();
  } finally {
    await zk.close();
  }
  writeOutput(values.json === true, { zookeeper: values.zookeeper, ...layout }, () =>
    layoutText(values.zookeeper!, layout),
  );
  const count = layout.problems.length;
  if (count > 0) process.stderr.write(`tributary: ${count} problem${count === 1 ? '' : 's'} found in ZooKeeper\n`);
  return count > 0 ? 1 : 0;
}

export const zookeeperCheckCommand: Command = {
  name: 'zookeeper-check',
  summary: "read and check a cluster's znodes in ZooKeeper (read-only)",
  run,
};
