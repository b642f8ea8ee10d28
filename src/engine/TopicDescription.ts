/** A topic as the engine describes it (Kafka AdminClient's TopicDescription, with the log's offsets), and as it is asked for. */

export interface TopicConfigEntry {
  name: string;
  value: string;
  /** A topic override, the engine's (broker's) default, or Kafka's default. */
  source: 'topic' | 'broker' | 'default';
}

export interface TopicSpec {
  partitions: number;
  config?: Record<string, string | number>;
}

export interface PartitionDescription {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  size: number;
}

export interface TopicDescription {
  name: string;
  /** Kafka's topic id (base64url Uuid). */
  id: string;
  partitions: PartitionDescription[];
  /** Every known topic config with its effective value. */
  config: Record<string, string>;
}
