/**
 * `tributary leader-election`: Kafka's kafka-leader-election.sh (LeaderElectionCommand) on a
 * running cluster: ElectLeaders sent to the controller (KafkaAdminClient.electLeaders'
 * ControllerNodeProvider), preferred or unclean, for one partition or all. Its report is the
 * command's: the partitions elected, those whose valid leader needed no election, and each
 * failure, which makes the exit code 1.
 */
import { invalidArgument, kafkaResponseError, TributaryError } from '../errors.js';
import { groupByTopic } from '../group/ConsumerProtocol.js';
import { ElectLeaders } from '../protocol/messages/ElectLeaders.js';
import { adminSubcommand, COMMON_HELP } from './AdminSubcommand.js';
import { checkErrorCode, describeFailure, kafkaErrorName } from './admin/KafkaFailure.js';
import { withController } from './admin/NodeConnections.js';
import { choiceOption, integerOption, readTextFile, UsageError, type Command } from './Command.js';
import { writeOutput } from './Output.js';

const HELP = `Usage: tributary leader-election --election-type preferred|unclean (--topic T --partition P | --all-topic-partitions | --path-to-json-file FILE) --bootstrap HOST:PORT [options]

Elects the leaders of partitions on a running cluster (Kafka's kafka-leader-election.sh), through its controller:
preferred makes each partition's first replica its leader again if it is not (and can be: live, in sync);
unclean elects a live replica, in sync or not, for a partition with no live leader (records may be lost).

Options:
  --election-type TYPE    preferred or unclean
  --topic T               the topic of the one partition to elect (with --partition)
  --partition P           its partition
  --all-topic-partitions  every partition of the cluster
  --path-to-json-file FILE  the partitions a file lists: {"partitions":[{"topic":"t","partition":1}]}
  --timeout-ms N          how long the controller may take (default 30000)
${COMMON_HELP}
`;

const OPTIONS = {
  'election-type': { type: 'string' },
  topic: { type: 'string' },
  partition: { type: 'string' },
  'all-topic-partitions': { type: 'boolean' },
  'path-to-json-file': { type: 'string' },
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

/**
 * LeaderElectionCommand.parseReplicaElectionData: {"partitions":[{"topic":"t","partition":1}]},
 * each partition once.
 */
function parseElectionJson(text: string): { topic: string; partition: number }[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw invalidArgument(`the replica election file is not valid JSON: ${(error as Error).message}`);
  }
  const partitions = (data as { partitions?: unknown } | null)?.partitions;
  if (!Array.isArray(partitions)) throw invalidArgument('Replica election data is missing "partitions" field');
  const parsed = partitions.map((entry: unknown) => {
    const { topic, partition } = (entry ?? {}) as Record<string, unknown>;
    if (typeof topic !== 'string' || !Number.isSafeInteger(partition))
      throw invalidArgument(`a partition needs a "topic" string and a "partition" integer: ${JSON.stringify(entry)}`);
    return { topic, partition: partition as number };
  });
  const names = parsed.map((p) => `${p.topic}-${p.partition}`);
  const twice = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (twice.length > 0)
    throw invalidArgument(`Replica election data contains duplicate partitions: ${twice.join(',')}`);
  return parsed;
}

const run = adminSubcommand(HELP, OPTIONS, ({ values, positionals }) => {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if ((values as { 'data-dir'?: string })['data-dir'] !== undefined)
    throw new UsageError('leaders are elected on a running cluster: give --bootstrap HOST:PORT');
  const electionType = choiceOption('election-type', values['election-type'], ELECTION_TYPES);
  if (electionType === undefined) throw new UsageError('missing required option --election-type');
  // LeaderElectionCommandOptions.validate: one and only one of --topic, --all-topic-partitions and
  // --path-to-json-file; --partition with --topic.
  const all = values['all-topic-partitions'] === true;
  const file = values['path-to-json-file'];
  if ([all, values.topic !== undefined, file !== undefined].filter(Boolean).length !== 1)
    throw new UsageError('one and only one of --topic, --all-topic-partitions and --path-to-json-file is required');
  if ((values.topic !== undefined) !== (values.partition !== undefined))
    throw new UsageError(
      values.topic !== undefined ? 'missing required option --partition' : '--partition is only allowed with --topic',
    );
  const partition = integerOption('partition', values.partition, 0, MAX_PARTITION);
  const timeoutMs = integerOption('timeout-ms', values['timeout-ms'], 1, MAX_PARTITION) ?? DEFAULT_TIMEOUT_MS;
  return async (target, json) => {
    if (target.kind !== 'broker') throw new UsageError('give --bootstrap HOST:PORT');
    const topicPartitions = all
      ? null
      : file !== undefined
        ? groupByTopic(parseElectionJson(readTextFile(file)))
        : [{ topic: values.topic!, partitions: [partition!] }];
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
