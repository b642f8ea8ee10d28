/**
 * Partition reassignment: KafkaController's onPartitionReassignment and the steps around it
 * (AlterPartitionReassignments, maybeTriggerPartitionReassignment). While the target
 * replicas are not all in the ISR (phase A) the partition's replicas are the origin plus the
 * target, the leader epoch is bumped so every replica learns them, and the adding replicas
 * start (NewReplica). Once they are (phase B) the adding replicas go Online, the leader moves
 * into the target if needed, the removing replicas are stopped, taken out of the ISR and
 * deleted, and the assignment becomes the target. The caller runs it again when the ISR
 * changes (AlterPartition) until it completes.
 */
import { TributaryError, type KafkaErrorName } from '../errors.js';
import type { ControllerBrokerRequestBatch } from './ControllerBrokerRequestBatch.js';
import type { ControllerContext } from './ControllerContext.js';
import type { ControllerZkClient } from './ControllerZkClient.js';
import { isStateChangeFailure } from './ControllerStateMachine.js';
import { newLeader, type LeaderIsrAndControllerEpoch } from './LeaderIsrAndControllerEpoch.js';
import type { PartitionStateMachine } from './PartitionStateMachine.js';
import { zkFailure } from './PartitionStateMachine.js';
import { ReplicaAssignment } from './ReplicaAssignment.js';
import type { ReplicaStateMachine } from './ReplicaStateMachine.js';
import type { StateChangeLogger } from './StateChangeLogger.js';
import type { TopicDeletionManager } from './TopicDeletionManager.js';
import { formatPartition, partitionMap, type TopicPartition, type ValueKeyedMap } from './TopicPartition.js';

/** A partition's answer to AlterPartitionReassignments or ElectLeaders: Kafka's ApiError, an error and its message. */
export interface ApiError {
  readonly error: KafkaErrorName;
  readonly message: string | null;
}

const NONE: ApiError = { error: 'NONE', message: null };

export class PartitionReassignment {
  constructor(
    private readonly context: ControllerContext,
    private readonly zk: ControllerZkClient,
    private readonly partitionStateMachine: PartitionStateMachine,
    private readonly replicaStateMachine: ReplicaStateMachine,
    private readonly topicDeletionManager: TopicDeletionManager,
    private readonly batch: ControllerBrokerRequestBatch,
    private readonly logger: StateChangeLogger,
  ) {}

  /**
   * KafkaController.processApiPartitionReassignment: AlterPartitionReassignments. A target
   * replaces any reassignment in progress; null cancels one (back to the origin replicas).
   */
  async processApiPartitionReassignment(
    reassignments: ValueKeyedMap<TopicPartition, readonly number[] | null>,
  ): Promise<ValueKeyedMap<TopicPartition, ApiError>> {
    const results = partitionMap<ApiError>();
    const toReassign = partitionMap<ReplicaAssignment>();
    for (const [tp, target] of reassignments) {
      const invalid = target === null ? undefined : this.validateReplicas(tp, target);
      const current = this.context.partitionFullReplicaAssignment(tp);
      if (invalid !== undefined) results.set(tp, invalid);
      else if (target !== null) toReassign.set(tp, current.reassignTo(target));
      else if (current.isBeingReassigned) toReassign.set(tp, current.reassignTo(current.originReplicas));
      else results.set(tp, { error: 'NO_REASSIGNMENT_IN_PROGRESS', message: null });
    }
    for (const [tp, result] of await this.maybeTriggerPartitionReassignment(toReassign)) results.set(tp, result);
    return results;
  }

  /**
   * KafkaController.processListPartitionReassignments: of the partitions named (all, for
   * null), those being reassigned, with their full assignment.
   */
  listPartitionReassignments(
    partitions: readonly TopicPartition[] | null,
  ): ValueKeyedMap<TopicPartition, ReplicaAssignment> {
    const results = partitionMap<ReplicaAssignment>();
    for (const tp of partitions ?? this.context.partitionsBeingReassigned.keys()) {
      const assignment = this.context.partitionFullReplicaAssignment(tp);
      if (assignment.isBeingReassigned) results.set(tp, assignment);
    }
    return results;
  }

