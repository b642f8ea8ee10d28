/** `tributary groups`: list, describe (with lag), reset the offsets of and delete consumer groups (Kafka's kafka-consumer-groups). */
import { KafkaErrors } from '../errors.js';
import { flatten, groupByTopic } from '../group/ConsumerProtocol.js';
import { adminSubcommand, COMMON_HELP, deleteEach, names } from './AdminSubcommand.js';
import { groupAdmin, topicAdmin } from './admin/Admins.js';
import type { GroupAdmin, GroupInfo, GroupMember } from './admin/GroupAdmin.js';
import { kafkaFailure } from './admin/KafkaFailure.js';
import { planReset, type PlannedOffset, type ResetSpec, type TopicSelection } from './admin/OffsetReset.js';
import type { TopicAdmin } from './admin/TopicAdmin.js';
import { integerOption, UsageError, withSubcommands } from './Command.js';
import { formatTable, writeOutput } from './Output.js';

const usage = (synopsis: string, what: string, options = ''): string => `Usage: tributary groups ${synopsis}

${what}

Options:
${options}${COMMON_HELP}
`;

/** One partition the group commits to or is assigned, as kafka-consumer-groups --describe shows it. */
interface PartitionLag {
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number;
  lag: number | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

interface GroupDescription extends GroupInfo {
  offsets: PartitionLag[];
}

const key = (topic: string, partition: number): string => `${topic}-${partition}`;

async function describeGroup(groups: GroupAdmin, topics: TopicAdmin, groupId: string): Promise<GroupDescription> {
  const [info, committed] = await Promise.all([groups.describe(groupId), groups.committed(groupId)]);
  if (info.state === 'Dead' && committed.length === 0)
    throw kafkaFailure(`describe group '${groupId}'`, KafkaErrors.GROUP_ID_NOT_FOUND.code);
  const owners = new Map(info.members.flatMap((m) => m.assignment.map((p) => [key(p.topic, p.partition), m] as const)));
  const offsets = new Map(committed.map((c) => [key(c.topic, c.partition), c.offset]));
  const seen = [...committed, ...info.members.flatMap((m) => m.assignment)].map(
    ({ topic, partition }) => [key(topic, partition), { topic, partition }] as const,
  );
  const partitions = flatten(groupByTopic([...new Map(seen).values()]));
  const ends = await topics.offsets(partitions, 'latest');
  const lags = partitions.map(({ topic, partition }, i) => {
    const currentOffset = offsets.get(key(topic, partition)) ?? null;
    const owner = owners.get(key(topic, partition));
    return {
      topic,
      partition,
      currentOffset,
      logEndOffset: ends[i]!,
      lag: currentOffset === null ? null : Math.max(0, ends[i]! - currentOffset),
      consumerId: owner?.memberId ?? null,
      host: owner?.clientHost ?? null,
      clientId: owner?.clientId ?? null,
    };
  });
  return { ...info, offsets: lags };
}

function assignmentText(m: GroupMember): string {
  return groupByTopic(m.assignment)
    .map((t) => `${t.topic}:${t.partitions.join(',')}`)
    .join(' ');
}

function describeText(g: GroupDescription): string {
  const protocol = g.protocol === '' ? g.protocolType : `${g.protocolType}/${g.protocol}`;
  const title = `Group ${g.groupId}: state ${g.state}, protocol ${protocol || '-'}, ${g.members.length} member${g.members.length === 1 ? '' : 's'}\n`;
  const members =
    g.members.length === 0
      ? ''
      : '\n' +
        formatTable(
          ['CONSUMER-ID', 'HOST', 'CLIENT-ID', 'ASSIGNMENT'],
          g.members.map((m) => [m.memberId, m.clientHost, m.clientId, assignmentText(m)]),
        );
  const offsets = formatTable(
    ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
    g.offsets.map((o) => [
      g.groupId,
      o.topic,
      o.partition,
      o.currentOffset,
      o.logEndOffset,
      o.lag,
      o.consumerId,
      o.host,
      o.clientId,
    ]),
  );
  return `${title}${members}\n${offsets}`;
}

const list = adminSubcommand(usage('list [options]', 'Lists the consumer groups.'), {}, ({ positionals }) => {
  names(positionals, 'argument', { min: 0, max: 0 });
  return async (target, json) => {
    const groups = await groupAdmin(target).list();
    writeOutput(json, groups, () =>
      formatTable(
        ['GROUP', 'STATE', 'PROTOCOL-TYPE'],
        groups.map((g) => [g.groupId, g.state, g.protocolType || null]),
      ),
    );
  };
});

const describe = adminSubcommand(
  usage(
    'describe GROUP... [options]',
    "Describes groups: state, members and their assignments, and each partition's committed offset, log end offset and lag.",
  ),
  {},
  ({ positionals }) => {
    const groupIds = names(positionals, 'group id', { min: 1 });
    return async (target, json) => {
      const [groups, topics] = [groupAdmin(target), topicAdmin(target)];
      const described: GroupDescription[] = [];
      for (const groupId of groupIds) described.push(await describeGroup(groups, topics, groupId));
      writeOutput(json, described, () => described.map(describeText).join('\n'));
    };
  },
);

/** `--topic T` or `--topic T:0,2`. */
function topicSelection(text: string): TopicSelection {
  const colon = text.lastIndexOf(':');
  if (colon === -1) return { topic: text, partitions: null };
  const partitions = text
    .slice(colon + 1)
    .split(',')
    .map((p) => integerOption('topic partition', p, 0, 2 ** 31 - 1)!);
  return { topic: text.slice(0, colon), partitions };
}

function resetSpec(values: Record<string, string | boolean | string[] | undefined>): ResetSpec {
  const given = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'shift-by'].filter(
    (name) => values[name] !== undefined,
  );
  if (given.length !== 1)
    throw new UsageError(
      'give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime ISO, --shift-by N',
    );
  const value = values[given[0]!] as string;
  switch (given[0]) {
    case 'to-earliest':
      return { to: 'earliest' };
    case 'to-latest':
      return { to: 'latest' };
    case 'to-offset':
      return { to: 'offset', offset: integerOption('to-offset', value, 0, Number.MAX_SAFE_INTEGER)! };
    case 'shift-by':
      return { to: 'shift', by: integerOption('shift-by', value, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)! };
    default: {
      const timestamp = Date.parse(value);
      if (Number.isNaN(timestamp) || timestamp < 0)
        throw new UsageError(`--to-datetime expects an ISO 8601 time such as 2024-01-31T12:00:00Z, got '${value}'`);
      return { to: 'datetime', timestamp };
    }
  }
}

