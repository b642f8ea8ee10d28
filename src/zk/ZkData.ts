/**
 * ZkData: the contents of Kafka 3.8's cluster-wide znodes (kafka.zk.ZkData.scala), each with
 * Kafka's encoding and a strict decoding that names the znode when its bytes are not what
 * Kafka writes. Brokers' registrations are in BrokerIdZNode, topics and partition states in
 * TopicZNode, the paths in ZkPaths.
 */
import {
  CLUSTER_ID_PATH,
  CONFIG_CHANGES_PATH,
  CONFIG_TYPES,
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  ISR_CHANGE_NOTIFICATION_PATH,
  PREFERRED_REPLICA_ELECTION_PATH,
  REASSIGN_PARTITIONS_PATH,
  configEntityPath,
  type ConfigType,
} from './ZkPaths.js';
import { encodeJson, malformedZNode, ZNodeJson } from './ZNodeJson.js';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** ClusterIdZNode.toJson: the version is a string here, as Kafka writes it. */
export function encodeClusterId(id: string): Buffer {
  return encodeJson({ version: '1', id });
}

/** ClusterIdZNode.fromJson */
export function decodeClusterId(bytes: Uint8Array | null): string {
  return ZNodeJson.parse(CLUSTER_ID_PATH, bytes).string('id');
}

/** ZKControllerRegistration: the controller's broker id, and a KRaft controller's epoch during a migration. */
export interface ControllerRegistration {
  readonly brokerId: number;
  /** -1 when a ZooKeeper-mode broker is controller (Kafka's default); null in a version-1 znode. */
  readonly kraftControllerEpoch: number | null;
  readonly zkVersion: number;
}

/** ControllerZNode.encode: version 2, the timestamp as a string, kraftControllerEpoch -1 for a ZooKeeper controller. */
export function encodeController(brokerId: number, timestamp: number = Date.now(), kraftControllerEpoch = -1): Buffer {
  return encodeJson({ version: 2, brokerid: brokerId, timestamp: String(timestamp), kraftControllerEpoch });
}

/** ControllerZNode.decodeController */
export function decodeController(bytes: Uint8Array | null, zkVersion: number): ControllerRegistration {
  const json = ZNodeJson.parse(CONTROLLER_PATH, bytes);
  const version = json.int('version');
  if (version < 1 || version > 2) throw json.problem('version', `${version} is not a controller znode version (1-2)`);
  return {
    brokerId: json.int('brokerid'),
    kraftControllerEpoch: json.optionalInt('kraftControllerEpoch') ?? null,
    zkVersion,
  };
}

/** ControllerEpochZNode.encode: the epoch as plain decimal text, no JSON. */
export function encodeControllerEpoch(epoch: number): Buffer {
  return Buffer.from(String(epoch), 'utf8');
}

/** ControllerEpochZNode.decode: Java's Integer.parseInt of the whole text. */
export function decodeControllerEpoch(bytes: Uint8Array | null): number {
  const text = bytes === null ? '' : Buffer.from(bytes).toString('utf8');
  const epoch = Number(text);
  if (!/^[-+]?\d+$/.test(text) || epoch < -(2 ** 31) || epoch > 2 ** 31 - 1)
    throw malformedZNode(CONTROLLER_EPOCH_PATH, 'not a 32-bit integer', text);
  return epoch;
}

/** ConfigEntityZNode.encode: {"version":1,"config":{...}} with every value a string. */
export function encodeEntityConfig(config: Readonly<Record<string, string>>): Buffer {
  return encodeJson({ version: 1, config });
}

/** ConfigEntityZNode.decode: no znode (null bytes) is no overrides, as Kafka reads it. */
export function decodeEntityConfig(type: ConfigType, name: string, bytes: Uint8Array | null): Record<string, string> {
  if (bytes === null) return {};
  const json = ZNodeJson.parse(configEntityPath(type, name), bytes);
  const version = json.int('version');
  if (version !== 1) throw json.problem('version', `${version} is not a config znode version (1)`);
  const config = json.object('config');
  return Object.fromEntries(config.keys().map((key) => [key, config.string(key)]));
}

/** ConfigEntityChangeNotificationSequenceZNode: the sequential znodes' name before ZooKeeper's 10 digits. */
export const CONFIG_CHANGE_PREFIX = 'config_change_';

/** ConfigEntityChangeNotificationSequenceZNode.createPath: a PERSISTENT_SEQUENTIAL create adds the number. */
export const CONFIG_CHANGE_CREATE_PATH = `${CONFIG_CHANGES_PATH}/${CONFIG_CHANGE_PREFIX}`;

/** The config entity a change notification names. */
export interface ConfigEntity {
  readonly type: ConfigType;
  readonly name: string;
}

