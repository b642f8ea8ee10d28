/**
 * ControllerZkClient: the ZooKeeper operations the controller's state machines need, the
 * port the real client implements (Kafka's KafkaZkClient methods of the same purpose).
 * Each partition's state lives at /brokers/topics/<topic>/partitions/<p>/state; every write
 * is a multi-op guarded by a version check of /controller_epoch, so a controller another
 * has replaced changes nothing: the implementation then throws a TributaryError
 * ERR_STALE_CONTROLLER_EPOCH (Kafka's ControllerMovedException) for the whole call.
 */
import type { TributaryError } from '../errors.js';
import type { LeaderAndIsr } from '../zk/LeaderAndIsr.js';
import type { LeaderIsrAndControllerEpoch } from './LeaderIsrAndControllerEpoch.js';
import type { ReplicaAssignment } from './ReplicaAssignment.js';
import type { TopicPartition, ValueKeyedMap } from './TopicPartition.js';

/** One partition's answer: ZooKeeper's result code, the value on OK, the error otherwise. */
export type ZkResult<T> =
  | { readonly code: 'OK'; readonly value: T }
  | { readonly code: 'NONODE' | 'NODEEXISTS' | 'BADVERSION' }
  | { readonly code: 'ERROR'; readonly error: TributaryError };

export interface ControllerZkClient {
  /**
   * KafkaZkClient.createTopicPartitionStatesRaw: create each partition's state znode (and
   * its parents); NODEEXISTS where one is there already.
   */
  createTopicPartitionStates(
    states: ValueKeyedMap<TopicPartition, LeaderIsrAndControllerEpoch>,
    expectedControllerEpochZkVersion: number,
  ): Promise<ValueKeyedMap<TopicPartition, ZkResult<null>>>;

  /** KafkaZkClient.getTopicPartitionStatesRaw: each state with its znode version as the partition epoch; NONODE if absent. */
  getTopicPartitionStates(
    partitions: readonly TopicPartition[],
  ): Promise<ValueKeyedMap<TopicPartition, ZkResult<LeaderIsrAndControllerEpoch>>>;

  /**
   * KafkaZkClient.updateLeaderAndIsr (setTopicPartitionStatesRaw): write each state if the
   * znode's version is still its partitionEpoch; OK carries the state with the new version
   * as its partition epoch, BADVERSION says another writer (the leader shrinking or
   * expanding its ISR) was first, to be read again and retried.
   */
  updateLeaderAndIsr(
    states: ValueKeyedMap<TopicPartition, LeaderAndIsr>,
    controllerEpoch: number,
    expectedControllerEpochZkVersion: number,
  ): Promise<ValueKeyedMap<TopicPartition, ZkResult<LeaderAndIsr>>>;

  /**
   * KafkaZkClient.setTopicAssignmentRaw: /brokers/topics/<topic> with every partition's
   * replicas, adding and removing replicas, and the topic id; NONODE if the topic is gone.
   */
  setTopicAssignment(
    topic: string,
    topicId: Buffer | undefined,
    assignment: ReadonlyMap<number, ReplicaAssignment>,
    expectedControllerEpochZkVersion: number,
  ): Promise<ZkResult<null>>;

  /**
   * The topics' unclean.leader.election.enable (the topic's config over the broker's
   * default, KafkaZkClient.getLogConfigs); an error for a topic whose config cannot be read.
   */
  uncleanLeaderElectionEnabled(topics: ReadonlySet<string>): Promise<Map<string, boolean | TributaryError>>;
}
