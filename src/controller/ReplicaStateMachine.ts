/**
 * ReplicaStateMachine: Kafka's ZkReplicaStateMachine. A replica (a partition on one broker)
 * is New, Online, Offline, ReplicaDeletionStarted/Successful/Ineligible or NonExistent.
 * Going Offline stops the replica (StopReplica without delete) and takes it out of the
 * partition's ISR in ZooKeeper (leader NO_LEADER if it led; an ISR of one is kept, so the
 * last in-sync replica is remembered), telling the other replicas; deletion sends
 * StopReplica with delete. An invalid transition is logged and skipped, as Kafka does.
 */
import { TributaryError } from '../errors.js';
import { NO_LEADER, type LeaderAndIsr } from '../zk/LeaderAndIsr.js';
import type { ControllerZkClient, ZkResult } from './ControllerZkClient.js';
import { ControllerStateMachine, isStateChangeFailure } from './ControllerStateMachine.js';
import { newLeaderAndIsr, type LeaderIsrAndControllerEpoch } from './LeaderIsrAndControllerEpoch.js';
import { zkFailure } from './PartitionStateMachine.js';
import { ReplicaAssignment } from './ReplicaAssignment.js';
import { validPreviousReplicaStates, type ReplicaState } from './ReplicaState.js';
import { formatPartition, partitionMap, type PartitionAndReplica, type TopicPartition } from './TopicPartition.js';

export class ReplicaStateMachine extends ControllerStateMachine {
  /** On election as controller: replicas on live brokers Online, the others Offline. */
  async startup(): Promise<void> {
    this.initializeReplicaState();
    const { online, offline } = this.context.onlineAndOfflineReplicas();
    await this.handleStateChanges(online, 'OnlineReplica');
    await this.handleStateChanges(offline, 'OfflineReplica');
  }

  /**
   * ReplicaStateMachine.initializeReplicaState: a replica on a dead broker starts
   * ReplicaDeletionIneligible, so a topic deletion waits for the broker to return.
   */
  initializeReplicaState(): void {
    for (const replica of this.context.replicasForPartition(this.context.allPartitions())) {
      const online = this.context.isReplicaOnline(replica.replica, replica.topicPartition);
      this.context.putReplicaState(replica, online ? 'OnlineReplica' : 'ReplicaDeletionIneligible');
    }
  }

  /** ReplicaStateMachine.handleStateChanges: one round, broker by broker, and the requests it owes. */
  async handleStateChanges(replicas: readonly PartitionAndReplica[], target: ReplicaState): Promise<void> {
    if (replicas.length === 0) return;
    const byBroker = new Map<number, PartitionAndReplica[]>();
    for (const r of replicas) byBroker.set(r.replica, [...(byBroker.get(r.replica) ?? []), r]);
    await this.inRound(
      async () => {
        for (const [replicaId, ofBroker] of byBroker) await this.doHandleStateChanges(replicaId, ofBroker, target);
      },
      (e) => this.logger.error(`Error while moving some replicas to ${target} state`, { error: e.message }),
    );
  }

  private async doHandleStateChanges(
    replicaId: number,
    replicas: readonly PartitionAndReplica[],
    target: ReplicaState,
  ): Promise<void> {
    for (const r of replicas) this.context.putReplicaStateIfNotExists(r, 'NonExistentReplica');
    const valid = replicas.filter((r) => this.context.isValidReplicaStateTransition(r, target));
    for (const r of replicas) if (!valid.includes(r)) this.logInvalidTransition(r, target);
    switch (target) {
      case 'NewReplica':
        return valid.forEach((r) => this.toNewReplica(replicaId, r));
      case 'OnlineReplica':
        return valid.forEach((r) => this.toOnlineReplica(replicaId, r));
      case 'OfflineReplica':
        return this.toOfflineReplicas(replicaId, valid);
      case 'ReplicaDeletionStarted':
        for (const r of valid) {
          this.context.putReplicaState(r, target);
          this.batch.addStopReplicaRequestForBrokers([replicaId], r.topicPartition, true);
        }
        return;
      case 'ReplicaDeletionIneligible':
      case 'ReplicaDeletionSuccessful':
        return valid.forEach((r) => this.context.putReplicaState(r, target));
      case 'NonExistentReplica':
        for (const r of valid) {
          const assignment = this.context.partitionFullReplicaAssignment(r.topicPartition).removeReplica(replicaId);
          this.context.updatePartitionFullReplicaAssignment(r.topicPartition, assignment);
          this.context.removeReplicaState(r);
        }
    }
  }