/** Offsets can only be reset while no consumer holds the group, as in Kafka. */
async function checkInactive(groups: GroupAdmin, groupId: string): Promise<void> {
  const { state, members } = await groups.describe(groupId);
  if (state === 'Empty' || state === 'Dead') return;
  throw kafkaFailure(
    `reset offsets of group '${groupId}'`,
    KafkaErrors.NON_EMPTY_GROUP.code,
    `the group is ${state} with ${members.length} member(s); stop its consumers first`,
  );
}

function planText(groupId: string, plan: PlannedOffset[], executed: boolean): string {
  const table = formatTable(
    ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'],
    plan.map((p) => [groupId, p.topic, p.partition, p.currentOffset, p.newOffset]),
  );
  return executed ? table : `${table}Dry run: nothing committed; add --execute to commit these offsets.\n`;
}

const resetOffsets = adminSubcommand(
  usage(
    'reset-offsets GROUP --topic T[:P,P...]... (--to-earliest|--to-latest|--to-offset N|--to-datetime ISO|--shift-by N) [--execute] [options]',
    'Moves the committed offsets of a group that has no members. Without --execute it only prints the plan.',
    `  --topic T[:P,P...]      a topic (all its partitions, or those listed); repeatable
  --to-earliest           the log start offset
  --to-latest             the log end offset
  --to-offset N           offset N (kept within the log)
  --to-datetime ISO       the first offset at or after that time (e.g. 2024-01-31T12:00:00Z)
  --shift-by N            the committed offset plus N (negative moves back; kept within the log)
  --execute               commit the new offsets
`,
  ),
  {
    topic: { type: 'string', multiple: true },
    'to-earliest': { type: 'boolean' },
    'to-latest': { type: 'boolean' },
    'to-offset': { type: 'string' },
    'to-datetime': { type: 'string' },
    'shift-by': { type: 'string' },
    execute: { type: 'boolean' },
  },
  ({ values, positionals }) => {
    const [groupId] = names(positionals, 'group id', { min: 1, max: 1 });
    if (values.topic === undefined) throw new UsageError('reset-offsets needs --topic T[:P,P...]');
    const selections = values.topic.map(topicSelection);
    const spec = resetSpec(values);
    const execute = values.execute === true;
    return async (target, json) => {
      const groups = groupAdmin(target);
      await checkInactive(groups, groupId!);
      const plan = await planReset(topicAdmin(target), groupId!, await groups.committed(groupId!), selections, spec);
      if (execute)
        await groups.commit(
          groupId!,
          plan.map(({ topic, partition, newOffset }) => ({ topic, partition, offset: newOffset })),
        );
      writeOutput(json, { groupId, executed: execute, offsets: plan }, () => planText(groupId!, plan, execute));
    };
  },
);

const remove = adminSubcommand(
  usage('delete GROUP... [options]', 'Deletes groups that have no members, with their committed offsets.'),
  {},
  ({ positionals }) => {
    const groupIds = names(positionals, 'group id', { min: 1 });
    return async (target, json) => {
      const groups = groupAdmin(target);
      await deleteEach('group', groupIds, (groupId) => groups.delete(groupId), json);
    };
  },
);

const HELP = `Usage: tributary groups <subcommand> [options]

Subcommands:
  list                    list the consumer groups
  describe GROUP...       state, members, and committed offset, log end and lag per partition
  reset-offsets GROUP     move the committed offsets of a group with no members
  delete GROUP...         delete groups with no members

Run 'tributary groups <subcommand> --help' for its options.
`;

export const groupsCommand = withSubcommands(
  'groups',
  'list, describe, reset the offsets of and delete consumer groups',
  HELP,
  {
    list,
    describe,
    'reset-offsets': resetOffsets,
    delete: remove,
  },
);
