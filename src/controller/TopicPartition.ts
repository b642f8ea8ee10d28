/**
 * TopicPartition and PartitionAndReplica (Kafka's org.apache.kafka.common.TopicPartition,
 * kafka.controller.PartitionAndReplica), and a map keyed by either: JavaScript's Map compares
 * objects by identity, Kafka's maps by value.
 */

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionAndReplica {
  readonly topicPartition: TopicPartition;
  readonly replica: number;
}

/** `topic-partition`, as Kafka prints a TopicPartition. */
export function formatPartition(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

// ':' is no legal topic character (Topic.validate: [a-zA-Z0-9._-]), so the keys cannot collide.
const partitionKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;
const replicaKey = (r: PartitionAndReplica): string => `${partitionKey(r.topicPartition)}:${r.replica}`;

/** A Map whose keys are compared by value: each key is kept beside its value. */
export class ValueKeyedMap<K, V> {
  private readonly entriesByKey = new Map<string, [K, V]>();

  constructor(private readonly keyOf: (key: K) => string) {}

  get size(): number {
    return this.entriesByKey.size;
  }

  get(key: K): V | undefined {
    return this.entriesByKey.get(this.keyOf(key))?.[1];
  }

  has(key: K): boolean {
    return this.entriesByKey.has(this.keyOf(key));
  }

  set(key: K, value: V): this {
    this.entriesByKey.set(this.keyOf(key), [key, value]);
    return this;
  }

  delete(key: K): boolean {
    return this.entriesByKey.delete(this.keyOf(key));
  }

  clear(): void {
    this.entriesByKey.clear();
  }

  *entries(): IterableIterator<[K, V]> {
    for (const entry of this.entriesByKey.values()) yield entry;
  }

  *keys(): IterableIterator<K> {
    for (const [key] of this.entriesByKey.values()) yield key;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}

export const partitionMap = <V>(): ValueKeyedMap<TopicPartition, V> => new ValueKeyedMap(partitionKey);
export const replicaMap = <V>(): ValueKeyedMap<PartitionAndReplica, V> => new ValueKeyedMap(replicaKey);
