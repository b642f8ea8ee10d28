/**
 * ControllerContext: what the controller knows of the cluster, as Kafka's
 * kafka.controller.ControllerContext: the live brokers and their epochs, the topics, their
 * ids and replica assignments, each partition's leadership, the states of the partition
 * and replica state machines, topics queued for deletion, replicas on offline log dirs, and
 * the controller's own epoch and the version of its /controller_epoch znode.
 * Kafka's metric counters (offline partitions, preferred replica imbalance) are left out:
 * the auto rebalance computes the imbalance from the context when it runs.
 */
import { TributaryError } from '../errors.js';
import type { Broker, BrokerAndEpoch } from './Broker.js';
import { EPOCH_DURING_DELETE, NO_EPOCH, type LeaderIsrAndControllerEpoch } from './LeaderIsrAndControllerEpoch.js';
import { validPreviousPartitionStates, type PartitionState } from './PartitionState.js';
import { ReplicaAssignment } from './ReplicaAssignment.js';
import { validPreviousReplicaStates, type ReplicaState } from './ReplicaState.js';
import { partitionMap, replicaMap, type PartitionAndReplica, type TopicPartition } from './TopicPartition.js';

/** KafkaController.InitialControllerEpoch and InitialControllerEpochZkVersion. */
export const INITIAL_CONTROLLER_EPOCH = 0;
export const INITIAL_CONTROLLER_EPOCH_ZK_VERSION = 0;

/** Uuid.ZERO_UUID: a topic without an id. */
export const ZERO_UUID: Buffer = Buffer.alloc(16);

export class ControllerContext {
  readonly shuttingDownBrokerIds = new Set<number>();
  private readonly liveBrokers = new Map<number, BrokerAndEpoch>();
  epoch = INITIAL_CONTROLLER_EPOCH;
  epochZkVersion = INITIAL_CONTROLLER_EPOCH_ZK_VERSION;

  readonly allTopics = new Set<string>();
  readonly topicIds = new Map<string, Buffer>();
  readonly partitionAssignments = new Map<string, Map<number, ReplicaAssignment>>();
  private readonly leadership = partitionMap<LeaderIsrAndControllerEpoch>();
  readonly partitionsBeingReassigned = partitionMap<true>();
  readonly partitionStates = partitionMap<PartitionState>();
  readonly replicaStates = replicaMap<ReplicaState>();
  readonly replicasOnOfflineDirs = new Map<number, ReturnType<typeof partitionMap<true>>>();

  readonly topicsToBeDeleted = new Set<string>();
  /** Topics whose partitions may be moved to NonExistentPartition: no reassignment will touch them again. */
  readonly topicsWithDeletionStarted = new Set<string>();
  readonly topicsIneligibleForDeletion = new Set<string>();

  // Topics.

  /** ControllerContext.addTopicId: an id never changes for a topic, nor names another. */
  addTopicId(topic: string, id: Buffer): void {
    if (!this.allTopics.has(topic))
      throw new TributaryError(`topic ${topic} is not contained in all topics.`, 'ERR_CONTROLLER_ILLEGAL_STATE');
    const existing = this.topicIds.get(topic);
    if (existing !== undefined && !existing.equals(id))
      throw new TributaryError(
        `topic ID map already contained ID for topic ${topic} and new ID did not match existing ID`,
        'ERR_CONTROLLER_ILLEGAL_STATE',
      );
    this.topicIds.set(topic, id);
  }

  topicName(id: Buffer): string | undefined {
    for (const [topic, topicId] of this.topicIds) if (topicId.equals(id)) return topic;
    return undefined;
  }

  setAllTopics(topics: Iterable<string>): void {
    this.allTopics.clear();
    for (const topic of topics) this.allTopics.add(topic);
  }

  /** ControllerContext.removeTopic: everything of a deleted topic. */
  removeTopic(topic: string): void {
    this.topicsToBeDeleted.delete(topic);
    this.topicsWithDeletionStarted.delete(topic);
    this.allTopics.delete(topic);
    this.topicIds.delete(topic);
    for (const partition of this.partitionAssignments.get(topic)?.keys() ?? [])
      this.leadership.delete({ topic, partition });
    this.partitionAssignments.delete(topic);
  }

  // Replica assignments.

  partitionReplicaAssignment(tp: TopicPartition): readonly number[] {
    return this.partitionFullReplicaAssignment(tp).replicas;
  }

  partitionFullReplicaAssignment(tp: TopicPartition): ReplicaAssignment {
    return this.partitionAssignments.get(tp.topic)?.get(tp.partition) ?? ReplicaAssignment.empty;
  }

