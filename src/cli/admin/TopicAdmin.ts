/** Topic administration as the `topics` and `groups` commands need it, on either target. */

/** Where an offset lookup points (Kafka's OffsetSpec): the log start, the log end, or the first record at or after a time. */
export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export interface PartitionRef {
  topic: string;
  partition: number;
}

/** A topic to create, as Kafka's NewTopic: a partition count and a replication factor, or each partition's replicas. */
export interface NewTopic {
  name: string;
  /** The broker's num.partitions when undefined (1 on a data dir). */
  partitions: number | undefined;
  /** The broker's default.replication.factor when undefined. */
  replicationFactor: number | undefined;
  /** Each partition's replicas, in order (kafka-topics' --replica-assignment); empty unless given. */
  assignment: number[][];
  configs: Record<string, string>;
}

/** A partition as kafka-topics --describe shows it (TopicPartitionInfo), with its offsets. */
export interface PartitionInfo {
  partition: number;
  /** null when the partition has no live leader (Metadata's leader -1). */
  leader: number | null;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  /** The reassignment in progress (ListPartitionReassignments), null for none. */
  reassignment: { addingReplicas: number[]; removingReplicas: number[] } | null;
  /** null when no leader answers for the partition. */
  logStartOffset: number | null;
  logEndOffset: number | null;
}

export interface TopicInfo {
  name: string;
  /** Kafka's topic id (base64url Uuid). */
  id: string;
  /** The first partition's replica count (replicationFactor below), as kafka-topics prints it. */
  replicationFactor: number;
  partitions: PartitionInfo[];
  /** The configs whose value is not Kafka's default: topic overrides and broker settings. */
  configs: Record<string, string>;
}

/**
 * TopicCommand.getReplicationFactor: a partition's replicas, less those a reassignment in
 * progress is adding (isReassignmentInProgress: some of its replicas are still adding or removing).
 */
export function partitionReplicationFactor(p: PartitionInfo): number {
  const changing = [...(p.reassignment?.addingReplicas ?? []), ...(p.reassignment?.removingReplicas ?? [])];
  const inProgress = p.replicas.some((r) => changing.includes(r));
  return inProgress ? p.replicas.length - p.reassignment!.addingReplicas.length : p.replicas.length;
}

export interface TopicAdmin {
  /** Resolves false when the topic exists and `ifNotExists` is set. */
  create(topic: NewTopic, ifNotExists: boolean): Promise<boolean>;
  list(): Promise<string[]>;
  /** Every topic when `names` is empty. */
  describe(names: string[]): Promise<TopicInfo[]>;
  delete(name: string): Promise<void>;
  alterConfig(name: string, set: Record<string, string>, remove: string[]): Promise<void>;
  partitionCount(topic: string): Promise<number>;
  /** One offset per partition, in order; for a time past every record, the log end offset (as consumers reset). */
  offsets(partitions: PartitionRef[], spec: OffsetSpec): Promise<number[]>;
}
