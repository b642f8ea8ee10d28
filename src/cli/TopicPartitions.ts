/** How many partitions a topic has, on either kind of target; an unknown topic is Kafka's UNKNOWN_TOPIC_OR_PARTITION. */
import { KafkaErrors, kafkaResponseError as kafkaError } from '../errors.js';
import { Metadata } from '../protocol/messages/Metadata.js';
import type { Target } from './Target.js';

export async function partitionCount(target: Target, topic: string): Promise<number> {
  if (target.kind === 'broker') {
    const response = await target.connection.request(Metadata, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: false,
    });
    const [metadata] = response.topics;
    if (metadata!.errorCode !== KafkaErrors.NONE.code)
      throw kafkaError(metadata!.errorCode, `looking up topic '${topic}'`);
    return metadata!.partitions.length;
  }
  const { admin } = target.tributary;
  if (!(await admin.listTopics()).includes(topic))
    throw kafkaError(KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, `looking up topic '${topic}'`);
  return (await admin.describeTopic(topic)).partitions.length;
}

/** A partition number past the topic's last partition is Kafka's UNKNOWN_TOPIC_OR_PARTITION, whichever the target. */
export function checkPartition(topic: string, partition: number, count: number, what: string): number {
  if (partition >= count)
    throw kafkaError(
      KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code,
      `${what} ${topic}-${partition} (of ${count} partitions)`,
    );
  return partition;
}

/** The partitions to work on: `only` when given (checked against the topic), else all of them. */
export async function topicPartitions(target: Target, topic: string, only: number | undefined): Promise<number[]> {
  const count = await partitionCount(target, topic);
  return only === undefined ? [...Array(count).keys()] : [checkPartition(topic, only, count, 'reading')];
}