  /** KafkaController.validateReplicas: a target list, its brokers distinct and the added ones alive. */
  private validateReplicas(tp: TopicPartition, replicas: readonly number[]): ApiError | undefined {
    const invalid = (message: string): ApiError => ({ error: 'INVALID_REPLICA_ASSIGNMENT', message });
    if (replicas.length === 0) return invalid('Empty replica list specified in partition reassignment.');
    if (new Set(replicas).size !== replicas.length)
      return invalid(`Duplicate replica ids in partition reassignment replica list: List(${replicas.join(', ')})`);
    if (replicas.some((r) => r < 0)) return invalid(`Invalid broker id in replica list: List(${replicas.join(', ')})`);
    const adding = this.context.partitionFullReplicaAssignment(tp).reassignTo(replicas).addingReplicas;
    const live = this.context.liveBrokerIds();
    if (adding.every((r) => live.has(r))) return undefined;
    return invalid(
      `Replica assignment has brokers that are not alive. Replica list: List(${adding.join(', ')}), ` +
        `live broker list: Set(${[...live].join(', ')})`,
    );
  }

  /**
   * KafkaController.maybeTriggerPartitionReassignment: start each reassignment whose partition
   * exists and whose topic is not being deleted. A lost controller epoch is thrown on.
   */
  async maybeTriggerPartitionReassignment(
    reassignments: ValueKeyedMap<TopicPartition, ReplicaAssignment>,
  ): Promise<ValueKeyedMap<TopicPartition, ApiError>> {
    const results = partitionMap<ApiError>();
    const unknown = { error: 'UNKNOWN_TOPIC_OR_PARTITION', message: 'The partition does not exist.' } as const;
    for (const [tp, reassignment] of reassignments) {
      if (this.topicDeletionManager.isTopicQueuedUpForDeletion(tp.topic)) results.set(tp, unknown);
      else if (this.context.partitionReplicaAssignment(tp).length === 0) results.set(tp, unknown);
      else results.set(tp, await this.tryReassignment(tp, reassignment));
    }
    return results;
  }

  private async tryReassignment(tp: TopicPartition, reassignment: ReplicaAssignment): Promise<ApiError> {
    try {
      await this.onPartitionReassignment(tp, reassignment);
      return NONE;
    } catch (e) {
      if (!isStateChangeFailure(e)) throw e;
      this.logger.error(`Error completing reassignment of partition ${formatPartition(tp)}`, { error: e.message });
      return { error: 'UNKNOWN_SERVER_ERROR', message: null };
    }
  }

  /** Reassignments to pick up again, e.g. when a broker of their target returns (KafkaController.maybeResumeReassignments). */
  async maybeResumeReassignments(
    shouldResume: (tp: TopicPartition, assignment: ReplicaAssignment) => boolean,
  ): Promise<void> {
    for (const tp of [...this.context.partitionsBeingReassigned.keys()]) {
      const assignment = this.context.partitionFullReplicaAssignment(tp);
      if (shouldResume(tp, assignment)) await this.onPartitionReassignment(tp, assignment);
    }
  }

  /** KafkaController.maybeCompleteReassignment: after an ISR change (AlterPartition), phase B once every target replica is in the ISR. */
  async maybeCompleteReassignment(tp: TopicPartition): Promise<void> {
    const reassignment = this.context.partitionFullReplicaAssignment(tp);
    if (!(await this.isReassignmentComplete(tp, reassignment))) return;
    this.logger.info(
      `Target replicas ${reassignment.targetReplicas.join(',')} have all caught up with the leader for reassigning partition ${formatPartition(tp)}`,
    );
    await this.onPartitionReassignment(tp, reassignment);
  }

