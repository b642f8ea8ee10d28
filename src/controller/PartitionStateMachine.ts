/**
 * PartitionStateMachine: Kafka's ZkPartitionStateMachine. A partition is NonExistent, New
 * (replicas assigned, no leader yet), Online (a leader elected) or Offline (its leader
 * died). Going Online writes the partition's state znode (created for a New partition,
 * updated under its version otherwise, retried on a version conflict) and queues
 * LeaderAndIsr for its replicas and UpdateMetadata for every live broker in the batch,
 * sent when the round ends. An invalid transition is logged and skipped, as Kafka does.
 */
import { TributaryError } from '../errors.js';
import type { LeaderAndIsr } from '../zk/LeaderAndIsr.js';
import type { ZkResult } from './ControllerZkClient.js';
import { ControllerStateMachine, isStateChangeFailure } from './ControllerStateMachine.js';
import {
  leaderForControlledShutdown,
  leaderForOffline,
  leaderForPreferredReplica,
  leaderForReassign,
  type ElectionResult,
  type PartitionLeaderElectionStrategy,
} from './Election.js';
import { initialLeaderAndIsr, type LeaderIsrAndControllerEpoch } from './LeaderIsrAndControllerEpoch.js';
import { validPreviousPartitionStates, type PartitionState } from './PartitionState.js';
import { formatPartition, partitionMap, type TopicPartition, type ValueKeyedMap } from './TopicPartition.js';

/** An election's outcome for one partition: its new state, or why it has none. */
export type ElectionOutcome = { readonly leaderAndIsr: LeaderAndIsr } | { readonly error: TributaryError };

export type ElectionOutcomes = ValueKeyedMap<TopicPartition, ElectionOutcome>;

/** Kafka's strategies print as their case class names. */
export function formatStrategy(strategy: PartitionLeaderElectionStrategy): string {
  return strategy.kind === 'OfflinePartition'
    ? `OfflinePartitionLeaderElectionStrategy(${strategy.allowUnclean})`
    : `${strategy.kind}LeaderElectionStrategy`;
}

const stateChangeFailed = (message: string): TributaryError => new TributaryError(message, 'ERR_STATE_CHANGE_FAILED');

export class PartitionStateMachine extends ControllerStateMachine {
  /** On election as controller: each partition's state from its leadership, then New and Offline ones brought Online. */
  async startup(): Promise<void> {
    this.initializePartitionState();
    await this.triggerOnlinePartitionStateChange();
  }

  /** PartitionStateMachine.initializePartitionState */
  initializePartitionState(): void {
    for (const tp of this.context.allPartitions()) {
      const info = this.context.partitionLeadershipInfo(tp);
      if (info === undefined) this.context.putPartitionState(tp, 'NewPartition');
      else if (this.context.isReplicaOnline(info.leaderAndIsr.leader, tp))
        this.context.putPartitionState(tp, 'OnlinePartition');
      else this.context.putPartitionState(tp, 'OfflinePartition');
    }
  }

  /** New and Offline partitions (of one topic, if given) to Online by the clean offline election, topics being deleted left alone. */
  async triggerOnlinePartitionStateChange(topic?: string): Promise<ElectionOutcomes> {
    const partitions = this.context
      .partitionsInStates(['OfflinePartition', 'NewPartition'], topic)
      .filter((tp) => !this.context.isTopicQueuedUpForDeletion(tp.topic));
    return this.handleStateChanges(partitions, 'OnlinePartition', { kind: 'OfflinePartition', allowUnclean: false });
  }

  /**
   * PartitionStateMachine.handleStateChanges: one round of changes and the requests it owes.
   * A controller that lost its epoch (ERR_STALE_CONTROLLER_EPOCH) is thrown out; any other
   * failure fails every partition of the round.
   */
  async handleStateChanges(
    partitions: readonly TopicPartition[],
    target: PartitionState,
    strategy?: PartitionLeaderElectionStrategy,
  ): Promise<ElectionOutcomes> {
    if (partitions.length === 0) return partitionMap();
    return this.inRound(
      () => this.doHandleStateChanges(partitions, target, strategy),
      (e) => {
        this.logger.error(`Error while moving some partitions to ${target} state`, { error: e.message });
        const failed: ElectionOutcomes = partitionMap();
        for (const tp of partitions) failed.set(tp, { error: e });
        return failed;
      },
    );
  }

