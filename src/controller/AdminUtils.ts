/**
 * AdminUtils: where a topic's replicas go, as Kafka's org.apache.kafka.admin.AdminUtils
 * (server-common) and the assignment half of kafka.zk.AdminZkClient (new partitions,
 * manual assignments). Pure: the brokers are given, the random start comes from an
 * injectable source so a test can fix it as Kafka's own tests do.
 */
import { TributaryError } from '../errors.js';

/** Kafka's org.apache.kafka.admin.BrokerMetadata: a broker id and its rack, if any. */
export interface BrokerMetadata {
  readonly id: number;
  readonly rack?: string;
}

/** Partition id to its replicas, the first the preferred leader. */
export type PartitionAssignments = Map<number, number[]>;

/** Kafka's `Random.nextInt(bound)`: an integer in [0, bound). */
export type RandomInt = (bound: number) => number;

export const mathRandomInt: RandomInt = (bound) => Math.floor(Math.random() * bound);

export interface AssignmentOptions {
  /** Where the round robin starts (and the first replica shift); a random one when negative or absent. */
  readonly fixedStartIndex?: number;
  /** The first partition id to assign (CreatePartitions assigns from the existing count). */
  readonly startPartitionId?: number;
  readonly random?: RandomInt;
}

/**
 * AdminUtils.assignReplicasToBrokers: rack-unaware round robin when no broker has a rack,
 * rack-aware when all have one, an error when only some have.
 */
export function assignReplicasToBrokers(
  brokers: readonly BrokerMetadata[],
  nPartitions: number,
  replicationFactor: number,
  options: AssignmentOptions = {},
): PartitionAssignments {
  if (nPartitions <= 0)
    throw new TributaryError('Number of partitions must be larger than 0.', 'ERR_INVALID_PARTITIONS');
  if (replicationFactor <= 0)
    throw new TributaryError('Replication factor must be larger than 0.', 'ERR_INVALID_REPLICATION_FACTOR');
  if (replicationFactor > brokers.length)
    throw new TributaryError(
      `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`,
      'ERR_INVALID_REPLICATION_FACTOR',
    );
  const start = startPoint(brokers.length, options);
  if (brokers.every((b) => b.rack === undefined)) {
    const ids = brokers.map((b) => b.id);
    return roundRobin(ids, nPartitions, start, (first, shift) =>
      followersUnaware(ids, first, shift, replicationFactor),
    );
  }
  if (brokers.some((b) => b.rack === undefined))
    throw new TributaryError(
      'Not all brokers have rack information for replica rack aware assignment.',
      'ERR_ADMIN_OPERATION',
    );
  const racks = new Map(brokers.map((b) => [b.id, b.rack!]));
  const arranged = getRackAlternatedBrokerList(racks);
  const numRacks = new Set(racks.values()).size;
  return roundRobin(arranged, nPartitions, start, (first, shift) =>
    followersRackAware(arranged, racks, numRacks, first, shift, replicationFactor),
  );
}

interface StartPoint {
  readonly startIndex: number;
  readonly replicaShift: number;
  readonly startPartitionId: number;
}

/** Kafka draws the start index, then the shift, each with RAND.nextInt(brokers) unless fixed. */
function startPoint(nBrokers: number, options: AssignmentOptions): StartPoint {
  const fixed = options.fixedStartIndex ?? -1;
  const random = options.random ?? mathRandomInt;
  const startIndex = fixed >= 0 ? fixed : random(nBrokers);
  const replicaShift = fixed >= 0 ? fixed : random(nBrokers);
  return { startIndex, replicaShift, startPartitionId: Math.max(0, options.startPartitionId ?? -1) };
}

/**
 * The loop both of Kafka's assignments share: the first replica of each partition round
 * robin over `brokerList` from the start index; the shift of the followers grows by one
 * each time the partition id wraps the broker count.
 */
function roundRobin(
  brokerList: readonly number[],
  nPartitions: number,
  start: StartPoint,
  followers: (firstReplicaIndex: number, replicaShift: number) => number[],
): PartitionAssignments {
  const assignments: PartitionAssignments = new Map();
  let replicaShift = start.replicaShift;
  for (let partitionId = start.startPartitionId; partitionId < start.startPartitionId + nPartitions; partitionId++) {
    if (partitionId > 0 && partitionId % brokerList.length === 0) replicaShift += 1;
    const firstReplicaIndex = (partitionId + start.startIndex) % brokerList.length;
    const replicas = [brokerList[firstReplicaIndex]!];
    replicas.push(...followers(firstReplicaIndex, replicaShift));
    assignments.set(partitionId, replicas);
  }
  return assignments;
}

function followersUnaware(brokerList: readonly number[], first: number, shift: number, rf: number): number[] {
  const followers: number[] = [];
  for (let j = 0; j < rf - 1; j++) followers.push(brokerList[replicaIndex(first, shift, j, brokerList.length)]!);
  return followers;
}

/**
 * The followers of a rack-aware assignment: walk the rack-alternated list from the leader,
 * skipping a broker whose rack already holds a replica while some rack holds none, or that
 * holds one already while some broker holds none.
 */
