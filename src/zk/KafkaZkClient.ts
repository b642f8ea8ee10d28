/**
 * KafkaZkClient: Kafka 3.8's kafka.zk.KafkaZkClient, the cluster's reads and writes of
 * ZooKeeper in its layout (ZkPaths, ZkData, BrokerIdZNode, TopicZNode), over ZooKeeperClient.
 * What the broker's start, the controller's election and watches, and the admin requests use.
 * A controller's write goes in a multi behind a check of /controller_epoch's version
 * (wrapRequestWithControllerEpochCheck): when another controller moved it, nothing is written
 * and ERR_STALE_CONTROLLER_EPOCH (Kafka's ControllerMovedException) is thrown.
 */
import { TributaryError } from '../errors.js';
import { brokerIdPath, decodeBrokerInfo, encodeBrokerInfo, type BrokerInfo } from './BrokerIdZNode.js';
import {
  decodeClusterId,
  decodeController,
  decodeControllerEpoch,
  decodeEntityConfig,
  encodeClusterId,
  encodeController,
  encodeControllerEpoch,
  encodeEntityConfig,
  type ConfigEntity,
  CONFIG_CHANGE_CREATE_PATH,
  encodeConfigChange,
} from './ZkData.js';
import {
  BROKER_IDS_PATH,
  BROKER_SEQUENCE_ID_PATH,
  CLUSTER_ID_PATH,
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  DELETE_TOPICS_PATH,
  PERSISTENT_ZK_PATHS,
  TOPICS_PATH,
  configEntityPath,
  configTypePath,
  deleteTopicPath,
  topicPartitionStatePath,
  topicPartitionsPath,
  topicPath,
  type ConfigType,
} from './ZkPaths.js';
import {
  decodePartitionState,
  decodeTopicAssignment,
  encodePartitionState,
  encodeTopicAssignment,
  type LeaderIsrAndControllerEpoch,
  type ReplicaAssignment,
  type TopicIdReplicaAssignment,
} from './TopicZNode.js';
import { MATCH_ANY_VERSION, maybeThrow, type ZkCode, type ZkOp, type ZooKeeperClient } from './ZooKeeperClient.js';

/** A broker's registration and its epoch (the czxid of /brokers/ids/<id>, KIP-380). */
export interface BrokerAndEpoch {
  readonly info: BrokerInfo;
  readonly epoch: number;
}

/** The controller epoch this controller wrote, and the version of /controller_epoch its writes are checked against. */
export interface ControllerEpoch {
  readonly epoch: number;
  readonly epochZkVersion: number;
}

/** KafkaController.InitialControllerEpoch and its znode version. */
const INITIAL_CONTROLLER_EPOCH = 0;

/** A write's answer once the controller epoch check passed: ZooKeeper's code for the write itself. */
export type CheckedWrite = { readonly code: 'OK'; readonly version: number } | { readonly code: Exclude<ZkCode, 'OK'> };

const EMPTY = new Uint8Array(0);

/** ZkVersion.UnknownVersion: no znode, hence no version. */
export const UNKNOWN_VERSION = -1;

/** Kafka's TopicPartition, as ZooKeeper names it. */
export interface ZkTopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export class KafkaZkClient {
  constructor(readonly zooKeeperClient: ZooKeeperClient) {}

  /** KafkaZkClient.createTopLevelPaths: ZkData.PersistentZkPaths, each made sure to exist. */
  async createTopLevelPaths(): Promise<void> {
    for (const path of PERSISTENT_ZK_PATHS) await this.zooKeeperClient.makeSurePersistentPathExists(path);
  }

  /** KafkaZkClient.getClusterId: null when /cluster/id is absent. */
  async getClusterId(): Promise<string | null> {
    const response = await this.zooKeeperClient.getData(CLUSTER_ID_PATH);
    return response.code === 'OK' ? decodeClusterId(response.data) : null;
  }

