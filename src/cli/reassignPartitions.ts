/**
 * `tributary reassign-partitions`: Kafka's kafka-reassign-partitions.sh
 * (ReassignPartitionsCommand) on a running cluster, its --execute, --list and --cancel, with its
 * JSON file and its printouts. Every request goes to the controller (KafkaAdminClient's
 * ControllerNodeProvider): AlterPartitionReassignments to start or cancel,
 * ListPartitionReassignments to list; Metadata gives the live brokers and the current replicas.
 */
import type { BrokerConnection } from '../network/BrokerConnection.js';
import { invalidArgument, TributaryError } from '../errors.js';
import { groupByTopic } from '../group/ConsumerProtocol.js';
import { AlterPartitionReassignments } from '../protocol/messages/AlterPartitionReassignments.js';
import { ListPartitionReassignments } from '../protocol/messages/ListPartitionReassignments.js';
import { Metadata } from '../protocol/messages/Metadata.js';
import { adminSubcommand, COMMON_HELP } from './AdminSubcommand.js';
import { checkErrorCode, describeFailure } from './admin/KafkaFailure.js';
import { withController } from './admin/NodeConnections.js';
import { readTextFile, UsageError, type Command } from './Command.js';
import { writeOutput } from './Output.js';
import {
  checkExecuteAssignment,
  formatReassignmentJson,
  parseReassignmentJson,
  type PartitionReplicas,
} from './ReassignmentJson.js';

const HELP = `Usage: tributary reassign-partitions (--execute | --verify | --cancel) --reassignment-json-file FILE --bootstrap HOST:PORT [options]
       tributary reassign-partitions --list --bootstrap HOST:PORT [options]

Moves partitions' replicas on a running cluster (Kafka's kafka-reassign-partitions.sh), through its controller.
The file is Kafka's: {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[2,1]}]}.
A reassignment completes once every target replica is in sync; until replication is built, only one
that adds no replica (a new order, fewer replicas) completes, others stay in progress until cancelled.

Options:
  --execute               start the reassignments the file names (prints the current assignment, for a rollback)
  --additional            with --execute, even while other reassignments are in progress
  --verify                whether the file's reassignments completed
  --list                  the reassignments in progress
  --cancel                cancel those in progress among the partitions the file names
  --reassignment-json-file FILE
${COMMON_HELP}
`;

const OPTIONS = {
  execute: { type: 'boolean' },
  verify: { type: 'boolean' },
  additional: { type: 'boolean' },
  list: { type: 'boolean' },
  cancel: { type: 'boolean' },
  'reassignment-json-file': { type: 'string' },
} as const;

const TIMEOUT_MS = 30_000;

/** ReassignPartitionsCommand.CANNOT_EXECUTE_BECAUSE_OF_EXISTING_MESSAGE */
const EXISTING =
  'Cannot execute because there is an existing partition assignment.  Use --additional to override this and ' +
  'create a new partition assignment in addition to the existing one. The --additional flag can also be used to ' +
  'change the throttle by resubmitting the current reassignment.';

interface Reassignment {
  topic: string;
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

const partitionName = (p: { topic: string; partition: number }): string => `${p.topic}-${p.partition}`;
const byPartition = (a: { topic: string; partition: number }, b: { topic: string; partition: number }): number =>
  a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
const plural = (n: number): string => (n === 1 ? '' : 's');

/** KafkaAdminClient.listPartitionReassignments: those of `partitions` (all, for null) in progress. */
async function listReassignments(
  controller: BrokerConnection,
  partitions: readonly PartitionReplicas[] | null,
): Promise<Reassignment[]> {
  const topics =
    partitions &&
    groupByTopic(partitions).map(({ topic, partitions: indexes }) => ({ name: topic, partitionIndexes: indexes }));
  const response = await controller.request(ListPartitionReassignments, { timeoutMs: TIMEOUT_MS, topics });
  checkErrorCode('list partition reassignments', response.errorCode, response.errorMessage);
  return response.topics
    .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, ...p })))
    .map(({ topic, partition, replicas, addingReplicas, removingReplicas }) => ({
      topic,
      partition,
      replicas,
      addingReplicas,
      removingReplicas,
    }))
    .sort(byPartition);
}

