/** The shape many Kafka messages share: per-partition entries listed under their topic. */
// A type, not an interface, so that it is assignable to a message Struct.
export type WireTopic<P> = {
  name: string;
  partitions: P[];
};

/** Groups per-partition items under their topic, in first-seen order, as Kafka's messages list them. */
export function byTopic<T extends { topic: string }, P>(
  items: readonly T[],
  partition: (item: T) => P,
): WireTopic<P>[] {
  const topics = new Map<string, P[]>();
  for (const item of items) {
    const list = topics.get(item.topic) ?? [];
    list.push(partition(item));
    topics.set(item.topic, list);
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }));
}
