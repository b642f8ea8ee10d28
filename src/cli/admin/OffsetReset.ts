/**
 * Kafka's kafka-consumer-groups --reset-offsets: the offsets a group's partitions move
 * to. An offset given directly or by shifting is kept inside the log, as Kafka does.
 */
import { TributaryError } from '../../errors.js';
import type { CommittedOffset } from './GroupAdmin.js';
import type { PartitionRef, TopicAdmin } from './TopicAdmin.js';

export type ResetSpec =
  | { to: 'earliest' }
  | { to: 'latest' }
  | { to: 'datetime'; timestamp: number }
  | { to: 'offset'; offset: number }
  | { to: 'shift'; by: number };

/** A topic and some of its partitions, or all of them (null). */
export interface TopicSelection {
  topic: string;
  partitions: number[] | null;
}

export interface PlannedOffset extends PartitionRef {
  /** null when the group has no offset for the partition. */
  currentOffset: number | null;
  newOffset: number;
}

async function selectedPartitions(topics: TopicAdmin, selections: readonly TopicSelection[]): Promise<PartitionRef[]> {
  const lists = await Promise.all(
    selections.map(async ({ topic, partitions }) => {
      const indexes = partitions ?? [...Array(await topics.partitionCount(topic)).keys()];
      return indexes.map((partition) => ({ topic, partition }));
    }),
  );
  return lists.flat();
}

function shifted(groupId: string, p: PartitionRef, current: number | null, by: number): number {
  if (current === null) {
    throw new TributaryError(
      `cannot shift the offset of ${p.topic}-${p.partition}: group '${groupId}' has no committed offset for it`,
      'ERR_INVALID_ARGUMENT',
    );
  }
  return current + by;
}

async function newOffsets(
  topics: TopicAdmin,
  groupId: string,
  refs: PartitionRef[],
  current: (number | null)[],
  spec: ResetSpec,
): Promise<number[]> {
  if (spec.to === 'earliest' || spec.to === 'latest') return topics.offsets(refs, spec.to);
  if (spec.to === 'datetime') return topics.offsets(refs, { timestamp: spec.timestamp });
  const [starts, ends] = await Promise.all([topics.offsets(refs, 'earliest'), topics.offsets(refs, 'latest')]);
  return refs.map((p, i) => {
    const wanted = spec.to === 'offset' ? spec.offset : shifted(groupId, p, current[i]!, spec.by);
    return Math.min(Math.max(wanted, starts[i]!), ends[i]!);
  });
}

export async function planReset(
  topics: TopicAdmin,
  groupId: string,
  committed: readonly CommittedOffset[],
  selections: readonly TopicSelection[],
  spec: ResetSpec,
): Promise<PlannedOffset[]> {
  const refs = await selectedPartitions(topics, selections);
  const byPartition = new Map(committed.map((c) => [`${c.topic}-${c.partition}`, c.offset]));
  const current = refs.map((p) => byPartition.get(`${p.topic}-${p.partition}`) ?? null);
  const offsets = await newOffsets(topics, groupId, refs, current, spec);
  return refs.map((p, i) => ({ ...p, currentOffset: current[i]!, newOffset: offsets[i]! }));
}