  /** KafkaController.onPartitionReassignment: phase A or B as the ISR stands (steps A1-A2, B1-B8 of Kafka's comment). */
  async onPartitionReassignment(tp: TopicPartition, reassignment: ReplicaAssignment): Promise<void> {
    this.topicDeletionManager.markTopicIneligibleForDeletion(new Set([tp.topic]), 'topic reassignment in progress');
    await this.updateCurrentReassignment(tp, reassignment);
    const adding = reassignment.addingReplicas.map((replica) => ({ topicPartition: tp, replica }));
    if (!(await this.isReassignmentComplete(tp, reassignment))) {
      await this.updateLeaderEpochAndSendRequest(tp, reassignment);
      for (const replica of adding) await this.replicaStateMachine.handleStateChanges([replica], 'NewReplica');
      return;
    }
    await this.replicaStateMachine.handleStateChanges(adding, 'OnlineReplica');
    const completed = new ReplicaAssignment(reassignment.targetReplicas);
    this.context.updatePartitionFullReplicaAssignment(tp, completed);
    await this.moveReassignedPartitionLeaderIfRequired(tp, completed);
    await this.stopRemovedReplicasOfReassignedPartition(tp, reassignment.removingReplicas);
    await this.updateReplicaAssignmentForPartition(tp, completed);
    this.context.partitionsBeingReassigned.delete(tp);
    this.batch.newBatch();
    this.batch.addUpdateMetadataRequestForBrokers(this.context.liveOrShuttingDownBrokerIds(), [tp]);
    this.batch.sendRequestsToBrokers(this.context.epoch);
    await this.topicDeletionManager.resumeDeletionForTopics(new Set([tp.topic]));
  }

  /** U1-U3: the new assignment in ZooKeeper, then in memory; replicas a replaced reassignment was adding are stopped. */
  private async updateCurrentReassignment(tp: TopicPartition, reassignment: ReplicaAssignment): Promise<void> {
    const current = this.context.partitionFullReplicaAssignment(tp);
    if (!sameAssignment(current, reassignment)) {
      await this.updateReplicaAssignmentForPartition(tp, reassignment);
      this.context.updatePartitionFullReplicaAssignment(tp, reassignment);
      const unneeded = current.replicas.filter((r) => !reassignment.replicas.includes(r));
      if (unneeded.length > 0) await this.stopRemovedReplicasOfReassignedPartition(tp, unneeded);
    }
    this.context.partitionsBeingReassigned.set(tp, true);
  }

  /** Complete when no reassignment is pending or every target replica is in the ISR ZooKeeper holds. */
  private async isReassignmentComplete(tp: TopicPartition, assignment: ReplicaAssignment): Promise<boolean> {
    if (!assignment.isBeingReassigned) return true;
    const result = (await this.zk.getTopicPartitionStates([tp])).get(tp);
    if (result?.code !== 'OK') return false;
    return assignment.targetReplicas.every((r) => result.value.leaderAndIsr.isr.includes(r));
  }

  /** B3: a leader outside the target or dead is replaced from the target; a live one in it keeps leading at a new epoch. */
  private async moveReassignedPartitionLeaderIfRequired(
    tp: TopicPartition,
    assignment: ReplicaAssignment,
  ): Promise<void> {
    const leader = this.context.partitionLeadershipInfo(tp)!.leaderAndIsr.leader;
    if (assignment.replicas.includes(leader) && this.context.isReplicaOnline(leader, tp))
      await this.updateLeaderEpochAndSendRequest(tp, assignment);
    else await this.partitionStateMachine.handleStateChanges([tp], 'OnlinePartition', { kind: 'ReassignPartition' });
  }

  /** B4-B5: Offline (out of the ISR, StopReplica), then deleted and out of the assignment. */
  private async stopRemovedReplicasOfReassignedPartition(
    tp: TopicPartition,
    removed: readonly number[],
  ): Promise<void> {
    const replicas = removed.map((replica) => ({ topicPartition: tp, replica }));
    await this.replicaStateMachine.handleStateChanges(replicas, 'OfflineReplica');
    await this.replicaStateMachine.handleStateChanges(replicas, 'ReplicaDeletionStarted');
    await this.replicaStateMachine.handleStateChanges(replicas, 'ReplicaDeletionSuccessful');
    await this.replicaStateMachine.handleStateChanges(replicas, 'NonExistentReplica');
  }

