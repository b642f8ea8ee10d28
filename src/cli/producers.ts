/** `tributary producers describe TOPIC:PARTITION`: the producers a partition remembers (Kafka's kafka-transactions describe-producers). */
import type { ProducerState } from '../engine/Partition.js';
import { DescribeProducers } from '../protocol/messages/DescribeProducers.js';
import { adminSubcommand, COMMON_HELP, names } from './AdminSubcommand.js';
import { checkErrorCode, inProcess } from './admin/KafkaFailure.js';
import { integerOption, UsageError, withSubcommands } from './Command.js';
import { formatTable, writeOutput } from './Output.js';
import type { Target } from './Target.js';

function topicPartition(text: string): { topic: string; partition: number } {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new UsageError(`expected TOPIC:PARTITION, got '${text}'`);
  return { topic: text.slice(0, colon), partition: integerOption('partition', text.slice(colon + 1), 0, 2 ** 31 - 1)! };
}

async function activeProducers(target: Target, topic: string, partition: number): Promise<ProducerState[]> {
  const what = `describe producers of ${topic}-${partition}`;
  if (target.kind === 'data-dir')
    return inProcess(what, () => target.tributary.admin.describeProducers(topic, partition));
  const response = await target.connection.request(DescribeProducers, {
    topics: [{ name: topic, partitionIndexes: [partition] }],
  });
  const result = response.topics[0]?.partitions[0];
  if (result === undefined) throw new UsageError(`${what}: the broker answered for no partition`);
  checkErrorCode(what, result.errorCode, result.errorMessage);
  return result.activeProducers;
}

function describeText(producers: ProducerState[]): string {
  return formatTable(
    [
      'PRODUCER-ID',
      'PRODUCER-EPOCH',
      'LAST-SEQUENCE',
      'LAST-TIMESTAMP',
      'COORDINATOR-EPOCH',
      'CURRENT-TXN-START-OFFSET',
    ],
    producers.map((p) => [
      p.producerId,
      p.producerEpoch,
      p.lastSequence,
      p.lastTimestamp < 0 ? null : new Date(p.lastTimestamp).toISOString(),
      p.coordinatorEpoch,
      p.currentTxnStartOffset < 0 ? null : p.currentTxnStartOffset,
    ]),
  );
}

const describe = adminSubcommand(
  `Usage: tributary producers describe TOPIC:PARTITION [options]

Lists the idempotent and transactional producers the partition remembers: epoch, last
sequence and timestamp, the epoch of the coordinator that last ended its transaction,
and where its ongoing transaction starts.

Options:
${COMMON_HELP}
`,
  {},
  ({ positionals }) => {
    const [text] = names(positionals, 'TOPIC:PARTITION', { min: 1, max: 1 });
    const { topic, partition } = topicPartition(text!);
    return async (target, json) => {
      const producers = await activeProducers(target, topic, partition);
      writeOutput(json, { topic, partition, producers }, () => describeText(producers));
    };
  },
);

const HELP = `Usage: tributary producers <subcommand> [options]

Subcommands:
  describe TOPIC:PARTITION   the producers a partition remembers

Run 'tributary producers <subcommand> --help' for its options.
`;

export const producersCommand = withSubcommands(
  'producers',
  'describe the idempotent and transactional producers of a partition',
  HELP,
  { describe },
);
