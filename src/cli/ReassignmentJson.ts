/**
 * The reassignment JSON of Kafka's kafka-reassign-partitions.sh (ReassignPartitionsCommand:
 * parsePartitionReassignmentData, parseExecuteAssignmentArgs, formatAsReassignmentJson):
 * `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}`.
 * The checks are the command's, with its messages; a log directory other than "any" is
 * refused (a broker here has one data directory: AlterReplicaLogDirs is not served).
 */
import { invalidArgument } from '../errors.js';

export interface PartitionReplicas {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
}

/** ReassignPartitionsCommand.ANY_LOG_DIR */
const ANY_LOG_DIR = 'any';

const partitionName = (p: { topic: string; partition: number }): string => `${p.topic}-${p.partition}`;

function isIntegerList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isSafeInteger(v));
}

/** One entry of "partitions": its topic, partition and replicas, and log_dirs of the same length, all "any". */
function partitionEntry(entry: unknown): PartitionReplicas {
  const { topic, partition, replicas, log_dirs: logDirs } = (entry ?? {}) as Record<string, unknown>;
  if (typeof topic !== 'string')
    throw invalidArgument(`a partition's "topic" must be a string: ${JSON.stringify(entry)}`);
  if (!Number.isSafeInteger(partition))
    throw invalidArgument(`a partition's "partition" must be an integer: ${JSON.stringify(entry)}`);
  if (!isIntegerList(replicas))
    throw invalidArgument(`a partition's "replicas" must be a list of integers: ${JSON.stringify(entry)}`);
  const p = { topic, partition: partition as number, replicas };
  if (logDirs === undefined) return p;
  if (!Array.isArray(logDirs) || logDirs.length !== replicas.length)
    throw invalidArgument(
      `Size of replicas list ${JSON.stringify(replicas)} is different from size of log dirs list ` +
        `${JSON.stringify(logDirs)} for partition ${partitionName(p)}`,
    );
  if (logDirs.some((dir) => dir !== ANY_LOG_DIR))
    throw invalidArgument(
      `log_dirs other than "any" are not supported (one data directory per broker): ${partitionName(p)}`,
    );
  return p;
}

/** parsePartitionReassignmentData: version 1 (the default), its partitions in order, duplicates kept for the caller's checks. */
export function parseReassignmentJson(text: string): PartitionReplicas[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw invalidArgument(`the reassignment file is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw invalidArgument('the reassignment file must hold a JSON object');
  const { version = 1, partitions = [] } = data as Record<string, unknown>;
  if (version !== 1) throw invalidArgument(`Not supported version field value ${JSON.stringify(version)}`);
  if (!Array.isArray(partitions)) throw invalidArgument('"partitions" must be a list');
  return partitions.map(partitionEntry);
}

/** parseExecuteAssignmentArgs: not empty, no empty replica list, no partition twice, no replica twice in a list. */
export function checkExecuteAssignment(partitions: readonly PartitionReplicas[]): void {
  if (partitions.length === 0) throw invalidArgument('Partition reassignment list cannot be empty');
  if (partitions.some((p) => p.replicas.length === 0)) throw invalidArgument('Partition replica list cannot be empty');
  const names = partitions.map(partitionName);
  const twice = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (twice.length > 0)
    throw invalidArgument(`Partition reassignment contains duplicate topic partitions: ${twice.join(',')}`);
  const repeated = partitions.flatMap((p) => {
    const dups = [...new Set(p.replicas.filter((r, i) => p.replicas.indexOf(r) !== i))];
    return dups.length === 0 ? [] : [`${partitionName(p)} contains multiple entries for ${dups.join(',')}`];
  });
  if (repeated.length > 0)
    throw invalidArgument(`Partition replica lists may not contain duplicate entries: ${repeated.join('. ')}`);
}

/** formatAsReassignmentJson: version 1, partitions sorted by topic then partition, every log dir "any". */
export function formatReassignmentJson(partitions: readonly PartitionReplicas[]): string {
  const sorted = [...partitions].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
  return JSON.stringify({
    version: 1,
    partitions: sorted.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      replicas: p.replicas,
      log_dirs: p.replicas.map(() => ANY_LOG_DIR),
    })),
  });
}
