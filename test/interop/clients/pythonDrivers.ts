/**
 * The Python client drivers (confluent_kafka.py, kafka_python.py beside this file) behind
 * the ClientDriver and AdminDriver interfaces: one system-Python process per call, the
 * request as JSON on stdin, the result as JSON on stdout.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdminDriver, ClientDriver } from './ClientDriver.js';
import { runPythonDriver } from './process.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** `pinned` goes into every request (kafka_python.py takes an `apiVersion` there). */
function pythonDriver(name: string, scriptName: string, pinned: object = {}): ClientDriver & AdminDriver {
  const script = join(HERE, scriptName);
  const call = <T>(command: string, request: object): Promise<T> =>
    runPythonDriver<T>(script, command, { ...request, ...pinned }, 60_000);
  return {
    name,
    produce: async (bootstrap, topic, records, codec) => {
      await call('produce', { bootstrap, topic, records, codec });
    },
    consume: (bootstrap, topic, count) => call('consume', { bootstrap, topic, count }),
    listOffsets: (bootstrap, topic, spec) => call('list_offsets', { bootstrap, topic, spec }),
    metadata: (bootstrap, topics) => call('metadata', { bootstrap, topics }),
    createTopics: async (bootstrap, topics) => {
      await call('create_topics', { bootstrap, topics });
    },
    deleteTopics: async (bootstrap, topics) => {
      await call('delete_topics', { bootstrap, topics });
    },
    describeTopicConfigs: (bootstrap, topic) => call('describe_topic_configs', { bootstrap, topic }),
    alterTopicConfigs: async (bootstrap, topic, configs) => {
      await call('alter_topic_configs', { bootstrap, topic, configs });
    },
    createPartitions: async (bootstrap, topic, totalCount) => {
      await call('create_partitions', { bootstrap, topic, totalCount });
    },
    listTopics: (bootstrap) => call('list_topics', { bootstrap }),
  };
}

/** confluent-kafka-python 1.7.0 over librdkafka 2.0.2. */
export const confluentKafka = pythonDriver('confluent-kafka-python', 'confluent_kafka.py');

/** kafka-python 2.0.2 (broker version found by its ApiVersions probe). */
export const kafkaPython = pythonDriver('kafka-python', 'kafka_python.py');

/** kafka-python 2.0.2 told the broker is an old release: [0, 9] speaks magic 0 and Fetch v0, [0, 10, 1] magic 1 and Fetch v3. */
export function kafkaPythonAt(apiVersion: readonly number[]): ClientDriver & AdminDriver {
  return pythonDriver(`kafka-python as ${apiVersion.join('.')}`, 'kafka_python.py', { apiVersion });
}
