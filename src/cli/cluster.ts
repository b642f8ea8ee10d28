/**
 * `tributary cluster describe`: the cluster a running broker belongs to, as Kafka's admin
 * client describes it (KafkaAdminClient.describeCluster): its id, its controller and its live
 * brokers, from DescribeCluster, or from Metadata when the broker does not serve
 * DescribeCluster (Kafka's fallback for brokers before KIP-700).
 */
import { NO_CONTROLLER_ID } from '../broker/MetadataCache.js';
import type { BrokerConnection } from '../network/BrokerConnection.js';
import { ApiKey } from '../protocol/index.js';
import { DescribeCluster } from '../protocol/messages/DescribeCluster.js';
import { Metadata } from '../protocol/messages/Metadata.js';
import { adminSubcommand, COMMON_HELP, names } from './AdminSubcommand.js';
import { checkErrorCode } from './admin/KafkaFailure.js';
import { UsageError, withSubcommands } from './Command.js';
import { formatTable, writeOutput } from './Output.js';

/** DescribeClusterRequest.endpointType: the brokers (KIP-919). */
const BROKERS_ENDPOINT = 1;

interface ClusterBroker {
  id: number;
  host: string;
  port: number;
  rack: string | null;
}

interface ClusterDescription {
  clusterId: string | null;
  /** null when the cluster has no controller now. */
  controller: number | null;
  brokers: ClusterBroker[];
}

function description(clusterId: string | null, controllerId: number, brokers: ClusterBroker[]): ClusterDescription {
  return {
    clusterId,
    controller: controllerId === NO_CONTROLLER_ID ? null : controllerId,
    brokers: brokers.sort((a, b) => a.id - b.id),
  };
}

async function describeCluster(connection: BrokerConnection): Promise<ClusterDescription> {
  if (connection.supports(ApiKey.DescribeCluster)) {
    const response = await connection.request(DescribeCluster, {
      includeClusterAuthorizedOperations: false,
      endpointType: BROKERS_ENDPOINT,
    });
    checkErrorCode('describe cluster', response.errorCode, response.errorMessage);
    const brokers = response.brokers.map((b) => ({ id: b.brokerId, host: b.host, port: b.port, rack: b.rack }));
    return description(response.clusterId, response.controllerId, brokers);
  }
  // No topics asked: Metadata answers the brokers, the cluster id and the controller only.
  const response = await connection.request(Metadata, {
    topics: [],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  const brokers = response.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
  return description(response.clusterId, response.controllerId, brokers);
}

function describeText(d: ClusterDescription): string {
  const rows = d.brokers.map((b) => [b.id, b.host, b.port, b.rack]);
  return (
    `Cluster ID: ${d.clusterId ?? 'none'}\n` +
    `Controller: ${d.controller ?? 'none'}\n` +
    formatTable(['BROKER', 'HOST', 'PORT', 'RACK'], rows)
  );
}

const describe = adminSubcommand(
  `Usage: tributary cluster describe [options]

Describes the cluster of a running broker: its id, its controller and its live brokers (id, host, port, rack).

Options:
${COMMON_HELP}
`,
  {},
  ({ values, positionals }) => {
    names(positionals, 'argument', { min: 0, max: 0 });
    if ((values as { 'data-dir'?: string })['data-dir'] !== undefined)
      throw new UsageError('a cluster is described by a running broker: give --bootstrap HOST:PORT');
    return async (target, json) => {
      if (target.kind !== 'broker') throw new UsageError('give --bootstrap HOST:PORT');
      const cluster = await describeCluster(target.connection);
      writeOutput(json, cluster, () => describeText(cluster));
    };
  },
);

const HELP = `Usage: tributary cluster <subcommand> [options]

Subcommands:
  describe                the cluster id, the controller and the live brokers

Run 'tributary cluster <subcommand> --help' for its options.
`;

export const clusterCommand = withSubcommands('cluster', 'describe the cluster of a running broker', HELP, {
  describe,
});