  /** A new replica learns its partition's state (isNew) unless it is asked to lead, which a new replica cannot. */
  private toNewReplica(replicaId: number, replica: PartitionAndReplica): void {
    const tp = replica.topicPartition;
    const info = this.context.partitionLeadershipInfo(tp);
    if (info?.leaderAndIsr.leader === replicaId) {
      this.logFailedStateChange(
        replica,
        this.context.replicaState(replica),
        'OfflineReplica',
        `Replica ${replicaId} for partition ${formatPartition(tp)} cannot be moved to NewReplica state as it is being requested to become leader`,
      );
      return;
    }
    if (info !== undefined)
      this.batch.addLeaderAndIsrRequestForBrokers(
        [replicaId],
        tp,
        info,
        this.context.partitionFullReplicaAssignment(tp),
        true,
      );
    this.context.putReplicaState(replica, 'NewReplica');
  }

  /** A New replica joins the assignment if missing from it; any other is sent its partition's state. */
  private toOnlineReplica(replicaId: number, replica: PartitionAndReplica): void {
    const tp = replica.topicPartition;
    const assignment = this.context.partitionFullReplicaAssignment(tp);
    if (this.context.replicaState(replica) === 'NewReplica') {
      if (!assignment.replicas.includes(replicaId)) {
        this.logger.error(`Adding replica (${replicaId}) that is not part of the assignment`, {
          partition: formatPartition(tp),
        });
        const grown = [...assignment.replicas, replicaId];
        this.context.updatePartitionFullReplicaAssignment(
          tp,
          new ReplicaAssignment(grown, assignment.addingReplicas, assignment.removingReplicas),
        );
      }
    } else {
      const info = this.context.partitionLeadershipInfo(tp);
      if (info !== undefined) this.batch.addLeaderAndIsrRequestForBrokers([replicaId], tp, info, assignment, false);
    }
    this.context.putReplicaState(replica, 'OnlineReplica');
  }

  /**
   * StopReplica (no delete) to the broker; out of each partition's ISR, the other replicas
   * told (not for a topic being deleted); a partition with no state yet only gets UpdateMetadata.
   */
  private async toOfflineReplicas(replicaId: number, replicas: readonly PartitionAndReplica[]): Promise<void> {
    for (const r of replicas) this.batch.addStopReplicaRequestForBrokers([replicaId], r.topicPartition, false);
    const withLeadership = replicas.filter((r) => this.context.partitionLeadershipInfo(r.topicPartition) !== undefined);
    const withoutLeadership = replicas.filter(
      (r) => this.context.partitionLeadershipInfo(r.topicPartition) === undefined,
    );
    const updated = await this.removeReplicasFromIsr(
      replicaId,
      withLeadership.map((r) => r.topicPartition),
    );
    for (const [tp, state] of updated) {
      this.logger.info(
        `Partition ${formatPartition(tp)} state changed after removing replica ${replicaId} from the ISR as part of transition to OfflineReplica`,
        { state: state.leaderAndIsr },
      );
      if (!this.context.isTopicQueuedUpForDeletion(tp.topic)) {
        const recipients = this.context.partitionReplicaAssignment(tp).filter((r) => r !== replicaId);
        this.batch.addLeaderAndIsrRequestForBrokers(
          recipients,
          tp,
          state,
          this.context.partitionFullReplicaAssignment(tp),
          false,
        );
      }
      this.context.putReplicaState({ topicPartition: tp, replica: replicaId }, 'OfflineReplica');
    }
    for (const r of withoutLeadership) {
      this.batch.addUpdateMetadataRequestForBrokers(this.context.liveOrShuttingDownBrokerIds(), [r.topicPartition]);
      this.context.putReplicaState(r, 'OfflineReplica');
    }
  }

  /** ReplicaStateMachine.removeReplicasFromIsr: rounds until no partition lost a version race. */
  private async removeReplicasFromIsr(
    replicaId: number,
    partitions: readonly TopicPartition[],
  ): Promise<[TopicPartition, LeaderIsrAndControllerEpoch][]> {
    const results: [TopicPartition, LeaderIsrAndControllerEpoch][] = [];
    let remaining = partitions;
    while (remaining.length > 0) {
      const round = await this.doRemoveReplicasFromIsr(replicaId, remaining);
      for (const [tp, outcome] of round.finished) {
        if (outcome instanceof TributaryError) {
          const replica = { topicPartition: tp, replica: replicaId };
          this.logFailedStateChange(replica, this.context.replicaState(replica), 'OfflineReplica', outcome.message);
        } else results.push([tp, outcome]);
      }
      remaining = round.retry;
    }
    return results;
  }