  /** KafkaZkClient.createOrGetClusterId: the proposed id if this broker was first to write it, else the one there. */
  async createOrGetClusterId(proposed: string): Promise<string> {
    if ((await this.createRecursive(CLUSTER_ID_PATH, encodeClusterId(proposed))) === 'OK') return proposed;
    const existing = await this.getClusterId();
    if (existing === null)
      throw new TributaryError(
        'Failed to get cluster id from Zookeeper. This can happen if /cluster/id is deleted from Zookeeper.',
        'ERR_ZK_ERROR',
        { path: CLUSTER_ID_PATH },
      );
    return existing;
  }

  /** KafkaZkClient.generateBrokerSequenceId: the version of /brokers/seqid after an empty write (1, 2, ...). */
  async generateBrokerSequenceId(): Promise<number> {
    const response = await this.zooKeeperClient.setData(BROKER_SEQUENCE_ID_PATH, EMPTY, MATCH_ANY_VERSION);
    if (response.code === 'OK') return response.stat.version;
    await this.zooKeeperClient.makeSurePersistentPathExists(BROKER_SEQUENCE_ID_PATH);
    return this.generateBrokerSequenceId();
  }

  /** KafkaZkClient.registerBroker: the ephemeral /brokers/ids/<id>; answers the broker epoch, its czxid. */
  async registerBroker(info: BrokerInfo): Promise<number> {
    const czxid = await this.checkedEphemeralCreate(brokerIdPath(info.id), encodeBrokerInfo(info));
    return Number(czxid);
  }

  /**
   * KafkaZkClient.CheckedEphemeral.create: created empty and written at version 0 in one multi
   * (the data set only once the znode is ours). NODEEXISTS is ours when this session owns it
   * (a create retried after a lost connection); another session's is refused, as Kafka
   * refuses a second broker with the same id. (Kafka's KAFKA-7165 re-create after an expiry
   * whose ephemeral survived, ZOOKEEPER-2985, is fixed in the 3.8 server this runs against.)
   */
  private async checkedEphemeralCreate(path: string, data: Uint8Array): Promise<bigint> {
    for (;;) {
      const response = await this.zooKeeperClient.multi([
        { type: 'create', path, data: EMPTY, mode: 'EPHEMERAL' },
        { type: 'setData', path, data, version: 0 },
      ]);
      if (response.code === 'OK') {
        const set = response.results[1]!;
        if (set.type === 'setData') return set.stat.czxid;
      }
      if (response.code !== 'NODEEXISTS') {
        maybeThrow({ code: response.code }, path);
        continue;
      }
      const existing = await this.zooKeeperClient.getData(path);
      if (existing.code === 'NONODE') continue; // went away while reading it: create again
      if (existing.stat.ephemeralOwner !== this.zooKeeperClient.sessionId)
        throw new TributaryError(
          `Error while creating ephemeral at ${path}, node already exists and owner '0x${existing.stat.ephemeralOwner.toString(16)}' does not match current session '0x${this.zooKeeperClient.sessionId.toString(16)}'`,
          'ERR_ZK_NODE_EXISTS',
          { path },
        );
      return existing.stat.czxid;
    }
  }

  /** KafkaZkClient.getDataAndVersion: the data and znode version; null and ZkVersion.UnknownVersion (-1) without the znode. */
  async getDataAndVersion(path: string): Promise<{ data: Buffer | null; version: number }> {
    const response = await this.zooKeeperClient.getData(path);
    return response.code === 'OK'
      ? { data: response.data, version: response.stat.version }
      : { data: null, version: UNKNOWN_VERSION };
  }

  /**
   * KafkaZkClient.conditionalUpdatePath (without a checker): the data written if the znode is
   * still at `expectVersion`, with its new version; BADVERSION and NONODE are not written.
   */
  async conditionalUpdatePath(
    path: string,
    data: Uint8Array,
    expectVersion: number,
  ): Promise<{ succeeded: boolean; version: number }> {
    const response = await this.zooKeeperClient.setData(path, data, expectVersion);
    return response.code === 'OK'
      ? { succeeded: true, version: response.stat.version }
      : { succeeded: false, version: UNKNOWN_VERSION };
  }

  /** KafkaZkClient.getSortedBrokerList */
  async getSortedBrokerList(): Promise<number[]> {
    const response = await this.zooKeeperClient.getChildren(BROKER_IDS_PATH);
    if (response.code !== 'OK') return [];
    return response.children.map(Number).sort((a, b) => a - b);
  }

