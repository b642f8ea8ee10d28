/**
 * A Kafka cluster's layout in ZooKeeper, read without writing anything, for
 * `tributary zookeeper-check`: the cluster id, the controller and its epoch, the last block
 * of producer ids claimed, the registered brokers, the topics with their assignments, partition states, config overrides and queued
 * deletions, each decoded strictly with src/zk's formats (Kafka's ZkData). A znode that does
 * not decode is a problem, named, and the rest is still read.
 *
 * The client connects to the servers without the chroot and reads under it: the
 * ZooKeeperClient creates a missing chroot on connect, as a broker's KafkaZkClient does, and
 * a check must not (Kafka's tools connect with createChrootIfNecessary = false).
 */
import { TributaryError } from '../errors.js';
import { decodeBrokerInfo, type BrokerInfo } from '../zk/BrokerIdZNode.js';
import { decodeProducerIdBlock } from '../zk/ProducerIdBlockZNode.js';
import { decodePartitionState, decodeTopicAssignment, type LeaderIsrAndControllerEpoch } from '../zk/TopicZNode.js';
import { decodeClusterId, decodeController, decodeControllerEpoch, decodeEntityConfig } from '../zk/ZkData.js';
import {
  BROKER_IDS_PATH,
  CLUSTER_ID_PATH,
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  DELETE_TOPICS_PATH,
  LATEST_PRODUCER_ID_BLOCK_PATH,
  TOPICS_PATH,
  configEntityPath,
  topicPartitionStatePath,
  topicPath,
} from '../zk/ZkPaths.js';
import type { ZooKeeperClient } from '../zk/ZooKeeperClient.js';

export interface PartitionLayout {
  partition: number;
  replicas: readonly number[];
  /** null when the partition has no state znode (the controller has not made it Online yet). */
  state: LeaderIsrAndControllerEpoch | null;
}

export interface TopicLayout {
  name: string;
  topicId: string | null;
  partitions: PartitionLayout[];
  configs: Record<string, string>;
  markedForDeletion: boolean;
}

/** /latest_producer_id_block: the ids as decimal strings, as Kafka writes them (Java longs). */
export interface ProducerIdBlockLayout {
  broker: number;
  first: string;
  last: string;
}

export interface ZooKeeperLayout {
  clusterId: string | null;
  /** The broker id registered at /controller, null when no broker is controller now. */
  controller: number | null;
  controllerEpoch: number | null;
  /** The last block of producer ids a broker claimed; null when none was yet. */
  producerIdBlock: ProducerIdBlockLayout | null;
  brokers: BrokerInfo[];
  topics: TopicLayout[];
  /** One line per znode that is not what Kafka writes (or a layout that is not Kafka's). */
  problems: string[];
}

/** Reads under `chroot` (null: the root) through a client connected without it. */
export class ZooKeeperLayoutReader {
  readonly problems: string[] = [];

  constructor(
    private readonly zk: ZooKeeperClient,
    private readonly chroot: string | null,
  ) {}

  async read(): Promise<ZooKeeperLayout> {
    if (this.chroot !== null && (await this.zk.exists(this.chroot)).code === 'NONODE') {
      this.problems.push(`the chroot ${this.chroot} does not exist: no Kafka cluster is kept there`);
      return {
        clusterId: null,
        controller: null,
        controllerEpoch: null,
        producerIdBlock: null,
        brokers: [],
        topics: [],
        problems: this.problems,
      };
    }
    const [clusterId, controller, controllerEpoch, producerIdBlock, brokers, topics] = await Promise.all([
      this.clusterId(),
      this.decoded(CONTROLLER_PATH, (bytes, version) => decodeController(bytes, version).brokerId),
      this.decoded(CONTROLLER_EPOCH_PATH, decodeControllerEpoch),
      this.decoded(LATEST_PRODUCER_ID_BLOCK_PATH, (bytes) => {
        const block = decodeProducerIdBlock(bytes);
        return (
          block && {
            broker: block.assignedBrokerId,
            first: `${block.firstProducerId}`,
            last: `${block.lastProducerId}`,
          }
        );
      }),
      this.brokers(),
      this.topics(),
    ]);
    return { clusterId, controller, controllerEpoch, producerIdBlock, brokers, topics, problems: this.problems };
  }

  private path(path: string): string {
    return `${this.chroot ?? ''}${path}`;
  }

  /** /cluster/id: the first broker writes it (KafkaZkClient.createOrGetClusterId); none means no broker ever started here. */
  private async clusterId(): Promise<string | null> {
    const response = await this.zk.getData(this.path(CLUSTER_ID_PATH));
    if (response.code === 'NONODE') {
      this.problems.push(`no ${CLUSTER_ID_PATH}: no Kafka broker has started against this ZooKeeper path`);
      return null;
    }
    return this.decode(() => decodeClusterId(response.data));
  }

  /** A znode's decoded contents; null when it does not exist or does not decode (a problem then). */
  private async decoded<T>(path: string, decode: (bytes: Buffer, version: number) => T): Promise<T | null> {
    const response = await this.zk.getData(this.path(path));
    if (response.code === 'NONODE') return null;
    return this.decode(() => decode(response.data, response.stat.version));
  }

  private decode<T>(decode: () => T): T | null {
    try {
      return decode();
    } catch (error) {
      if (!(error instanceof TributaryError) || error.code !== 'ERR_MALFORMED_ZNODE') throw error;
      this.problems.push(error.message);
      return null;
    }
  }

  private async children(path: string): Promise<string[]> {
    const response = await this.zk.getChildren(this.path(path), false);
    return response.code === 'OK' ? [...response.children].sort() : [];
  }

  /** /brokers/ids/<id>, each a BrokerIdZNode; a child that is no broker id is a problem. */
  private async brokers(): Promise<BrokerInfo[]> {
    const ids = (await this.children(BROKER_IDS_PATH)).filter((child) => {
      if (/^\d+$/.test(child) && Number(child) <= 2 ** 31 - 1) return true;
      this.problems.push(`znode ${BROKER_IDS_PATH}/${child}: not a broker id`);
      return false;
    });
    const brokers = await Promise.all(
      ids.map((id) => this.decoded(`${BROKER_IDS_PATH}/${id}`, (bytes) => decodeBrokerInfo(Number(id), bytes))),
    );
    return brokers.filter((b) => b !== null).sort((a, b) => a.id - b.id);
  }

  private async topics(): Promise<TopicLayout[]> {
    const [names, deleting] = await Promise.all([this.children(TOPICS_PATH), this.children(DELETE_TOPICS_PATH)]);
    const topics = await Promise.all(names.map((name) => this.topic(name, deleting.includes(name))));
    return topics.filter((t) => t !== null);
  }

  /** A topic's assignment (TopicZNode), each partition's state and the topic's config overrides. */
  private async topic(name: string, markedForDeletion: boolean): Promise<TopicLayout | null> {
    const assignment = await this.decoded(topicPath(name), (bytes) => decodeTopicAssignment(name, bytes));
    if (assignment === null) return null;
    const [partitions, configs] = await Promise.all([
      Promise.all(
        [...assignment.assignment]
          .sort(([a], [b]) => a - b)
          .map(async ([partition, { replicas }]) => ({
            partition,
            replicas,
            state: await this.decoded(topicPartitionStatePath(name, partition), (bytes, version) =>
              decodePartitionState(name, partition, bytes, version),
            ),
          })),
      ),
      this.decoded(configEntityPath('topics', name), (bytes) => decodeEntityConfig('topics', name, bytes)),
    ]);
    return { name, topicId: assignment.topicId, partitions, configs: configs ?? {}, markedForDeletion };
  }
}
