/** `tributary transactions`: list and describe transactions on a broker (Kafka's kafka-transactions.sh). */
import { adminSubcommand, COMMON_HELP, names } from './AdminSubcommand.js';
import { TransactionAdmin, type TransactionDescription } from './admin/TransactionAdmin.js';
import { integerOption, UsageError, withSubcommands } from './Command.js';
import { formatTable, writeOutput } from './Output.js';
import type { Target } from './Target.js';

const usage = (synopsis: string, what: string, options = ''): string => `Usage: tributary transactions ${synopsis}

${what}

Options:
${options}${COMMON_HELP}
`;

/** The coordinator runs in a broker: a data directory has none to ask. */
function transactionAdmin(target: Target): TransactionAdmin {
  if (target.kind !== 'broker')
    throw new UsageError('transactions are kept by a broker’s transaction coordinator: use --bootstrap');
  return new TransactionAdmin(target.connection);
}

const list = adminSubcommand(
  usage(
    'list [options]',
    'Lists the transactional ids the coordinator knows, with their producer id and state.',
    `  --state STATE           only those in STATE (Empty, Ongoing, PrepareCommit, ...); repeatable
  --producer-id ID        only those of producer ID; repeatable
`,
  ),
  { state: { type: 'string', multiple: true }, 'producer-id': { type: 'string', multiple: true } },
  ({ values, positionals }) => {
    names(positionals, 'argument', { min: 0, max: 0 });
    const states = values.state ?? [];
    const producerIds = (values['producer-id'] ?? []).map((id) =>
      integerOption('producer-id', id, 0, Number.MAX_SAFE_INTEGER)!,
    );
    return async (target, json) => {
      const listed = await transactionAdmin(target).list(states, producerIds);
      writeOutput(json, listed, () =>
        formatTable(
          ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'],
          listed.map((t) => [t.transactionalId, t.coordinator, t.producerId, t.state]),
        ),
      );
    };
  },
);

function describeText(t: TransactionDescription, now: number): string {
  return formatTable(
    [
      'CoordinatorId',
      'TransactionalId',
      'ProducerId',
      'ProducerEpoch',
      'TransactionState',
      'TransactionTimeoutMs',
      'CurrentTransactionStartTimeMs',
      'TransactionDurationMs',
      'TopicPartitions',
    ],
    [
      [
        t.coordinatorId,
        t.transactionalId,
        t.producerId,
        t.producerEpoch,
        t.state,
        t.transactionTimeoutMs,
        t.transactionStartTimeMs ?? 'None',
        t.transactionStartTimeMs === null ? 'None' : now - t.transactionStartTimeMs,
        t.topicPartitions.map((tp) => `${tp.topic}-${tp.partition}`).join(','),
      ],
    ],
  );
}

const describe = adminSubcommand(
  usage(
    'describe TRANSACTIONAL_ID [options]',
    'Describes a transactional id: its producer, state, timeout, and the partitions of its current transaction.',
  ),
  {},
  ({ positionals }) => {
    const [transactionalId] = names(positionals, 'transactional id', { min: 1, max: 1 });
    return async (target, json) => {
      const described = await transactionAdmin(target).describe(transactionalId!);
      writeOutput(json, described, () => describeText(described, Date.now()));
    };
  },
);

const HELP = `Usage: tributary transactions <subcommand> [options]

Subcommands:
  list                        the transactional ids, with producer id and state
  describe TRANSACTIONAL_ID   producer, state, timeout and partitions of a transactional id

Run 'tributary transactions <subcommand> --help' for its options.
`;

export const transactionsCommand = withSubcommands(
  'transactions',
  'list and describe transactions (on a broker)',
  HELP,
  { list, describe },
);