function followersRackAware(
  arranged: readonly number[],
  racks: ReadonlyMap<number, string>,
  numRacks: number,
  first: number,
  shift: number,
  rf: number,
): number[] {
  const leader = arranged[first]!;
  const racksWithReplicas = new Set([racks.get(leader)!]);
  const brokersWithReplicas = new Set([leader]);
  const followers: number[] = [];
  let k = 0;
  while (followers.length < rf - 1) {
    const broker = arranged[replicaIndex(first, shift * numRacks, k, arranged.length)]!;
    const rack = racks.get(broker)!;
    const rackOk = !racksWithReplicas.has(rack) || racksWithReplicas.size === numRacks;
    const brokerOk = !brokersWithReplicas.has(broker) || brokersWithReplicas.size === arranged.length;
    if (rackOk && brokerOk) {
      followers.push(broker);
      racksWithReplicas.add(rack);
      brokersWithReplicas.add(broker);
    }
    k += 1;
  }
  return followers;
}

/** AdminUtils.replicaIndex */
function replicaIndex(firstReplicaIndex: number, secondReplicaShift: number, index: number, nBrokers: number): number {
  const shift = 1 + ((secondReplicaShift + index) % (nBrokers - 1));
  return (firstReplicaIndex + shift) % nBrokers;
}

/**
 * AdminUtils.getRackAlternatedBrokerList: one broker of each rack in turn (racks sorted by
 * name, each rack's brokers by id), e.g. 0 rack1, 1 rack3, 2 rack3, 3 rack2, 4 rack2, 5 rack1
 * gives 0, 3, 1, 5, 4, 2.
 */
export function getRackAlternatedBrokerList(brokerRacks: ReadonlyMap<number, string>): number[] {
  const byRack = new Map<string, number[]>();
  for (const [id, rack] of brokerRacks) byRack.set(rack, [...(byRack.get(rack) ?? []), id]);
  const racks = [...byRack.keys()].sort();
  const queues = racks.map((rack) => byRack.get(rack)!.sort((a, b) => a - b));
  const result: number[] = [];
  for (let rackIndex = 0; result.length < brokerRacks.size; rackIndex = (rackIndex + 1) % racks.length) {
    const next = queues[rackIndex]!.shift();
    if (next !== undefined) result.push(next);
  }
  return result;
}

/**
 * AdminZkClient.createNewPartitionsAssignment: the replicas of the partitions CreatePartitions
 * adds. Without a manual assignment they continue the round robin: the start index is that
 * of the first broker (sorted by id) whose id is at least partition 0's first replica, the
 * replication factor partition 0's.
 */
export function createNewPartitionsAssignment(
  topic: string,
  existing: ReadonlyMap<number, readonly number[]>,
  brokers: readonly BrokerMetadata[],
  numPartitions: number,
  manual?: ReadonlyMap<number, readonly number[]>,
): PartitionAssignments {
  const partition0 = existing.get(0);
  if (partition0 === undefined)
    throw new TributaryError(
      `Unexpected existing replica assignment for topic '${topic}', partition id 0 is missing. ` +
        `Assignment: ${formatAssignments(existing)}`,
      'ERR_ADMIN_OPERATION',
    );
  const partitionsToAdd = numPartitions - existing.size;
  if (partitionsToAdd <= 0)
    throw new TributaryError(
      `The number of partitions for a topic can only be increased. Topic ${topic} currently has ${existing.size} ` +
        `partitions, ${numPartitions} would not be an increase.`,
      'ERR_INVALID_PARTITIONS',
    );
  if (manual !== undefined) {
    validateReplicaAssignment(manual, partition0.length, new Set(brokers.map((b) => b.id)));
    return new Map([...manual].map(([p, replicas]) => [p, [...replicas]]));
  }
  const startIndex = Math.max(
    0,
    brokers.findIndex((b) => b.id >= partition0[0]!),
  );
  return assignReplicasToBrokers(brokers, partitionsToAdd, partition0.length, {
    fixedStartIndex: startIndex,
    startPartitionId: existing.size,
  });
}

/** AdminZkClient.validateReplicaAssignment: a manual assignment for new partitions. */
export function validateReplicaAssignment(
  assignment: ReadonlyMap<number, readonly number[]>,
  expectedReplicationFactor: number,
  availableBrokerIds: ReadonlySet<number>,
): void {
  for (const [partitionId, replicas] of assignment) {
    if (replicas.length === 0)
      throw new TributaryError(
        `Cannot have replication factor of 0 for partition id ${partitionId}.`,
        'ERR_INVALID_REPLICA_ASSIGNMENT',
      );
    if (new Set(replicas).size !== replicas.length)
      throw new TributaryError(
        `Duplicate brokers not allowed in replica assignment: ${replicas.join(', ')} for partition id ${partitionId}.`,
        'ERR_INVALID_REPLICA_ASSIGNMENT',
      );
    if (!replicas.every((r) => availableBrokerIds.has(r)))
      throw new TributaryError(
        `Some brokers specified for partition id ${partitionId} are not available. Specified brokers: ` +
          `${replicas.join(', ')}, available brokers: ${[...availableBrokerIds].join(', ')}.`,
        'ERR_BROKER_NOT_AVAILABLE',
      );
  }
  const bad = [...assignment]
    .filter(([, replicas]) => replicas.length !== expectedReplicationFactor)
    .sort(([a], [b]) => a - b);
  if (bad.length > 0)
    throw new TributaryError(
      `Inconsistent replication factor between partitions, partition 0 has ${expectedReplicationFactor} while ` +
        `partitions [${bad.map(([p]) => p).join(', ')}] have replication factors ` +
        `[${bad.map(([, r]) => r.length).join(', ')}], respectively.`,
      'ERR_INVALID_REPLICA_ASSIGNMENT',
    );
}

function formatAssignments(assignments: ReadonlyMap<number, readonly number[]>): string {
  return `Map(${[...assignments].map(([p, r]) => `${p} -> ${r.join(',')}`).join(', ')})`;
}