  private async doHandleStateChanges(
    partitions: readonly TopicPartition[],
    target: PartitionState,
    strategy: PartitionLeaderElectionStrategy | undefined,
  ): Promise<ElectionOutcomes> {
    for (const tp of partitions) this.context.putPartitionStateIfNotExists(tp, 'NonExistentPartition');
    const valid = partitions.filter((tp) => this.context.isValidPartitionStateTransition(tp, target));
    for (const tp of partitions) if (!valid.includes(tp)) this.logInvalidTransition(tp, target);
    if (target !== 'OnlinePartition') {
      for (const tp of valid) this.context.putPartitionState(tp, target);
      return partitionMap();
    }
    const uninitialized = valid.filter((tp) => this.context.partitionState(tp) === 'NewPartition');
    const toElect = valid.filter((tp) => this.context.partitionState(tp) !== 'NewPartition');
    for (const tp of await this.initializeLeaderAndIsrForPartitions(uninitialized)) {
      this.logger.info(`Changed partition ${formatPartition(tp)} from NewPartition to OnlinePartition`, {
        state: this.context.partitionLeadershipInfo(tp)?.leaderAndIsr,
      });
      this.context.putPartitionState(tp, 'OnlinePartition');
    }
    if (toElect.length === 0) return partitionMap();
    if (strategy === undefined)
      throw new TributaryError(
        'Election strategy is a required field when the target state is OnlinePartition',
        'ERR_INVALID_ARGUMENT',
      );
    const outcomes = await this.electLeaderForPartitions(toElect, strategy);
    for (const [tp, outcome] of outcomes) {
      if (!('leaderAndIsr' in outcome)) continue;
      this.logger.info(
        `Changed partition ${formatPartition(tp)} from ${this.context.partitionState(tp)} to OnlinePartition`,
        {
          state: outcome.leaderAndIsr,
        },
      );
      this.context.putPartitionState(tp, 'OnlinePartition');
    }
    return outcomes;
  }

  /**
   * PartitionStateMachine.initializeLeaderAndIsrForPartitions: the first live replica leads,
   * all live replicas are the ISR; the state znodes are created, and the ISR told (isNew).
   */
  private async initializeLeaderAndIsrForPartitions(partitions: readonly TopicPartition[]): Promise<TopicPartition[]> {
    const states = partitionMap<LeaderIsrAndControllerEpoch>();
    for (const tp of partitions) {
      const replicas = this.context.partitionReplicaAssignment(tp);
      const live = replicas.filter((r) => this.context.isReplicaOnline(r, tp));
      if (live.length === 0) {
        const message =
          `Controller ${this.controllerId} epoch ${this.context.epoch} encountered error during state change of ` +
          `partition ${formatPartition(tp)} from New to Online, assigned replicas are [${replicas.join(',')}], ` +
          `live brokers are [${[...this.context.liveBrokerIds()].join(',')}]. No assigned replica is alive.`;
        this.logFailedStateChange(tp, 'NewPartition', 'OnlinePartition', message);
        continue;
      }
      states.set(tp, { leaderAndIsr: initialLeaderAndIsr(live[0]!, live), controllerEpoch: this.context.epoch });
    }
    if (states.size === 0) return [];
    const responses = await this.guardedZkCall(
      () => this.zk.createTopicPartitionStates(states, this.context.epochZkVersion),
      [...states.keys()],
      'NewPartition',
    );
    const initialized: TopicPartition[] = [];
    for (const [tp, result] of responses ?? []) {
      const state = states.get(tp)!;
      if (result.code !== 'OK') {
        this.logFailedStateChange(tp, 'NewPartition', 'OnlinePartition', zkFailure(result));
        continue;
      }
      this.context.putPartitionLeadershipInfo(tp, state);
      const assignment = this.context.partitionFullReplicaAssignment(tp);
      this.batch.addLeaderAndIsrRequestForBrokers(state.leaderAndIsr.isr, tp, state, assignment, true);
      initialized.push(tp);
    }
    return initialized;
  }

