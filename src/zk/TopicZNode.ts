/**
 * TopicZNode and TopicPartitionStateZNode: a topic's replica assignment and id at
 * /brokers/topics/<topic>, and each partition's leader and ISR at
 * /brokers/topics/<topic>/partitions/<p>/state, as Kafka 3.8's kafka.zk.ZkData writes them.
 */
import type { LeaderAndIsr } from './LeaderAndIsr.js';
import { topicPartitionStatePath, topicPath } from './ZkPaths.js';
import { encodeJson, ZNodeJson } from './ZNodeJson.js';

/** Kafka's kafka.controller.ReplicaAssignment: the replicas, and those a reassignment adds and removes. */
export interface ReplicaAssignment {
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

/** TopicZNode.TopicIdReplicaAssignment: partition -> its assignment. */
export interface TopicIdReplicaAssignment {
  readonly topic: string;
  /** Kafka's Uuid as base64url (22 characters); null for a topic made before IBP 2.8. */
  readonly topicId: string | null;
  readonly assignment: ReadonlyMap<number, ReplicaAssignment>;
}

/** The version TopicZNode.encode writes; 1 (partitions only) and 2 (no topic id) are read too. */
export const TOPIC_ZNODE_VERSION = 3;

/** TopicZNode.encode: "adding_replicas" and "removing_replicas" list only partitions that have some. */
export function encodeTopicAssignment(
  topicId: string | null,
  assignment: ReadonlyMap<number, ReplicaAssignment>,
): Buffer {
  const partitions: Record<string, readonly number[]> = {};
  const adding: Record<string, readonly number[]> = {};
  const removing: Record<string, readonly number[]> = {};
  for (const [partition, a] of assignment) {
    partitions[partition] = a.replicas;
    if (a.addingReplicas.length > 0) adding[partition] = a.addingReplicas;
    if (a.removingReplicas.length > 0) removing[partition] = a.removingReplicas;
  }
  const json: Record<string, unknown> = {
    version: TOPIC_ZNODE_VERSION,
    partitions,
    adding_replicas: adding,
    removing_replicas: removing,
  };
  if (topicId !== null) json.topic_id = topicId;
  return encodeJson(json);
}

/** A partition number as a key ("0", "12"): Kafka's `partition.toInt`. */
function partitionOf(json: ZNodeJson, key: string): number {
  const partition = Number(key);
  if (!/^\d+$/.test(key) || partition > 2 ** 31 - 1) throw json.problem(key, 'is not a partition number');
  return partition;
}

/** Uuid.fromString: base64url of 16 bytes. */
function topicIdOf(json: ZNodeJson): string | null {
  const id = json.optionalString('topic_id');
  if (id !== null && (!/^[A-Za-z0-9_-]{22}$/.test(id) || Buffer.from(id, 'base64url').length !== 16))
    throw json.problem('topic_id', 'is not a topic id (a base64url Uuid)');
  return id;
}

/** TopicZNode.decode, strictly: a missing "partitions" is a topic with none, as Kafka reads it. */
export function decodeTopicAssignment(topic: string, bytes: Uint8Array | null): TopicIdReplicaAssignment {
  const json = ZNodeJson.parse(topicPath(topic), bytes);
  const version = json.int('version');
  if (version < 1 || version > TOPIC_ZNODE_VERSION)
    throw json.problem('version', `${version} is not a topic znode version Kafka writes (1-3)`);
  const partitions = json.optionalObject('partitions');
  const adding = json.optionalObject('adding_replicas');
  const removing = json.optionalObject('removing_replicas');
  const assignment = new Map<number, ReplicaAssignment>();
  for (const key of partitions?.keys() ?? []) {
    assignment.set(partitionOf(partitions!, key), {
      replicas: partitions!.intList(key),
      addingReplicas: adding?.has(key) === true ? adding.intList(key) : [],
      removingReplicas: removing?.has(key) === true ? removing.intList(key) : [],
    });
  }
  return { topic, topicId: topicIdOf(json), assignment };
}

/** Kafka's LeaderIsrAndControllerEpoch: a partition's state and the controller epoch that wrote it. */
export interface LeaderIsrAndControllerEpoch {
  readonly leaderAndIsr: LeaderAndIsr;
  readonly controllerEpoch: number;
}

/** TopicPartitionStateZNode.encode: version 1; leader_recovery_state only when RECOVERING. */
export function encodePartitionState(state: LeaderIsrAndControllerEpoch): Buffer {
  const { leaderAndIsr } = state;
  const json: Record<string, unknown> = {
    version: 1,
    leader: leaderAndIsr.leader,
    leader_epoch: leaderAndIsr.leaderEpoch,
    controller_epoch: state.controllerEpoch,
    isr: leaderAndIsr.isr,
  };
  if (leaderAndIsr.leaderRecoveryState !== 0) json.leader_recovery_state = leaderAndIsr.leaderRecoveryState;
  return encodeJson(json);
}

/**
 * TopicPartitionStateZNode.decode: the partition epoch is the znode's version (its Stat),
 * not in the JSON: the controller's conditional writes are made against it.
 */
export function decodePartitionState(
  topic: string,
  partition: number,
  bytes: Uint8Array | null,
  zkVersion: number,
): LeaderIsrAndControllerEpoch {
  const json = ZNodeJson.parse(topicPartitionStatePath(topic, partition), bytes);
  const version = json.int('version');
  if (version !== 1) throw json.problem('version', `${version} is not a partition state version Kafka writes (1)`);
  const recovery = json.optionalInt('leader_recovery_state') ?? 0;
  // LeaderRecoveryState.of: 0 RECOVERED, 1 RECOVERING, anything else refused.
  if (recovery !== 0 && recovery !== 1) throw json.problem('leader_recovery_state', 'is not 0 or 1');
  return {
    leaderAndIsr: {
      leader: json.int('leader'),
      leaderEpoch: json.int('leader_epoch'),
      isr: json.intList('isr'),
      leaderRecoveryState: recovery,
      partitionEpoch: zkVersion,
    },
    controllerEpoch: json.int('controller_epoch'),
  };
}