/** KafkaAdminClient.alterPartitionReassignments: each partition's failure, by name ("t-0: message"). */
async function alterReassignments(
  controller: BrokerConnection,
  targets: readonly { topic: string; partition: number; replicas: readonly number[] | null }[],
): Promise<string[]> {
  const topics = [...new Set(targets.map((t) => t.topic))].map((name) => ({
    name,
    partitions: targets
      .filter((t) => t.topic === name)
      .map((t) => ({ partitionIndex: t.partition, replicas: t.replicas === null ? null : [...t.replicas] })),
  }));
  const response = await controller.request(AlterPartitionReassignments, { timeoutMs: TIMEOUT_MS, topics });
  checkErrorCode('alter partition reassignments', response.errorCode, response.errorMessage);
  return response.responses
    .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, ...p })))
    .filter((p) => p.errorCode !== 0)
    .sort(byPartition)
    .map((p) => `${partitionName(p)}: ${describeFailure(p.errorCode, p.errorMessage)}`);
}

/** The live brokers and each named partition's replicas (getReplicaAssignmentForPartitions, verifyBrokerIds). */
async function currentAssignment(
  controller: BrokerConnection,
  proposed: readonly PartitionReplicas[],
): Promise<{ brokers: Set<number>; current: PartitionReplicas[] }> {
  const response = await controller.request(Metadata, {
    topics: [...new Set(proposed.map((p) => p.topic))].map((name) => ({ topicId: Buffer.alloc(16), name })),
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  const replicas = new Map<string, number[]>(
    response.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}-${p.partitionIndex}`, p.replicaNodes])),
  );
  const current = proposed.map((p) => {
    const found = replicas.get(partitionName(p));
    if (found === undefined)
      throw new TributaryError(`Unable to find partition: ${partitionName(p)}`, 'ERR_UNKNOWN_TOPIC_OR_PARTITION');
    return { topic: p.topic, partition: p.partition, replicas: found };
  });
  return { brokers: new Set(response.brokers.map((b) => b.nodeId)), current };
}

/** ReassignPartitionsCommand.executeAssignment, without throttles or log dir moves. */
async function execute(
  controller: BrokerConnection,
  proposed: PartitionReplicas[],
  additional: boolean,
  json: boolean,
): Promise<void> {
  checkExecuteAssignment(proposed);
  if (!additional && (await listReassignments(controller, null)).length > 0) throw invalidArgument(EXISTING);
  const { brokers, current } = await currentAssignment(controller, proposed);
  const unknown = proposed.flatMap((p) => p.replicas).find((id) => !brokers.has(id));
  if (unknown !== undefined) throw invalidArgument(`Unknown broker id ${unknown}`);
  const rollback = formatReassignmentJson(current);
  if (!json)
    process.stdout.write(
      `Current partition replica assignment\n\n${rollback}\n\nSave this to use as the --reassignment-json-file option during rollback\n`,
    );
  const errors = await alterReassignments(controller, proposed);
  if (errors.length > 0) throw invalidArgument(`Error reassigning partition(s):\n${errors.join('\n')}`);
  const started = [...proposed].sort(byPartition).map(partitionName);
  writeOutput(
    json,
    { current: JSON.parse(rollback) as unknown, started },
    () => `Successfully started partition reassignment${plural(started.length)} for ${started.join(',')}\n`,
  );
}

/** A partition of the file as --verify finds it (PartitionReassignmentState). */
interface ReassignmentState {
  partition: string;
  /** completed: the target is the assignment; differs: no reassignment, another assignment. */
  state: 'completed' | 'in progress' | 'differs';
  currentReplicas: number[];
  targetReplicas: number[];
}

/**
 * ReassignPartitionsCommand.verifyAssignment and findPartitionReassignmentStates, without
 * throttles to clear: in progress while listed, else done (the current replicas read from Metadata).
 */
async function verify(controller: BrokerConnection, targets: PartitionReplicas[], json: boolean): Promise<void> {
  const ongoing = new Map((await listReassignments(controller, null)).map((r) => [partitionName(r), r.replicas]));
  const done = targets.filter((t) => !ongoing.has(partitionName(t)));
  const { current } = done.length === 0 ? { current: [] } : await currentAssignment(controller, done);
  const replicasNow = new Map<string, number[]>([
    ...ongoing,
    ...current.map((c): [string, number[]] => [partitionName(c), [...c.replicas]]),
  ]);
  const states = [...targets].sort(byPartition).map((t): ReassignmentState => {
    const currentReplicas = replicasNow.get(partitionName(t))!;
    const targetReplicas = [...t.replicas];
    const state = ongoing.has(partitionName(t))
      ? 'in progress'
      : currentReplicas.join() === targetReplicas.join()
        ? 'completed'
        : 'differs';
    return { partition: partitionName(t), state, currentReplicas, targetReplicas };
  });
  writeOutput(json, { partitions: states }, () => verifyText(states));
}

/** ReassignPartitionsCommand.partitionReassignmentStatesToString */
function verifyText(states: readonly ReassignmentState[]): string {
  const line = (s: ReassignmentState): string =>
    s.state === 'completed'
      ? `Reassignment of partition ${s.partition} is completed.`
      : s.state === 'in progress'
        ? `Reassignment of partition ${s.partition} is still in progress.`
        : `There is no active reassignment of partition ${s.partition}, but replica set is ` +
          `${s.currentReplicas.join(',')} rather than ${s.targetReplicas.join(',')}.`;
  return `Status of partition reassignment:\n${states.map(line).join('\n')}\n`;
}

/** ReassignPartitionsCommand.curReassignmentsToString */
function listText(reassignments: readonly Reassignment[]): string {
  if (reassignments.length === 0) return 'No partition reassignments found.\n';
  const line = (r: Reassignment): string =>
    `${partitionName(r)}: replicas: ${r.replicas.join(',')}.` +
    (r.addingReplicas.length === 0 ? '' : ` adding: ${r.addingReplicas.join(',')}.`) +
    (r.removingReplicas.length === 0 ? '' : ` removing: ${r.removingReplicas.join(',')}.`);
  return `Current partition reassignments:\n${reassignments.map(line).join('\n')}\n`;
}

/** ReassignPartitionsCommand.cancelAssignment, without log dir moves: those of the file in progress, cancelled. */
async function cancel(controller: BrokerConnection, named: PartitionReplicas[], json: boolean): Promise<void> {
  const active = (await listReassignments(controller, named)).filter(
    (r) => r.addingReplicas.length === 0 || r.removingReplicas.length > 0,
  );
  const errors =
    active.length === 0
      ? []
      : await alterReassignments(
          controller,
          active.map((r) => ({ ...r, replicas: null })),
        );
  if (errors.length > 0)
    throw invalidArgument(`Error cancelling partition reassignment${plural(errors.length)} for:\n${errors.join('\n')}`);
  const cancelled = active.map(partitionName);
  writeOutput(json, { cancelled }, () =>
    cancelled.length === 0
      ? 'None of the specified partition reassignments are active.\n'
      : `Successfully cancelled partition reassignment${plural(cancelled.length)} for: ${cancelled.join(',')}\n`,
  );
}

const run = adminSubcommand(HELP, OPTIONS, ({ values, positionals }) => {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if ((values as { 'data-dir'?: string })['data-dir'] !== undefined)
    throw new UsageError('partitions are reassigned on a running cluster: give --bootstrap HOST:PORT');
  const actions = (['execute', 'verify', 'cancel', 'list'] as const).filter((a) => values[a] === true);
  if (actions.length !== 1)
    throw new UsageError('Command must include exactly one action: --execute, --verify, --cancel, --list');
  const [action] = actions;
  const file = values['reassignment-json-file'];
  if (action !== 'list' && file === undefined) throw new UsageError(`--${action} needs --reassignment-json-file FILE`);
  if (action === 'list' && file !== undefined) throw new UsageError('--list takes no --reassignment-json-file');
  if (values.additional === true && action !== 'execute')
    throw new UsageError('--additional is only allowed with --execute');
  return async (target, json) => {
    if (target.kind !== 'broker') throw new UsageError('give --bootstrap HOST:PORT');
    const named = file === undefined ? [] : parseReassignmentJson(readTextFile(file));
    await withController(target.connection, `${action} partition reassignments`, async (controller) => {
      if (action === 'execute') return execute(controller, named, values.additional === true, json);
      if (action === 'cancel') return cancel(controller, named, json);
      if (action === 'verify') return verify(controller, named, json);
      const reassignments = await listReassignments(controller, null);
      writeOutput(json, { reassignments }, () => listText(reassignments));
    });
  };
});

export const reassignPartitionsCommand: Command = {
  name: 'reassign-partitions',
  summary: "move partitions' replicas on a running cluster (execute, list, cancel)",
  run,
};
