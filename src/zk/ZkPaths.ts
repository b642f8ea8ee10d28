/**
 * ZkPaths: the znode paths of Kafka 3.8's ZooKeeper layout (kafka.zk.ZkData.scala: each
 * `object XZNode { def path }`), and the persistent paths a broker makes sure exist when it
 * starts (ZkData.PersistentZkPaths, created by KafkaZkClient.createTopLevelPaths).
 */

export const ADMIN_PATH = '/admin';
export const BROKERS_PATH = '/brokers';
export const CLUSTER_PATH = '/cluster';
export const CONFIG_PATH = '/config';
/** The old (ZooKeeper-offset) consumers' root: still created, kept open to any client. */
export const CONSUMERS_PATH = '/consumers';

export const CLUSTER_ID_PATH = `${CLUSTER_PATH}/id`;
export const CONTROLLER_PATH = '/controller';
export const CONTROLLER_EPOCH_PATH = '/controller_epoch';
export const BROKER_IDS_PATH = `${BROKERS_PATH}/ids`;
/** BrokerSequenceIdZNode: its version, bumped by an empty setData, numbers generated broker ids. */
export const BROKER_SEQUENCE_ID_PATH = `${BROKERS_PATH}/seqid`;
export const TOPICS_PATH = `${BROKERS_PATH}/topics`;
export const CONFIG_CHANGES_PATH = `${CONFIG_PATH}/changes`;
export const DELETE_TOPICS_PATH = `${ADMIN_PATH}/delete_topics`;
export const REASSIGN_PARTITIONS_PATH = `${ADMIN_PATH}/reassign_partitions`;
export const PREFERRED_REPLICA_ELECTION_PATH = `${ADMIN_PATH}/preferred_replica_election`;
/**
 * IsrChangeNotificationZNode: still in 3.8's layout and watched by its controller, though
 * brokers of IBP 2.7 and later report ISR changes with AlterPartition instead of writing here.
 */
export const ISR_CHANGE_NOTIFICATION_PATH = '/isr_change_notification';
export const LATEST_PRODUCER_ID_BLOCK_PATH = '/latest_producer_id_block';
export const LOG_DIR_EVENT_NOTIFICATION_PATH = '/log_dir_event_notification';

/** Kafka's ConfigType.ALL: the entity types under /config. */
export const CONFIG_TYPES = ['topics', 'clients', 'users', 'brokers', 'ips'] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

/** ZkData.PersistentZkPaths, in Kafka's order. */
export const PERSISTENT_ZK_PATHS: readonly string[] = [
  CONSUMERS_PATH,
  BROKER_IDS_PATH,
  TOPICS_PATH,
  CONFIG_CHANGES_PATH,
  DELETE_TOPICS_PATH,
  BROKER_SEQUENCE_ID_PATH,
  ISR_CHANGE_NOTIFICATION_PATH,
  LATEST_PRODUCER_ID_BLOCK_PATH,
  LOG_DIR_EVENT_NOTIFICATION_PATH,
  ...CONFIG_TYPES.map(configTypePath),
];

/** TopicZNode.path */
export function topicPath(topic: string): string {
  return `${TOPICS_PATH}/${topic}`;
}

/** TopicPartitionsZNode.path */
export function topicPartitionsPath(topic: string): string {
  return `${topicPath(topic)}/partitions`;
}

/** TopicPartitionStateZNode.path */
export function topicPartitionStatePath(topic: string, partition: number): string {
  return `${topicPartitionsPath(topic)}/${partition}/state`;
}

/** ZooKeeperInternals.DEFAULT_STRING: the entity name of the defaults, /config/brokers/<default>. */
export const DEFAULT_ENTITY_NAME = '<default>';

/** ConfigEntityTypeZNode.path: /config/topics, /config/brokers, ... */
export function configTypePath(type: ConfigType): string {
  return `${CONFIG_PATH}/${type}`;
}

/** ConfigEntityZNode.path: /config/topics/<topic>, /config/brokers/<id> (or <default>). */
export function configEntityPath(type: ConfigType, name: string): string {
  return `${configTypePath(type)}/${name}`;
}

/** DeleteTopicsTopicZNode.path: a topic queued for deletion by the controller. */
export function deleteTopicPath(topic: string): string {
  return `${DELETE_TOPICS_PATH}/${topic}`;
}