  /** KafkaZkClient.getAllBrokerAndEpochsInCluster: every registered broker and its epoch; one gone meanwhile is left out. */
  async getAllBrokerAndEpochsInCluster(): Promise<BrokerAndEpoch[]> {
    const ids = await this.getSortedBrokerList();
    const responses = await Promise.all(ids.map((id) => this.zooKeeperClient.getData(brokerIdPath(id))));
    return responses.flatMap((response, i) =>
      response.code === 'OK'
        ? [{ info: decodeBrokerInfo(ids[i]!, response.data), epoch: Number(response.stat.czxid) }]
        : [],
    );
  }

  /** KafkaZkClient.getControllerEpoch: the epoch and the znode's version; null when absent. */
  async getControllerEpoch(): Promise<ControllerEpoch | null> {
    const response = await this.zooKeeperClient.getData(CONTROLLER_EPOCH_PATH);
    if (response.code !== 'OK') return null;
    return { epoch: decodeControllerEpoch(response.data), epochZkVersion: response.stat.version };
  }

  /**
   * KafkaZkClient.registerControllerAndIncrementControllerEpoch: /controller created
   * (ephemeral) and /controller_epoch bumped under its version, in one multi. When the
   * multi fails (another broker won, or moved the epoch) the winner is read: this broker
   * is controller only if /controller names it with the epoch it wrote, else
   * ERR_STALE_CONTROLLER_EPOCH (ControllerMovedException).
   */
  async registerControllerAndIncrementControllerEpoch(controllerId: number): Promise<ControllerEpoch> {
    const current = (await this.getControllerEpoch()) ?? (await this.maybeCreateControllerEpochZNode());
    const epoch = current.epoch + 1;
    const response = await this.zooKeeperClient.multi([
      { type: 'create', path: CONTROLLER_PATH, data: encodeController(controllerId), mode: 'EPHEMERAL' },
      {
        type: 'setData',
        path: CONTROLLER_EPOCH_PATH,
        data: encodeControllerEpoch(epoch),
        version: current.epochZkVersion,
      },
    ]);
    if (response.code === 'OK') {
      const set = response.results[1]!;
      if (set.type === 'setData') return { epoch, epochZkVersion: set.stat.version };
    }
    if (response.code !== 'NODEEXISTS' && response.code !== 'BADVERSION')
      maybeThrow({ code: response.code }, CONTROLLER_PATH);
    return this.checkControllerAndEpoch(controllerId, epoch);
  }

  /** registerControllerAndIncrementControllerEpoch.checkControllerAndEpoch */
  private async checkControllerAndEpoch(controllerId: number, epoch: number): Promise<ControllerEpoch> {
    const current = await this.getControllerId();
    if (current === null)
      throw controllerMoved(
        `The ephemeral node at ${CONTROLLER_PATH} went away while checking whether the controller election succeeds. Aborting controller startup procedure`,
      );
    const stored = current === controllerId ? await this.getControllerEpoch() : null;
    if (stored?.epoch === epoch) return stored;
    throw controllerMoved('Controller moved to another broker. Aborting controller startup procedure');
  }

  /** KafkaZkClient.maybeCreateControllerEpochZNode: epoch 0 at version 0, or what a racing broker created. */
  private async maybeCreateControllerEpochZNode(): Promise<ControllerEpoch> {
    const response = await this.zooKeeperClient.create(
      CONTROLLER_EPOCH_PATH,
      encodeControllerEpoch(INITIAL_CONTROLLER_EPOCH),
    );
    if (response.code === 'OK') return { epoch: INITIAL_CONTROLLER_EPOCH, epochZkVersion: 0 };
    const existing = await this.getControllerEpoch();
    if (existing === null) throw controllerMoved(`${CONTROLLER_EPOCH_PATH} existed before but went away`);
    return existing;
  }

  /** KafkaZkClient.getControllerId: null without /controller. Arms the ControllerChangeHandler's watch if registered. */
  async getControllerId(): Promise<number | null> {
    const response = await this.zooKeeperClient.getData(CONTROLLER_PATH);
    return response.code === 'OK' ? decodeController(response.data, response.stat.version).brokerId : null;
  }