/** ConfigEntityChangeNotificationSequenceZNode.encode: version 2, "topics/<name>" (AdminZkClient.changeEntityConfig). */
export function encodeConfigChange(entity: ConfigEntity): Buffer {
  return encodeJson({ version: 2, entity_path: `${entity.type}/${entity.name}` });
}

function configTypeOf(json: ZNodeJson, key: string, type: string): ConfigType {
  if (!(CONFIG_TYPES as readonly string[]).includes(type))
    throw json.problem(key, `names no config type (${CONFIG_TYPES.join(', ')})`);
  return type as ConfigType;
}

/**
 * ZkConfigManager's ConfigChangedNotificationHandler: version 1 names entity_type and
 * entity_name, version 2 entity_path `type/name`; any other version is refused.
 */
export function decodeConfigChange(sequenceNode: string, bytes: Uint8Array | null): ConfigEntity {
  const json = ZNodeJson.parse(`${CONFIG_CHANGES_PATH}/${sequenceNode}`, bytes);
  const version = json.int('version');
  if (version === 1)
    return { type: configTypeOf(json, 'entity_type', json.string('entity_type')), name: json.string('entity_name') };
  if (version !== 2) throw json.problem('version', `${version} is not supported, supported versions are 1 and 2`);
  const path = json.string('entity_path');
  const slash = path.indexOf('/');
  if (slash < 0) throw json.problem('entity_path', 'is not <entity type>/<entity name>');
  return { type: configTypeOf(json, 'entity_path', path.slice(0, slash)), name: path.slice(slash + 1) };
}

/** ZooKeeper's sequence number of a sequential znode (IsrChangeNotificationSequenceZNode.sequenceNumber). */
export function sequenceNumber(node: string, prefix: string): string {
  return node.slice(node.lastIndexOf(prefix) + prefix.length);
}

/** IsrChangeNotificationSequenceZNode's prefix under /isr_change_notification. */
export const ISR_CHANGE_PREFIX = 'isr_change_';

/** {"version":1,"partitions":[{"topic":...,"partition":...}]}: ISR changes and preferred replica elections. */
function encodePartitions(partitions: Iterable<TopicPartition>): Buffer {
  return encodeJson({
    version: 1,
    partitions: [...partitions].map((p) => ({ topic: p.topic, partition: p.partition })),
  });
}

function decodePartitions(path: string, bytes: Uint8Array | null): TopicPartition[] {
  const json = ZNodeJson.parse(path, bytes);
  return json.objectList('partitions').map((p) => ({ topic: p.string('topic'), partition: p.int('partition') }));
}

/** IsrChangeNotificationSequenceZNode.encode (IsrChangeNotificationHandler.Version 1). */
export function encodeIsrChange(partitions: Iterable<TopicPartition>): Buffer {
  return encodePartitions(partitions);
}

export function decodeIsrChange(sequenceNode: string, bytes: Uint8Array | null): TopicPartition[] {
  return decodePartitions(`${ISR_CHANGE_NOTIFICATION_PATH}/${sequenceNode}`, bytes);
}

/** PreferredReplicaElectionZNode.encode: the partitions whose preferred replica should lead. */
export function encodePreferredReplicaElection(partitions: Iterable<TopicPartition>): Buffer {
  return encodePartitions(partitions);
}

export function decodePreferredReplicaElection(bytes: Uint8Array | null): TopicPartition[] {
  return decodePartitions(PREFERRED_REPLICA_ELECTION_PATH, bytes);
}

/** A partition and its target replicas, as the legacy /admin/reassign_partitions lists them. */
export interface PartitionReassignment extends TopicPartition {
  readonly replicas: readonly number[];
}

/** ReassignPartitionsZNode.encode (LegacyPartitionAssignment, version 1). */
export function encodeReassignPartitions(reassignments: Iterable<PartitionReassignment>): Buffer {
  const partitions = [...reassignments].map((r) => ({ topic: r.topic, partition: r.partition, replicas: r.replicas }));
  return encodeJson({ version: 1, partitions });
}

/** ReassignPartitionsZNode.decode */
export function decodeReassignPartitions(bytes: Uint8Array | null): PartitionReassignment[] {
  const json = ZNodeJson.parse(REASSIGN_PARTITIONS_PATH, bytes);
  return json.objectList('partitions').map((p) => ({
    topic: p.string('topic'),
    partition: p.int('partition'),
    replicas: p.intList('replicas'),
  }));
}

/**
 * KafkaServer.generateBrokerId: the version /brokers/seqid reached after an empty setData
 * (KafkaZkClient.generateBrokerSequenceId), above reserved.broker.max.id so a generated id
 * never meets a configured one.
 */
export function generatedBrokerId(sequenceZkVersion: number, maxReservedBrokerId: number): number {
  return sequenceZkVersion + maxReservedBrokerId;
}
