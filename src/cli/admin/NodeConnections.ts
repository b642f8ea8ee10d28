/**
 * Connections to the brokers of a cluster by node id, for requests that only a partition's
 * leader answers (ListOffsets), as Kafka's admin client sends them to the leader the
 * metadata names (KafkaAdminClient.listOffsets, getListOffsetsCalls). The bootstrap
 * connection serves the broker it reached; the others are opened on first use.
 */
import { NO_CONTROLLER_ID } from '../../broker/MetadataCache.js';
import { BrokerConnection } from '../../network/BrokerConnection.js';
import { KafkaErrors } from '../../errors.js';
import { Metadata } from '../../protocol/messages/Metadata.js';
import { kafkaFailure } from './KafkaFailure.js';

/** A live broker as Metadata lists it. */
export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
}

export class NodeConnections {
  private readonly opened = new Map<number, Promise<BrokerConnection>>();

  constructor(
    private readonly bootstrap: BrokerConnection,
    private brokers: readonly BrokerNode[],
  ) {}

  /** The live brokers of a newer Metadata: a node that left or moved is connected to again when next asked for. */
  update(brokers: readonly BrokerNode[]): void {
    for (const nodeId of this.opened.keys()) {
      const [was, now] = [this.brokers, brokers].map((list) => list.find((b) => b.nodeId === nodeId));
      if (now === undefined || now.host !== was?.host || now.port !== was.port) this.forget(nodeId);
    }
    this.brokers = brokers;
  }

  /** Drops the connection to `nodeId` (it failed): the next request to the node opens another. */
  forget(nodeId: number): void {
    const connection = this.opened.get(nodeId);
    this.opened.delete(nodeId);
    connection?.then(
      (c) => c.close(),
      () => undefined,
    );
  }

  /**
   * The connection to `nodeId`. A cluster of one broker is the one the bootstrap reached,
   * whatever address it advertises (a single node behind an advertised host this machine
   * cannot resolve is still described).
   */
  to(nodeId: number, what: string): Promise<BrokerConnection> {
    const node = this.brokers.find((b) => b.nodeId === nodeId);
    if (node === undefined)
      return Promise.reject(kafkaFailure(what, KafkaErrors.LEADER_NOT_AVAILABLE.code, `broker ${nodeId} is not live`));
    const { address } = this.bootstrap;
    if (this.brokers.length === 1 || (node.host === address.host && node.port === address.port))
      return Promise.resolve(this.bootstrap);
    let connection = this.opened.get(nodeId);
    if (connection === undefined) {
      connection = BrokerConnection.open({ host: node.host, port: node.port });
      this.opened.set(nodeId, connection);
    }
    return connection;
  }

  /** Closes the connections opened here (not the bootstrap's). */
  async close(): Promise<void> {
    const results = await Promise.allSettled(this.opened.values());
    for (const r of results) if (r.status === 'fulfilled') r.value.close();
  }
}

/**
 * `work` on a connection to the cluster's controller, where Kafka's admin client sends the
 * controller's requests (KafkaAdminClient's ControllerNodeProvider: the controller Metadata
 * names): CreateTopics, DeleteTopics, ElectLeaders, the partition reassignments. Another broker
 * of a ZooKeeper cluster answers them NOT_CONTROLLER. A single node names itself; with no
 * controller known, the bootstrap broker is asked (and answers why not).
 */
export async function withController<T>(
  bootstrap: BrokerConnection,
  what: string,
  work: (connection: BrokerConnection) => Promise<T>,
): Promise<T> {
  const response = await bootstrap.request(Metadata, {
    topics: [],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  if (response.controllerId === NO_CONTROLLER_ID) return work(bootstrap);
  const nodes = new NodeConnections(bootstrap, response.brokers);
  try {
    return await work(await nodes.to(response.controllerId, what));
  } finally {
    await nodes.close();
  }
}