  private async updateReplicaAssignmentForPartition(tp: TopicPartition, assignment: ReplicaAssignment): Promise<void> {
    const topicAssignment = new Map(this.context.partitionAssignments.get(tp.topic));
    topicAssignment.set(tp.partition, assignment);
    const result = await this.zk.setTopicAssignment(
      tp.topic,
      this.context.topicIds.get(tp.topic),
      topicAssignment,
      this.context.epochZkVersion,
    );
    if (result.code === 'NONODE')
      throw new TributaryError(
        `Failed to update assignment for ${formatPartition(tp)} since the topic has no current assignment`,
        'ERR_CONTROLLER_ILLEGAL_STATE',
      );
    if (result.code !== 'OK') throw new TributaryError(zkFailure(result), 'ERR_STATE_CHANGE_FAILED');
  }

  /**
   * A1: the leader epoch bumped (leader and ISR unchanged) so the replicas take the new
   * replica set; origin replicas told as existing, adding ones as new.
   */
  private async updateLeaderEpochAndSendRequest(tp: TopicPartition, assignment: ReplicaAssignment): Promise<void> {
    const updated = await this.updateLeaderEpoch(tp);
    this.batch.newBatch();
    this.batch.addLeaderAndIsrRequestForBrokers(assignment.originReplicas, tp, updated, assignment, false);
    this.batch.addLeaderAndIsrRequestForBrokers(assignment.addingReplicas, tp, updated, assignment, true);
    this.batch.sendRequestsToBrokers(this.context.epoch);
  }

  /** KafkaController.updateLeaderEpoch: read, bump, write under the version; again on a version race. */
  private async updateLeaderEpoch(tp: TopicPartition): Promise<LeaderIsrAndControllerEpoch> {
    for (;;) {
      const read = (await this.zk.getTopicPartitionStates([tp])).get(tp);
      if (read?.code !== 'OK')
        throw new TributaryError(
          `Cannot update leader epoch for partition ${formatPartition(tp)} as leaderAndIsr path is empty. ` +
            `This could mean we somehow tried to reassign a partition that doesn't exist`,
          'ERR_CONTROLLER_ILLEGAL_STATE',
        );
      const { leaderAndIsr, controllerEpoch } = read.value;
      if (controllerEpoch > this.context.epoch)
        throw new TributaryError(
          `Leader and isr path written by another controller. This probably means the current controller with ` +
            `epoch ${this.context.epoch} went through a soft failure and another controller was elected with epoch ` +
            `${controllerEpoch}. Aborting state change by this controller`,
          'ERR_STATE_CHANGE_FAILED',
        );
      const bumped = newLeader(leaderAndIsr, leaderAndIsr.leader);
      const written = (
        await this.zk.updateLeaderAndIsr(
          partitionMap<typeof bumped>().set(tp, bumped),
          this.context.epoch,
          this.context.epochZkVersion,
        )
      ).get(tp)!;
      if (written.code === 'OK') {
        const state = { leaderAndIsr: written.value, controllerEpoch: this.context.epoch };
        this.context.putPartitionLeadershipInfo(tp, state);
        return state;
      }
      if (written.code !== 'BADVERSION') throw new TributaryError(zkFailure(written), 'ERR_STATE_CHANGE_FAILED');
    }
  }
}

function sameAssignment(a: ReplicaAssignment, b: ReplicaAssignment): boolean {
  const same = (x: readonly number[], y: readonly number[]): boolean =>
    x.length === y.length && x.every((r, i) => r === y[i]);
  return (
    same(a.replicas, b.replicas) &&
    same(a.addingReplicas, b.addingReplicas) &&
    same(a.removingReplicas, b.removingReplicas)
  );
}