  /** KafkaZkClient.registerZNodeChangeHandlerAndCheckExistence: arms the watch (exists) and says whether the znode is there. */
  async watchExists(path: string): Promise<boolean> {
    return (await this.zooKeeperClient.exists(path)).code === 'OK';
  }

  /** KafkaZkClient.deleteController: the controller's resignation, under its epoch's version. */
  async deleteController(expectedControllerEpochZkVersion: number): Promise<void> {
    await this.checkedWrite(
      { type: 'delete', path: CONTROLLER_PATH, version: MATCH_ANY_VERSION },
      expectedControllerEpochZkVersion,
    );
  }

  /** KafkaZkClient.getAllTopicsInCluster: arms the TopicChangeHandler's watch when registered. */
  async getAllTopicsInCluster(): Promise<Set<string>> {
    const response = await this.zooKeeperClient.getChildren(TOPICS_PATH);
    return new Set(response.code === 'OK' ? response.children : []);
  }

  /** KafkaZkClient.topicExists */
  async topicExists(topic: string): Promise<boolean> {
    return (await this.zooKeeperClient.exists(topicPath(topic))).code === 'OK';
  }

  /** KafkaZkClient.getReplicaAssignmentAndTopicIdForTopics: a topic gone meanwhile has no partitions. */
  async getReplicaAssignmentAndTopicIdForTopics(topics: Iterable<string>): Promise<TopicIdReplicaAssignment[]> {
    const names = [...topics];
    const responses = await Promise.all(names.map((topic) => this.zooKeeperClient.getData(topicPath(topic))));
    return responses.map((response, i) =>
      response.code === 'OK'
        ? decodeTopicAssignment(names[i]!, response.data)
        : { topic: names[i]!, topicId: null, assignment: new Map() },
    );
  }

  /** KafkaZkClient.createTopicAssignment: /brokers/topics/<topic>; NODEEXISTS when the topic is there. */
  async createTopicAssignment(
    topic: string,
    topicId: string | null,
    assignment: ReadonlyMap<number, ReplicaAssignment>,
  ): Promise<'OK' | 'NODEEXISTS'> {
    return this.createRecursive(topicPath(topic), encodeTopicAssignment(topicId, assignment));
  }

  /**
   * KafkaZkClient.setTopicAssignmentRaw: the whole assignment written under the controller
   * epoch's version (MATCH_ANY_VERSION: an admin's CreatePartitions, unchecked).
   */
  async setTopicAssignment(
    topic: string,
    topicId: string | null,
    assignment: ReadonlyMap<number, ReplicaAssignment>,
    expectedControllerEpochZkVersion: number,
  ): Promise<CheckedWrite> {
    const data = encodeTopicAssignment(topicId, assignment);
    return this.checkedWrite(
      { type: 'setData', path: topicPath(topic), data, version: MATCH_ANY_VERSION },
      expectedControllerEpochZkVersion,
    );
  }

  /** KafkaZkClient.setOrCreateEntityConfigs: the entity's overrides (AdminZkClient.changeEntityConfig then notifies). */
  async setOrCreateEntityConfigs(
    type: ConfigType,
    name: string,
    config: Readonly<Record<string, string>>,
  ): Promise<void> {
    const path = configEntityPath(type, name);
    const data = encodeEntityConfig(config);
    const set = await this.zooKeeperClient.setData(path, data, MATCH_ANY_VERSION);
    if (set.code === 'NONODE' && (await this.createRecursive(path, data)) === 'NODEEXISTS')
      maybeThrow(await this.zooKeeperClient.setData(path, data, MATCH_ANY_VERSION), path);
  }

  /** KafkaZkClient.createConfigChangeNotification (AdminZkClient.changeEntityConfig's last step). */
  async createConfigChangeNotification(entity: ConfigEntity): Promise<void> {
    const response = await this.zooKeeperClient.create(
      CONFIG_CHANGE_CREATE_PATH,
      encodeConfigChange(entity),
      'PERSISTENT_SEQUENTIAL',
    );
    maybeThrow(response, CONFIG_CHANGE_CREATE_PATH);
  }

