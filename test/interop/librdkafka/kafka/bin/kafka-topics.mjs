/**
 * The part of Kafka's kafka-topics.sh that librdkafka's tests use (--create with
 * --partitions, --replication-factor and --config; --delete; --alter --partitions),
 * done over the network by kafkajs's admin client as Kafka's TopicCommand does with its
 * AdminClient. Exits non-zero with the broker's error, which fails the calling test.
 */
import { parseArgs } from 'node:util';
import KafkaJS from 'kafkajs';

const { values } = parseArgs({
  options: {
    'bootstrap-server': { type: 'string' },
    create: { type: 'boolean' },
    delete: { type: 'boolean' },
    alter: { type: 'boolean' },
    topic: { type: 'string' },
    partitions: { type: 'string' },
    'replication-factor': { type: 'string' },
    config: { type: 'string', multiple: true },
  },
});
const topic = values.topic;
if (values['bootstrap-server'] === undefined || topic === undefined) {
  console.error('kafka-topics.sh: --bootstrap-server and --topic are required');
  process.exit(2);
}
const kafka = new KafkaJS.Kafka({
  brokers: values['bootstrap-server'].split(','),
  clientId: 'kafka-topics',
  logLevel: KafkaJS.logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();
try {
  if (values.create) {
    const configEntries = (values.config ?? []).map((entry) => {
      const at = entry.indexOf('=');
      return { name: entry.slice(0, at), value: entry.slice(at + 1) };
    });
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: Number(values.partitions ?? 1),
          replicationFactor: Number(values['replication-factor'] ?? 1),
          configEntries,
        },
      ],
    });
  } else if (values.delete) {
    await admin.deleteTopics({ topics: [topic] });
  } else if (values.alter && values.partitions !== undefined) {
    await admin.createPartitions({ topicPartitions: [{ topic, count: Number(values.partitions) }] });
  } else {
    throw new Error(`unsupported arguments: ${process.argv.slice(2).join(' ')}`);
  }
} catch (error) {
  console.error(`kafka-topics.sh: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await admin.disconnect();
}
