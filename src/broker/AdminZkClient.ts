/**
 * AdminZkClient: Kafka 3.8's kafka.zk.AdminZkClient, the admin's writes to ZooKeeper that the
 * controller then acts on: a topic created as its config and its /brokers/topics znode (with
 * a new topic id), a topic marked for deletion, partitions added to a topic's assignment;
 * and those every broker acts on: a topic's or the brokers' configs, each change followed by
 * a /config/changes notification (changeEntityConfig). The checks are Kafka's
 * (validateTopicCreate, validateTopicConfig), with the engine's topic name and config rules.
 */
import { randomBytes } from 'node:crypto';
import { createNewPartitionsAssignment, type BrokerMetadata } from '../controller/AdminUtils.js';
import { validateTopicName, normalizeTopicConfigs, collisionKey } from '../engine/TopicConfig.js';
import { TributaryError } from '../errors.js';
import type { KafkaZkClient } from '../zk/KafkaZkClient.js';
import type { ReplicaAssignment } from '../zk/TopicZNode.js';
import { DEFAULT_ENTITY_NAME, type ConfigType } from '../zk/ZkPaths.js';
import { MATCH_ANY_VERSION } from '../zk/ZooKeeperClient.js';

const assignmentOf = (replicas: readonly number[]): ReplicaAssignment => ({
  replicas,
  addingReplicas: [],
  removingReplicas: [],
});

export class AdminZkClient {
  constructor(private readonly zk: KafkaZkClient) {}

  /**
   * AdminZkClient.validateTopicCreate: a legal name not queued for deletion, not existing nor
   * colliding ('.' and '_'), one replication factor, no duplicate replica, partitions 0..n-1,
   * and known topic configs. Answers the configs normalized.
   */
  async validateTopicCreate(
    topic: string,
    assignment: ReadonlyMap<number, readonly number[]>,
    config: Readonly<Record<string, string>>,
  ): Promise<Record<string, string>> {
    validateTopicName(topic);
    if (await this.zk.isTopicMarkedForDeletion(topic))
      throw new TributaryError(`Topic '${topic}' is marked for deletion.`, 'ERR_TOPIC_EXISTS');
    if (await this.zk.topicExists(topic))
      throw new TributaryError(`Topic '${topic}' already exists.`, 'ERR_TOPIC_EXISTS');
    const colliding = [...(await this.zk.getAllTopicsInCluster())].filter(
      (t) => collisionKey(t) === collisionKey(topic),
    );
    if (colliding.length > 0)
      throw new TributaryError(
        `Topic '${topic}' collides with existing topics: ${colliding.join(', ')}`,
        'ERR_INVALID_TOPIC',
      );
    const replicas = [...assignment.values()];
    if (new Set(replicas.map((r) => r.length)).size !== 1)
      throw new TributaryError(
        'All partitions should have the same number of replicas',
        'ERR_INVALID_REPLICA_ASSIGNMENT',
      );
    if (replicas.some((r) => new Set(r).size !== r.length))
      throw new TributaryError('Duplicate replica assignment found', 'ERR_INVALID_REPLICA_ASSIGNMENT');
    const ids = [...assignment.keys()];
    if (ids.some((p) => p < 0 || p >= ids.length))
      throw new TributaryError(
        'partitions should be a consecutive 0-based integer sequence',
        'ERR_INVALID_REPLICA_ASSIGNMENT',
      );
    return normalizeTopicConfigs(config);
  }

  /**
   * AdminZkClient.createTopicWithAssignment (validated first by the caller): the config znode,
   * then the topic znode with a new topic id (not transactional, as in Kafka). Answers the id.
   */
  async createTopicWithAssignment(
    topic: string,
    config: Readonly<Record<string, string>>,
    assignment: ReadonlyMap<number, readonly number[]>,
  ): Promise<string> {
    await this.zk.setOrCreateEntityConfigs('topics', topic, config);
    const topicId = randomBytes(16).toString('base64url');
    const replicas = new Map([...assignment].map(([p, r]) => [p, assignmentOf(r)]));
    if ((await this.zk.createTopicAssignment(topic, topicId, replicas)) === 'NODEEXISTS')
      throw new TributaryError(`Topic '${topic}' already exists.`, 'ERR_TOPIC_EXISTS');
    return topicId;
  }