  updatePartitionFullReplicaAssignment(tp: TopicPartition, assignment: ReplicaAssignment): void {
    let assignments = this.partitionAssignments.get(tp.topic);
    if (assignments === undefined) this.partitionAssignments.set(tp.topic, (assignments = new Map()));
    assignments.set(tp.partition, assignment);
  }

  partitionsForTopic(topic: string): TopicPartition[] {
    return [...(this.partitionAssignments.get(topic)?.keys() ?? [])].map((partition) => ({ topic, partition }));
  }

  allPartitions(): TopicPartition[] {
    return [...this.partitionAssignments.keys()].flatMap((topic) => this.partitionsForTopic(topic));
  }

  partitionsOnBroker(brokerId: number): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.partitionReplicaAssignment(tp).includes(brokerId));
  }

  replicasOnBrokers(brokerIds: ReadonlySet<number>): PartitionAndReplica[] {
    return [...brokerIds].flatMap((replica) =>
      this.partitionsOnBroker(replica).map((topicPartition) => ({ topicPartition, replica })),
    );
  }

  replicasForTopic(topic: string): PartitionAndReplica[] {
    return this.replicasForPartition(this.partitionsForTopic(topic));
  }

  replicasForPartition(partitions: Iterable<TopicPartition>): PartitionAndReplica[] {
    return [...partitions].flatMap((topicPartition) =>
      this.partitionReplicaAssignment(topicPartition).map((replica) => ({ topicPartition, replica })),
    );
  }

  /** ControllerContext.onlineAndOfflineReplicas */
  onlineAndOfflineReplicas(): { online: PartitionAndReplica[]; offline: PartitionAndReplica[] } {
    const all = this.replicasForPartition(this.allPartitions());
    return {
      online: all.filter((r) => this.isReplicaOnline(r.replica, r.topicPartition)),
      offline: all.filter((r) => !this.isReplicaOnline(r.replica, r.topicPartition)),
    };
  }

  // Brokers.

  setLiveBrokers(brokers: Iterable<BrokerAndEpoch>): void {
    this.liveBrokers.clear();
    this.addLiveBrokers(brokers);
  }

  addLiveBrokers(brokers: Iterable<BrokerAndEpoch>): void {
    for (const entry of brokers) this.liveBrokers.set(entry.broker.id, entry);
  }

  removeLiveBrokers(brokerIds: Iterable<number>): void {
    for (const id of brokerIds) this.liveBrokers.delete(id);
  }

  /** A live broker's new endpoints or rack; its epoch is kept (ControllerContext.updateBrokerMetadata). */
  updateBrokerMetadata(broker: Broker): void {
    const current = this.liveBrokers.get(broker.id);
    if (current !== undefined) this.liveBrokers.set(broker.id, { broker, epoch: current.epoch });
  }

  /** The live brokers not shutting down. */
  liveBrokerIds(): Set<number> {
    return new Set([...this.liveBrokers.keys()].filter((id) => !this.shuttingDownBrokerIds.has(id)));
  }

  liveOrShuttingDownBrokerIds(): Set<number> {
    return new Set(this.liveBrokers.keys());
  }

  liveOrShuttingDownBrokers(): Broker[] {
    return [...this.liveBrokers.values()].map((entry) => entry.broker);
  }

  liveOrShuttingDownBroker(brokerId: number): Broker | undefined {
    return this.liveBrokers.get(brokerId)?.broker;
  }

  /** The epoch a live broker registered with, which requests to it carry. */
  liveBrokerEpoch(brokerId: number): number | undefined {
    return this.liveBrokers.get(brokerId)?.epoch;
  }

  /** ControllerContext.isReplicaOnline: a live broker (shutting down ones counted only when asked) whose log dir holds the partition. */
  isReplicaOnline(brokerId: number, tp: TopicPartition, includeShuttingDownBrokers = false): boolean {
    const brokerOnline = includeShuttingDownBrokers
      ? this.liveBrokers.has(brokerId)
      : this.liveBrokers.has(brokerId) && !this.shuttingDownBrokerIds.has(brokerId);
    return brokerOnline && !(this.replicasOnOfflineDirs.get(brokerId)?.has(tp) ?? false);
  }

  // Leadership.

  partitionLeadershipInfo(tp: TopicPartition): LeaderIsrAndControllerEpoch | undefined {
    return this.leadership.get(tp);
  }

  putPartitionLeadershipInfo(tp: TopicPartition, info: LeaderIsrAndControllerEpoch): void {
    this.leadership.set(tp, info);
  }

  partitionsLeadershipInfo(): Iterable<[TopicPartition, LeaderIsrAndControllerEpoch]> {
    return this.leadership.entries();
  }

  clearPartitionLeadershipInfo(): void {
    this.leadership.clear();
  }

  /** ControllerContext.leaderEpoch: the sentinel -2 overrides any epoch once the topic is queued for deletion. */
  leaderEpoch(tp: TopicPartition): number {
    if (this.isTopicQueuedUpForDeletion(tp.topic)) return EPOCH_DURING_DELETE;
    return this.leadership.get(tp)?.leaderAndIsr.leaderEpoch ?? NO_EPOCH;
  }

  partitionsWithOfflineLeader(): TopicPartition[] {
    return [...this.leadership]
      .filter(([tp, info]) => !this.isReplicaOnline(info.leaderAndIsr.leader, tp))
      .filter(([tp]) => !this.isTopicQueuedUpForDeletion(tp.topic))
      .map(([tp]) => tp);
  }

  /** ControllerContext.partitionLeadersOnBroker: partitions it leads that have another replica to move to. */
  partitionLeadersOnBroker(brokerId: number): TopicPartition[] {
    return [...this.leadership]
      .filter(([tp, info]) => !this.isTopicQueuedUpForDeletion(tp.topic) && info.leaderAndIsr.leader === brokerId)
      .filter(([tp]) => this.partitionReplicaAssignment(tp).length > 1)
      .map(([tp]) => tp);
  }

  // Deletion.

  queueTopicDeletion(topics: Iterable<string>): void {
    for (const topic of topics) this.topicsToBeDeleted.add(topic);
  }

  beginTopicDeletion(topics: Iterable<string>): void {
    for (const topic of topics) this.topicsWithDeletionStarted.add(topic);
  }

  isTopicDeletionInProgress(topic: string): boolean {
    return this.topicsWithDeletionStarted.has(topic);
  }

  isTopicQueuedUpForDeletion(topic: string): boolean {
    return this.topicsToBeDeleted.has(topic);
  }

  isTopicEligibleForDeletion(topic: string): boolean {
    return this.topicsToBeDeleted.has(topic) && !this.topicsIneligibleForDeletion.has(topic);
  }

  // State machine states.

  partitionState(tp: TopicPartition): PartitionState {
    return this.partitionStates.get(tp) ?? 'NonExistentPartition';
  }

  putPartitionState(tp: TopicPartition, state: PartitionState): void {
    this.partitionStates.set(tp, state);
  }

  putPartitionStateIfNotExists(tp: TopicPartition, state: PartitionState): void {
    if (!this.partitionStates.has(tp)) this.partitionStates.set(tp, state);
  }

  partitionsInStates(states: readonly PartitionState[], topic?: string): TopicPartition[] {
    return [...this.partitionStates]
      .filter(([tp, state]) => states.includes(state) && (topic === undefined || tp.topic === topic))
      .map(([tp]) => tp);
  }

  isValidPartitionStateTransition(tp: TopicPartition, target: PartitionState): boolean {
    return validPreviousPartitionStates[target].includes(this.partitionState(tp));
  }

  replicaState(replica: PartitionAndReplica): ReplicaState {
    return this.replicaStates.get(replica) ?? 'NonExistentReplica';
  }

  putReplicaState(replica: PartitionAndReplica, state: ReplicaState): void {
    this.replicaStates.set(replica, state);
  }

  putReplicaStateIfNotExists(replica: PartitionAndReplica, state: ReplicaState): void {
    if (!this.replicaStates.has(replica)) this.replicaStates.set(replica, state);
  }

  removeReplicaState(replica: PartitionAndReplica): void {
    this.replicaStates.delete(replica);
  }

  isValidReplicaStateTransition(replica: PartitionAndReplica, target: ReplicaState): boolean {
    return validPreviousReplicaStates[target].includes(this.replicaState(replica));
  }

  replicasInState(topic: string, state: ReplicaState): PartitionAndReplica[] {
    return this.replicasForTopic(topic).filter((r) => this.replicaState(r) === state);
  }

  areAllReplicasInState(topic: string, state: ReplicaState): boolean {
    return this.replicasForTopic(topic).every((r) => this.replicaState(r) === state);
  }

  isAnyReplicaInState(topic: string, state: ReplicaState): boolean {
    return this.replicasForTopic(topic).some((r) => this.replicaState(r) === state);
  }

  /** ControllerContext.resetContext: what a controller that resigns forgets. */
  resetContext(): void {
    this.topicsToBeDeleted.clear();
    this.topicsWithDeletionStarted.clear();
    this.topicsIneligibleForDeletion.clear();
    this.shuttingDownBrokerIds.clear();
    this.epoch = 0;
    this.epochZkVersion = 0;
    this.allTopics.clear();
    this.topicIds.clear();
    this.partitionAssignments.clear();
    this.leadership.clear();
    this.partitionsBeingReassigned.clear();
    this.replicasOnOfflineDirs.clear();
    this.partitionStates.clear();
    this.replicaStates.clear();
    this.liveBrokers.clear();
  }
}