  /** KafkaZkClient.getEntityConfigs: no znode is no overrides. */
  async getEntityConfigs(type: ConfigType, name: string): Promise<Record<string, string>> {
    const response = await this.zooKeeperClient.getData(configEntityPath(type, name));
    return decodeEntityConfig(type, name, response.code === 'OK' ? response.data : null);
  }

  /** KafkaZkClient.getAllEntitiesWithConfig: the names under /config/<type> (topics, brokers and <default>, ...). */
  async getAllEntitiesWithConfig(type: ConfigType): Promise<string[]> {
    const response = await this.zooKeeperClient.getChildren(configTypePath(type), false);
    return response.code === 'OK' ? [...response.children] : [];
  }

  /** KafkaZkClient.getTopicDeletions: arms the TopicDeletionHandler's watch when registered. */
  async getTopicDeletions(): Promise<string[]> {
    const response = await this.zooKeeperClient.getChildren(DELETE_TOPICS_PATH);
    return response.code === 'OK' ? [...response.children] : [];
  }

  /** KafkaZkClient.isTopicMarkedForDeletion */
  async isTopicMarkedForDeletion(topic: string): Promise<boolean> {
    return (await this.zooKeeperClient.exists(deleteTopicPath(topic))).code === 'OK';
  }

  /** KafkaZkClient.createDeleteTopicPath: NODEEXISTS when already marked. */
  async createDeleteTopicPath(topic: string): Promise<'OK' | 'NODEEXISTS'> {
    return this.createRecursive(deleteTopicPath(topic), EMPTY);
  }

  /** KafkaZkClient.deleteTopicDeletions: the topics' /admin/delete_topics znodes, under the controller epoch's version. */
  async deleteTopicDeletions(topics: readonly string[], expectedControllerEpochZkVersion: number): Promise<void> {
    for (const topic of topics)
      await this.checkedWrite(
        { type: 'delete', path: deleteTopicPath(topic), version: MATCH_ANY_VERSION },
        expectedControllerEpochZkVersion,
      );
  }

  /** KafkaZkClient.deleteTopicZNode: /brokers/topics/<topic> and everything under it. */
  async deleteTopicZNode(topic: string, expectedControllerEpochZkVersion: number): Promise<void> {
    await this.deleteRecursive(topicPath(topic), expectedControllerEpochZkVersion);
  }

  /** KafkaZkClient.deleteTopicConfigs */
  async deleteTopicConfigs(topics: readonly string[], expectedControllerEpochZkVersion: number): Promise<void> {
    for (const topic of topics)
      await this.checkedWrite(
        { type: 'delete', path: configEntityPath('topics', topic), version: MATCH_ANY_VERSION },
        expectedControllerEpochZkVersion,
      );
  }

  /** KafkaZkClient.getTopicPartitionStatesRaw, decoded: null for a partition without a state znode. */
  async getTopicPartitionStates(
    partitions: readonly ZkTopicPartition[],
  ): Promise<(LeaderIsrAndControllerEpoch | null)[]> {
    const responses = await Promise.all(
      partitions.map((tp) => this.zooKeeperClient.getData(topicPartitionStatePath(tp.topic, tp.partition))),
    );
    return responses.map((response, i) => {
      const { topic, partition } = partitions[i]!;
      return response.code === 'OK'
        ? decodePartitionState(topic, partition, response.data, response.stat.version)
        : null;
    });
  }

  /**
   * KafkaZkClient.createTopicPartitionStatesRaw: the topics' partitions znodes and each
   * partition's (createTopicPartitions, createTopicPartition: NODEEXISTS is fine), then the
   * state znodes, each write under the controller epoch's version.
   */
  async createTopicPartitionStates(
    states: readonly { readonly tp: ZkTopicPartition; readonly state: LeaderIsrAndControllerEpoch }[],
    expectedControllerEpochZkVersion: number,
  ): Promise<CheckedWrite[]> {
    const create = (path: string, data: Uint8Array = EMPTY): ZkOp => ({
      type: 'create',
      path,
      data,
      mode: 'PERSISTENT',
    });
    const topics = [...new Set(states.map((s) => s.tp.topic))];
    await Promise.all(
      topics.map((t) => this.checkedWrite(create(topicPartitionsPath(t)), expectedControllerEpochZkVersion)),
    );
    await Promise.all(
      states.map(({ tp }) =>
        this.checkedWrite(create(`${topicPartitionsPath(tp.topic)}/${tp.partition}`), expectedControllerEpochZkVersion),
      ),
    );
    return Promise.all(
      states.map(({ tp, state }) =>
        this.checkedWrite(
          create(topicPartitionStatePath(tp.topic, tp.partition), encodePartitionState(state)),
          expectedControllerEpochZkVersion,
        ),
      ),
    );
  }

