/** Topic administration as the `topics` and `groups` commands need it, on either target. */

/** Where an offset lookup points (Kafka's OffsetSpec): the log start, the log end, or the first record at or after a time. */
export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface PartitionOffsets {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface TopicInfo {
  name: string;
  /** Kafka's topic id (base64url Uuid). */
  id: string;
  partitions: PartitionOffsets[];
  /** The configs whose value is not Kafka's default: topic overrides and broker settings. */
  configs: Record<string, string>;
}

export interface TopicAdmin {
  /** Resolves false when the topic exists and `ifNotExists` is set. */
  create(
    name: string,
    partitions: number | undefined,
    configs: Record<string, string>,
    ifNotExists: boolean,
  ): Promise<boolean>;
  list(): Promise<string[]>;
  /** Every topic when `names` is empty. */
  describe(names: string[]): Promise<TopicInfo[]>;
  delete(name: string): Promise<void>;
  alterConfig(name: string, set: Record<string, string>, remove: string[]): Promise<void>;
  partitionCount(topic: string): Promise<number>;
  /** One offset per partition, in order; for a time past every record, the log end offset (as consumers reset). */
  offsets(partitions: PartitionRef[], spec: OffsetSpec): Promise<number[]>;
}