  /** PartitionStateMachine.electLeaderForPartitions: rounds until no partition lost a version race. */
  private async electLeaderForPartitions(
    partitions: readonly TopicPartition[],
    strategy: PartitionLeaderElectionStrategy,
  ): Promise<ElectionOutcomes> {
    const finished: ElectionOutcomes = partitionMap();
    let remaining = partitions;
    while (remaining.length > 0) {
      const round = await this.doElectLeaderForPartitions(remaining, strategy);
      for (const [tp, outcome] of round.finished) {
        if ('error' in outcome)
          this.logFailedStateChange(tp, this.context.partitionState(tp), 'OnlinePartition', outcome.error.message);
        finished.set(tp, outcome);
      }
      remaining = round.retry;
      if (remaining.length > 0)
        this.logger.info(`Retrying leader election with strategy ${formatStrategy(strategy)}`, {
          partitions: remaining.map(formatPartition),
        });
    }
    return finished;
  }

  /**
   * PartitionStateMachine.doElectLeaderForPartitions: read each state from ZooKeeper (a state
   * written by a newer controller aborts the partition), elect, write under the read version.
   */
  private async doElectLeaderForPartitions(
    partitions: readonly TopicPartition[],
    strategy: PartitionLeaderElectionStrategy,
  ): Promise<{ finished: ElectionOutcomes; retry: TopicPartition[] }> {
    const finished: ElectionOutcomes = partitionMap();
    const read = await this.readStates(partitions, finished);
    if (read.length === 0) return { finished, retry: [] };
    const results = await this.elect(read, strategy);
    const recipients = partitionMap<readonly number[]>();
    const elected = partitionMap<LeaderAndIsr>();
    for (const result of results) {
      if (result.leaderAndIsr === undefined) {
        const message = `Failed to elect leader for partition ${formatPartition(result.topicPartition)} under strategy ${formatStrategy(strategy)}`;
        finished.set(result.topicPartition, { error: stateChangeFailed(message) });
        continue;
      }
      elected.set(result.topicPartition, result.leaderAndIsr);
      recipients.set(result.topicPartition, result.liveReplicas);
    }
    if (elected.size === 0) return { finished, retry: [] };
    const written = await this.guardedZkCall(
      () => this.zk.updateLeaderAndIsr(elected, this.context.epoch, this.context.epochZkVersion),
      [...elected.keys()],
      undefined,
      finished,
    );
    const retry: TopicPartition[] = [];
    for (const [tp, result] of written ?? []) {
      if (result.code === 'BADVERSION') retry.push(tp);
      else if (result.code !== 'OK') finished.set(tp, { error: stateChangeFailed(zkFailure(result)) });
      else {
        const state = { leaderAndIsr: result.value, controllerEpoch: this.context.epoch };
        this.context.putPartitionLeadershipInfo(tp, state);
        const assignment = this.context.partitionFullReplicaAssignment(tp);
        this.batch.addLeaderAndIsrRequestForBrokers(recipients.get(tp)!, tp, state, assignment, false);
        finished.set(tp, { leaderAndIsr: result.value });
      }
    }
    return { finished, retry };
  }

  /** The partitions' states as ZooKeeper has them; the failures go to `failed`. */
  private async readStates(
    partitions: readonly TopicPartition[],
    failed: ElectionOutcomes,
  ): Promise<[TopicPartition, LeaderAndIsr][]> {
    const responses = await this.guardedZkCall(
      () => this.zk.getTopicPartitionStates(partitions),
      partitions,
      undefined,
      failed,
    );
    const valid: [TopicPartition, LeaderAndIsr][] = [];
    for (const [tp, result] of responses ?? []) {
      if (result.code === 'OK' && result.value.controllerEpoch > this.context.epoch) {
        const message =
          `Aborted leader election for partition ${formatPartition(tp)} since the LeaderAndIsr path was already ` +
          `written by another controller. This probably means that the current controller ${this.controllerId} went ` +
          `through a soft failure and another controller was elected with epoch ${result.value.controllerEpoch}.`;
        failed.set(tp, { error: stateChangeFailed(message) });
      } else if (result.code === 'OK') valid.push([tp, result.value.leaderAndIsr]);
      else if (result.code === 'NONODE') {
        const message = `LeaderAndIsr information doesn't exist for partition ${formatPartition(tp)} in ${this.context.partitionState(tp)} state`;
        failed.set(tp, { error: stateChangeFailed(message) });
      } else failed.set(tp, { error: stateChangeFailed(zkFailure(result)) });
    }
    return valid;
  }

