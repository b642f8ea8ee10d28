/**
 * `tributary leader-election`: Kafka's kafka-leader-election.sh (LeaderElectionCommand) on a
 * running cluster: ElectLeaders sent to the controller (KafkaAdminClient.electLeaders'
 * ControllerNodeProvider), preferred or unclean, for one partition or all. Its report is the
 * command's: the partitions elected, those whose valid leader needed no election, and each
 * failure, which makes the exit code 1.
 */
import { kafkaResponseError, TributaryError } from '../errors.js';
import { ElectLeaders } from '../protocol/messages/ElectLeaders.js';
import { adminSubcommand, COMMON_HELP } from './AdminSubcommand.js';
import { checkErrorCode, describeFailure, kafkaErrorName } from './admin/KafkaFailure.js';
import { withController } from './admin/NodeConnections.js';
import { choiceOption, integerOption, UsageError, type Command } from './Command.js';
import { writeOutput } from './Output.js';

const HELP = `Usage: tributary leader-election --election-type preferred|unclean (--topic T --partition P | --all-topic-partitions) --bootstrap HOST:PORT [options]

Elects the leaders of partitions on a running cluster (Kafka's kafka-leader-election.sh), through its controller:
preferred makes each partition's first replica its leader again if it is not (and can be: live, in sync);
unclean elects a live replica, in sync or not, for a partition with no live leader (records may be lost).

Options:
  --election-type TYPE    preferred or unclean
  --topic T               the topic of the one partition to elect (with --partition)
  --partition P           its partition
  --all-topic-partitions  every partition of the cluster
  --timeout-ms N          how long the controller may take (default 30000)
${COMMON_HELP}
`;

const OPTIONS = {
  'election-type': { type: 'string' },
  topic: { type: 'string' },
  partition: { type: 'string' },
  'all-topic-partitions': { type: 'boolean' },
  'timeout-ms': { type: 'string' },
} as const;

/** org.apache.kafka.common.ElectionType, by its wire value. */
const ELECTION_TYPES = ['preferred', 'unclean'] as const;
const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_PARTITION = 2 ** 31 - 1;

interface PartitionOutcome {
  partition: string;
  /** Kafka's error, NONE for a partition elected. */
  error: string;
  errorCode: number;
  message: string | null;
}

interface ElectionReport {
  electionType: string;
  succeeded: string[];
  /** ELECTION_NOT_NEEDED: a valid leader is there already. */
  noop: string[];
  failed: PartitionOutcome[];
}

/** LeaderElectionCommand.electLeaders' printout. */
function reportText(r: ElectionReport): string {
  const type = r.electionType.toUpperCase();
  const lines = [
    ...(r.succeeded.length > 0
      ? [`Successfully completed leader election (${type}) for partitions ${r.succeeded.join(', ')}`]
      : []),
    ...(r.noop.length > 0 ? [`Valid replica already elected for partitions ${r.noop.join(', ')}`] : []),
    ...r.failed.map(
      (f) =>
        `Error completing leader election (${type}) for partition: ${f.partition}: ${describeFailure(f.errorCode, f.message)}`,
    ),
  ];
  return lines.map((l) => `${l}\n`).join('');
}

function report(
  electionType: string,
  results: readonly {
    topic: string;
    partitionResult: { partitionId: number; errorCode: number; errorMessage: string | null }[];
  }[],
): ElectionReport {
  const outcomes = results
    .flatMap((t) =>
      t.partitionResult.map((p) => ({
        partition: `${t.topic}-${p.partitionId}`,
        error: kafkaErrorName(p.errorCode),
        errorCode: p.errorCode,
        message: p.errorMessage,
      })),
    )
    .sort((a, b) => a.partition.localeCompare(b.partition));
  const named = (error: string): string[] => outcomes.filter((o) => o.error === error).map((o) => o.partition);
  return {
    electionType,
    succeeded: named('NONE'),
    noop: named('ELECTION_NOT_NEEDED'),
    failed: outcomes.filter((o) => o.error !== 'NONE' && o.error !== 'ELECTION_NOT_NEEDED'),
  };
}

const run = adminSubcommand(HELP, OPTIONS, ({ values, positionals }) => {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if ((values as { 'data-dir'?: string })['data-dir'] !== undefined)
    throw new UsageError('leaders are elected on a running cluster: give --bootstrap HOST:PORT');
  const electionType = choiceOption('election-type', values['election-type'], ELECTION_TYPES);
  if (electionType === undefined) throw new UsageError('missing required option --election-type');
  // LeaderElectionCommandOptions.validate: one and only one of --topic and --all-topic-partitions; --partition with --topic.
  const all = values['all-topic-partitions'] === true;
  if (all === (values.topic !== undefined))
    throw new UsageError('one and only one of --topic and --all-topic-partitions is required');
  if ((values.topic !== undefined) !== (values.partition !== undefined))
    throw new UsageError(
      values.topic !== undefined ? 'missing required option --partition' : '--partition is only allowed with --topic',
    );
  const partition = integerOption('partition', values.partition, 0, MAX_PARTITION);
  const timeoutMs = integerOption('timeout-ms', values['timeout-ms'], 1, MAX_PARTITION) ?? DEFAULT_TIMEOUT_MS;
  const topicPartitions = all ? null : [{ topic: values.topic!, partitions: [partition!] }];
  return async (target, json) => {
    if (target.kind !== 'broker') throw new UsageError('give --bootstrap HOST:PORT');
    const what = `elect leaders (${electionType})`;
    const response = await withController(target.connection, what, (connection) =>
      connection.request(ElectLeaders, {
        electionType: ELECTION_TYPES.indexOf(electionType),
        topicPartitions,
        timeoutMs,
      }),
    );
    // v0 has no top-level error: it reads as NONE.
    checkErrorCode(what, response.errorCode);
    const result = report(electionType, response.replicaElectionResults);
    writeOutput(json, result, () => reportText(result));
    // AdminCommandFailedException: the first failure's Kafka error as the code.
    const [failed] = result.failed;
    if (failed !== undefined)
      throw new TributaryError(
        `${result.failed.length} replica(s) could not be elected`,
        kafkaResponseError(failed.errorCode, what).code,
      );
  };
});

export const leaderElectionCommand: Command = {
  name: 'leader-election',
  summary: 'elect preferred or unclean partition leaders on a running cluster',
  run,
};