  /** KafkaZkClient.setTopicPartitionStatesRaw: each state written if its znode's version is still the partition epoch. */
  async setTopicPartitionStates(
    states: readonly { readonly tp: ZkTopicPartition; readonly state: LeaderIsrAndControllerEpoch }[],
    expectedControllerEpochZkVersion: number,
  ): Promise<CheckedWrite[]> {
    return Promise.all(
      states.map(({ tp, state }) =>
        this.checkedWrite(
          {
            type: 'setData',
            path: topicPartitionStatePath(tp.topic, tp.partition),
            data: encodePartitionState(state),
            version: state.leaderAndIsr.partitionEpoch,
          },
          expectedControllerEpochZkVersion,
        ),
      ),
    );
  }

  /**
   * One write behind a check of /controller_epoch's version (wrapRequestWithControllerEpochCheck
   * and unwrapResponseWithControllerEpochCheck): the check failing is ERR_STALE_CONTROLLER_EPOCH,
   * the write's own code is answered; a setData's OK carries the znode's new version.
   */
  async checkedWrite(op: ZkOp, expectedControllerEpochZkVersion: number): Promise<CheckedWrite> {
    // MatchAnyVersion: an admin's write (AdminZkClient), checked against no controller.
    const check: ZkOp[] =
      expectedControllerEpochZkVersion === MATCH_ANY_VERSION
        ? []
        : [{ type: 'check', path: CONTROLLER_EPOCH_PATH, version: expectedControllerEpochZkVersion }];
    const response = await this.zooKeeperClient.multi([...check, op]);
    if (response.code === 'OK') {
      const result = response.results[check.length]!;
      return { code: 'OK', version: result.type === 'setData' ? result.stat.version : 0 };
    }
    if (response.failedOp < check.length)
      throw new TributaryError(
        `Controller epoch zkVersion check fails. Expected zkVersion = ${expectedControllerEpochZkVersion}`,
        'ERR_STALE_CONTROLLER_EPOCH',
      );
    return { code: response.code };
  }

  /** KafkaZkClient.createRecursive with throwIfPathExists = false: the parents made as needed; OK or NODEEXISTS. */
  private async createRecursive(path: string, data: Uint8Array): Promise<'OK' | 'NODEEXISTS'> {
    let response = await this.zooKeeperClient.create(path, data);
    if (response.code === 'NONODE') {
      await this.zooKeeperClient.makeSurePersistentPathExists(path.slice(0, path.lastIndexOf('/')));
      response = await this.zooKeeperClient.create(path, data);
    }
    if (response.code === 'NODEEXISTS') return 'NODEEXISTS';
    maybeThrow(response, path);
    return 'OK';
  }

  /** KafkaZkClient.deleteRecursive: children first, each delete under the controller epoch's version. */
  private async deleteRecursive(path: string, expectedControllerEpochZkVersion: number): Promise<void> {
    const children = await this.zooKeeperClient.getChildren(path, false);
    if (children.code !== 'OK') return;
    for (const child of children.children)
      await this.deleteRecursive(`${path}/${child}`, expectedControllerEpochZkVersion);
    const deleted = await this.checkedWrite(
      { type: 'delete', path, version: MATCH_ANY_VERSION },
      expectedControllerEpochZkVersion,
    );
    if (deleted.code === 'NOTEMPTY') await this.deleteRecursive(path, expectedControllerEpochZkVersion);
  }
}

/** Kafka's ControllerMovedException. */
function controllerMoved(message: string): TributaryError {
  return new TributaryError(message, 'ERR_STALE_CONTROLLER_EPOCH');
}