  /**
   * ReplicaStateMachine.doRemoveReplicasFromIsr: read the states; where the replica is in the
   * ISR, write the state without it (no leader if it led) under the read version.
   */
  private async doRemoveReplicasFromIsr(
    replicaId: number,
    partitions: readonly TopicPartition[],
  ): Promise<{ finished: [TopicPartition, LeaderIsrAndControllerEpoch | TributaryError][]; retry: TopicPartition[] }> {
    const finished: [TopicPartition, LeaderIsrAndControllerEpoch | TributaryError][] = [];
    const { states, missing } = await this.getTopicPartitionStatesFromZk(partitions, finished);
    const adjusted = partitionMap<LeaderAndIsr>();
    const unchanged: [TopicPartition, LeaderAndIsr][] = [];
    for (const [tp, state] of states) {
      if (!state.isr.includes(replicaId)) {
        unchanged.push([tp, state]);
        continue;
      }
      const leader = state.leader === replicaId ? NO_LEADER : state.leader;
      const isr = state.isr.length === 1 ? state.isr : state.isr.filter((r) => r !== replicaId);
      adjusted.set(tp, newLeaderAndIsr(state, leader, isr));
    }
    const written =
      adjusted.size === 0
        ? partitionMap<ZkResult<LeaderAndIsr>>()
        : await this.zk.updateLeaderAndIsr(adjusted, this.context.epoch, this.context.epochZkVersion);
    const retry: TopicPartition[] = [];
    const stored = (tp: TopicPartition, leaderAndIsr: LeaderAndIsr): void => {
      const state = { leaderAndIsr, controllerEpoch: this.context.epoch };
      this.context.putPartitionLeadershipInfo(tp, state);
      finished.push([tp, state]);
    };
    for (const [tp, state] of unchanged) stored(tp, state);
    for (const [tp, result] of written) {
      if (result.code === 'OK') stored(tp, result.value);
      else if (result.code === 'BADVERSION') retry.push(tp);
      else finished.push([tp, new TributaryError(zkFailure(result), 'ERR_STATE_CHANGE_FAILED')]);
    }
    for (const tp of missing) {
      if (this.context.isTopicQueuedUpForDeletion(tp.topic)) continue;
      const message = `Failed to change state of replica ${replicaId} for partition ${formatPartition(tp)} since the leader and isr path in zookeeper is empty`;
      finished.push([tp, new TributaryError(message, 'ERR_STATE_CHANGE_FAILED')]);
    }
    return { finished, retry };
  }

  /**
   * ReplicaStateMachine.getTopicPartitionStatesFromZk: the states read; those without a
   * state znode (the controller did not finish creating them) apart; a state a newer
   * controller wrote fails its partition.
   */
  private async getTopicPartitionStatesFromZk(
    partitions: readonly TopicPartition[],
    failed: [TopicPartition, LeaderIsrAndControllerEpoch | TributaryError][],
  ): Promise<{ states: [TopicPartition, LeaderAndIsr][]; missing: TopicPartition[] }> {
    const states: [TopicPartition, LeaderAndIsr][] = [];
    const missing: TopicPartition[] = [];
    let responses: Awaited<ReturnType<ControllerZkClient['getTopicPartitionStates']>>;
    try {
      responses = await this.zk.getTopicPartitionStates(partitions);
    } catch (e) {
      if (!isStateChangeFailure(e)) throw e;
      for (const tp of partitions) failed.push([tp, e]);
      return { states, missing };
    }
    for (const [tp, result] of responses) {
      if (result.code === 'NONODE') missing.push(tp);
      else if (result.code !== 'OK')
        failed.push([tp, new TributaryError(zkFailure(result), 'ERR_STATE_CHANGE_FAILED')]);
      else if (result.value.controllerEpoch > this.context.epoch) {
        const message =
          `Leader and isr path written by another controller. This probably means the current controller with epoch ` +
          `${this.context.epoch} went through a soft failure and another controller was elected with epoch ` +
          `${result.value.controllerEpoch}. Aborting state change by this controller`;
        failed.push([tp, new TributaryError(message, 'ERR_STATE_CHANGE_FAILED')]);
      } else states.push([tp, result.value.leaderAndIsr]);
    }
    return { states, missing };
  }

  private logInvalidTransition(replica: PartitionAndReplica, target: ReplicaState): void {
    const current = this.context.replicaState(replica);
    this.logFailedStateChange(
      replica,
      current,
      target,
      `Replica ${formatReplica(replica)} should be in the ${validPreviousReplicaStates[target].join(',')} states ` +
        `before moving to ${target} state. Instead it is in ${current} state`,
    );
  }

  private logFailedStateChange(
    replica: PartitionAndReplica,
    from: ReplicaState,
    to: ReplicaState,
    reason: string,
  ): void {
    this.logger.error(
      `Controller ${this.controllerId} epoch ${this.context.epoch} initiated state change of replica ${replica.replica} ` +
        `for partition ${formatPartition(replica.topicPartition)} from ${from} to ${to} failed`,
      { reason },
    );
  }
}

/** PartitionAndReplica's toString. */
function formatReplica(r: PartitionAndReplica): string {
  return `[Topic=${r.topicPartition.topic},Partition=${r.topicPartition.partition},Replica=${r.replica}]`;
}