  /**
   * AdminZkClient.validateTopicConfig's ZooKeeper half: a legal name of a topic ZooKeeper has
   * (LogConfig.validate is the caller's, against the broker's defaults: Engine.validateTopicConfig).
   */
  async validateTopicConfig(topic: string): Promise<void> {
    validateTopicName(topic);
    if (!(await this.zk.topicExists(topic)))
      throw new TributaryError(`Topic '${topic}' does not exist.`, 'ERR_UNKNOWN_TOPIC_OR_PARTITION');
  }

  /** AdminZkClient.changeTopicConfig: `config` (validated) becomes the topic's whole set of overrides. */
  async changeTopicConfig(topic: string, config: Readonly<Record<string, string>>): Promise<void> {
    await this.validateTopicConfig(topic);
    await this.changeEntityConfig('topics', topic, config);
  }

  /** AdminZkClient.changeBrokerConfig: one broker's dynamic configs, or (null) every broker's defaults. */
  async changeBrokerConfig(brokerId: number | null, config: Readonly<Record<string, string>>): Promise<void> {
    await this.changeEntityConfig('brokers', brokerId === null ? DEFAULT_ENTITY_NAME : String(brokerId), config);
  }

  /** AdminZkClient.fetchEntityConfig: no znode is no configs. */
  fetchEntityConfig(type: ConfigType, name: string): Promise<Record<string, string>> {
    return this.zk.getEntityConfigs(type, name);
  }

  /** AdminZkClient.changeEntityConfig: the configs, then the notification that every broker reads them again by. */
  private async changeEntityConfig(
    type: ConfigType,
    name: string,
    config: Readonly<Record<string, string>>,
  ): Promise<void> {
    await this.zk.setOrCreateEntityConfigs(type, name, config);
    await this.zk.createConfigChangeNotification({ type, name });
  }

  /**
   * AdminZkClient.deleteTopic: /admin/delete_topics/<topic>, for the controller to carry out.
   * Already marked is no error: ZkAdminManager.deleteTopics swallows
   * TopicAlreadyMarkedForDeletionException so that a second call waits for the same deletion.
   */
  async deleteTopic(topic: string): Promise<void> {
    if (!(await this.zk.topicExists(topic)))
      throw new TributaryError(`Topic \`${topic}\` to delete does not exist`, 'ERR_UNKNOWN_TOPIC_OR_PARTITION');
    await this.zk.createDeleteTopicPath(topic);
  }

  /**
   * ZkAdminManager.createPartitions' ZooKeeper half: the new partitions' replicas (given, or
   * continuing the round robin) added to the topic's assignment (AdminZkClient.createPartitionsWithAssignment).
   */
  async addPartitions(
    topic: string,
    count: number,
    brokers: readonly BrokerMetadata[],
    manual: readonly (readonly number[])[] | null,
    validateOnly: boolean,
  ): Promise<void> {
    const [current] = await this.zk.getReplicaAssignmentAndTopicIdForTopics([topic]);
    if (current === undefined || current.assignment.size === 0)
      throw new TributaryError(`The topic '${topic}' does not exist.`, 'ERR_UNKNOWN_TOPIC_OR_PARTITION');
    const existing = new Map([...current.assignment].map(([p, a]) => [p, a.replicas]));
    if (count === existing.size)
      throw new TributaryError(`Topic already has ${existing.size} partitions.`, 'ERR_INVALID_PARTITIONS');
    const given = manual === null ? undefined : new Map(manual.map((r, i) => [existing.size + i, r]));
    const added = createNewPartitionsAssignment(topic, existing, brokers, count, given);
    if (validateOnly) return;
    const assignment = new Map(current.assignment);
    for (const [p, replicas] of added) assignment.set(p, assignmentOf(replicas));
    await this.zk.setTopicAssignment(topic, current.topicId, assignment, MATCH_ANY_VERSION);
  }
}