  private async elect(
    states: readonly [TopicPartition, LeaderAndIsr][],
    strategy: PartitionLeaderElectionStrategy,
  ): Promise<ElectionResult[]> {
    switch (strategy.kind) {
      case 'OfflinePartition': {
        const unclean = await this.collectUncleanLeaderElectionState(states, strategy.allowUnclean);
        return unclean.map(([tp, state, allow]) => leaderForOffline(this.context, tp, state, allow));
      }
      case 'ReassignPartition':
        return states.map(([tp, state]) => leaderForReassign(this.context, tp, state));
      case 'PreferredReplicaPartition':
        return states.map(([tp, state]) => leaderForPreferredReplica(this.context, tp, state));
      case 'ControlledShutdownPartition':
        return states.map(([tp, state]) => leaderForControlledShutdown(this.context, tp, state));
    }
  }

  /**
   * PartitionStateMachine.collectUncleanLeaderElectionState: a partition with no live ISR
   * member may elect uncleanly if the strategy allows it or its topic's
   * unclean.leader.election.enable does; a topic whose config cannot be read elects nobody.
   */
  private async collectUncleanLeaderElectionState(
    states: readonly [TopicPartition, LeaderAndIsr][],
    allowUnclean: boolean,
  ): Promise<[TopicPartition, LeaderAndIsr | undefined, boolean][]> {
    const noLiveIsr = ([tp, state]: [TopicPartition, LeaderAndIsr]): boolean =>
      !state.isr.some((r) => this.context.isReplicaOnline(r, tp));
    const withoutIsr = states.filter(noLiveIsr);
    const withIsr = states.filter((s) => !noLiveIsr(s));
    const clean = withIsr.map(([tp, state]): [TopicPartition, LeaderAndIsr, boolean] => [tp, state, false]);
    if (allowUnclean)
      return [...withoutIsr.map(([tp, state]): [TopicPartition, LeaderAndIsr, boolean] => [tp, state, true]), ...clean];
    const configs =
      withoutIsr.length === 0
        ? new Map()
        : await this.zk.uncleanLeaderElectionEnabled(new Set(withoutIsr.map(([tp]) => tp.topic)));
    const unclean = withoutIsr.map(([tp, state]): [TopicPartition, LeaderAndIsr | undefined, boolean] => {
      const enabled = configs.get(tp.topic) ?? false;
      if (typeof enabled === 'boolean') return [tp, state, enabled];
      this.logFailedStateChange(tp, this.context.partitionState(tp), 'OnlinePartition', enabled.message);
      return [tp, undefined, false];
    });
    return [...unclean, ...clean];
  }

  /**
   * A ZooKeeper call whose failure fails all its partitions (in `failed`, or logged when
   * `from` names the state they were leaving); a lost controller epoch is thrown on.
   */
  private async guardedZkCall<T>(
    call: () => Promise<T>,
    partitions: readonly TopicPartition[],
    from: PartitionState | undefined,
    failed?: ElectionOutcomes,
  ): Promise<T | undefined> {
    try {
      return await call();
    } catch (e) {
      if (!isStateChangeFailure(e)) throw e;
      for (const tp of partitions) {
        if (from !== undefined) this.logFailedStateChange(tp, from, 'OnlinePartition', e.message);
        failed?.set(tp, { error: e });
      }
      return undefined;
    }
  }

  private logInvalidTransition(tp: TopicPartition, target: PartitionState): void {
    const current = this.context.partitionState(tp);
    this.logFailedStateChange(
      tp,
      current,
      target,
      `Partition ${formatPartition(tp)} should be in one of ${validPreviousPartitionStates[target].join(',')} states ` +
        `before moving to ${target} state. Instead it is in ${current} state`,
    );
  }

  private logFailedStateChange(tp: TopicPartition, from: PartitionState, to: PartitionState, reason: string): void {
    this.logger.error(
      `Controller ${this.controllerId} epoch ${this.context.epoch} failed to change state for partition ` +
        `${formatPartition(tp)} from ${from} to ${to}`,
      { reason },
    );
  }
}

/** A ZooKeeper result other than OK, as the message KeeperException.create(code) would carry. */
export function zkFailure(result: Exclude<ZkResult<unknown>, { code: 'OK' }>): string {
  return result.code === 'ERROR' ? result.error.message : `KeeperErrorCode = ${result.code}`;
}
