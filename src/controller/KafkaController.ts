/**
 * KafkaController: the controller's reactions to what ZooKeeper tells it, as Kafka's
 * kafka.controller.KafkaController: brokers joining, leaving and bouncing (processBrokerChange,
 * onBrokerStartup, onBrokerFailure), topics and partitions created (processTopicChange,
 * onNewPartitionCreation), replica leader elections (onReplicaElection, ElectLeaders and the
 * auto rebalance's imbalance check), controlled shutdown and topic deletion. Each reaction
 * runs the state machines over the context; reading ZooKeeper and registering watches is
 * the caller's, which passes in what it read.
 */
import { isTributaryError, KafkaErrors, TributaryError, type KafkaErrorName } from '../errors.js';
import type { EncodableResponse, RequestOf } from '../protocol/index.js';
import type { AlterPartition } from '../protocol/messages/AlterPartition.js';
import { byTopic } from '../protocol/TopicGroups.js';
import { NO_LEADER, type LeaderAndIsr } from '../zk/LeaderAndIsr.js';
import type { BrokerAndEpoch } from './Broker.js';
import type { ControllerBrokerRequestBatch } from './ControllerBrokerRequestBatch.js';
import { ZERO_UUID, type ControllerContext } from './ControllerContext.js';
import type { ControllerZkClient } from './ControllerZkClient.js';
import { preferredReplicaPartitionLeaderElection, type PartitionLeaderElectionStrategy } from './Election.js';
import type { ElectionOutcomes, PartitionStateMachine } from './PartitionStateMachine.js';
import type { ApiError, PartitionReassignment } from './PartitionReassignment.js';
import type { ReplicaAssignment } from './ReplicaAssignment.js';
import type { ReplicaStateMachine } from './ReplicaStateMachine.js';
import type { StateChangeLogger } from './StateChangeLogger.js';
import type { TopicDeletionManager } from './TopicDeletionManager.js';
import {
  formatPartition,
  partitionMap,
  type PartitionAndReplica,
  type TopicPartition,
  type ValueKeyedMap,
} from './TopicPartition.js';

export interface KafkaControllerConfig {
  /** leader.imbalance.per.broker.percentage: above it, a broker's partitions go back to their preferred leader (default 10). */
  readonly leaderImbalancePerBrokerPercentage: number;
}

/** org.apache.kafka.common.ElectionType */
export type ElectionType = 'PREFERRED' | 'UNCLEAN';
/** A partition's answer to ElectLeaders: the leader it elected, or why none (Kafka's Either[ApiError, Int]). */
export type ElectLeaderResult = { readonly leader: number } | ApiError;

export type AlterPartitionRequest = RequestOf<typeof AlterPartition>;
export type AlterPartitionResponse = EncodableResponse<typeof AlterPartition>;
/** One partition's answer to AlterPartition: the state ZooKeeper now holds, or why not (Kafka's Either[Errors, LeaderAndIsr]). */
type AlterPartitionOutcome = LeaderAndIsr | KafkaErrorName;

/** kafka.controller.ElectionTrigger */
export type ElectionTrigger = 'AdminClientTriggered' | 'AutoTriggered' | 'ZkTriggered';

/** A topic as /brokers/topics/<topic> holds it: its id and each partition's assignment. */
export interface TopicIdReplicaAssignment {
  readonly topic: string;
  readonly topicId: Buffer | undefined;
  readonly assignment: ReadonlyMap<number, ReplicaAssignment>;
}

/** What a new controller reads from ZooKeeper before it acts (KafkaController.initializeControllerContext). */
export interface ClusterState {
  /** The epoch this controller was elected with, and the version of /controller_epoch it wrote. */
  readonly epoch: number;
  readonly epochZkVersion: number;
  /** /brokers/ids */
  readonly brokers: readonly BrokerAndEpoch[];
  /** /brokers/topics */
  readonly topics: readonly TopicIdReplicaAssignment[];
  /** /admin/delete_topics */
  readonly topicsToBeDeleted: ReadonlySet<string>;
}

export class KafkaController {
  constructor(
    private readonly config: KafkaControllerConfig,
    private readonly context: ControllerContext,
    private readonly zk: ControllerZkClient,
    private readonly partitionStateMachine: PartitionStateMachine,
    private readonly replicaStateMachine: ReplicaStateMachine,
    private readonly topicDeletionManager: TopicDeletionManager,
    private readonly reassignment: PartitionReassignment,
    private readonly batch: ControllerBrokerRequestBatch,
    private readonly logger: StateChangeLogger,
  ) {}

  /**
   * KafkaController.onControllerFailover (the part after the watches are registered): the
   * context from ZooKeeper, deletions queued, every broker told the live brokers, the state
   * machines started (partitions elect), reassignments and deletions resumed.
   */
  async onControllerFailover(state: ClusterState): Promise<void> {
    await this.initializeControllerContext(state);
    const withOfflineReplicas = [...this.context.allTopics].filter((topic) =>
      this.context.replicasForTopic(topic).some((r) => !this.context.isReplicaOnline(r.replica, r.topicPartition)),
    );
    const reassigning = [...this.context.partitionsBeingReassigned.keys()].map((tp) => tp.topic);
    this.topicDeletionManager.init(state.topicsToBeDeleted, new Set([...withOfflineReplicas, ...reassigning]));
    this.sendUpdateMetadataRequest(this.context.liveOrShuttingDownBrokerIds(), []);
    await this.replicaStateMachine.startup();
    await this.partitionStateMachine.startup();
    await this.reassignment.maybeResumeReassignments(() => true);
    await this.topicDeletionManager.resumeDeletions();
  }

  /** KafkaController.initializeControllerContext, with updateLeaderAndIsrCache reading the partition states. */
  private async initializeControllerContext(state: ClusterState): Promise<void> {
    this.context.resetContext();
    this.context.epoch = state.epoch;
    this.context.epochZkVersion = state.epochZkVersion;
    this.context.setLiveBrokers(state.brokers);
    this.context.setAllTopics(state.topics.map((t) => t.topic));
    for (const { topic, topicId, assignment } of state.topics) {
      if (topicId !== undefined) this.context.addTopicId(topic, topicId);
      for (const [partition, replicas] of assignment) {
        this.context.updatePartitionFullReplicaAssignment({ topic, partition }, replicas);
        if (replicas.isBeingReassigned) this.context.partitionsBeingReassigned.set({ topic, partition }, true);
      }
    }
    for (const [tp, result] of await this.zk.getTopicPartitionStates(this.context.allPartitions()))
      if (result.code === 'OK') this.context.putPartitionLeadershipInfo(tp, result.value);
  }

  /** KafkaController.sendUpdateMetadataRequest: a batch of its own, with these partitions' states. */
  sendUpdateMetadataRequest(brokers: Iterable<number>, partitions: readonly TopicPartition[]): void {
    this.batch.newBatch();
    this.batch.addUpdateMetadataRequestForBrokers(brokers, partitions);
    this.batch.sendRequestsToBrokers(this.context.epoch);
  }

  /**
   * KafkaController.processBrokerChange: the brokers /brokers/ids lists now against those
   * known. A broker registered again with a higher epoch (it restarted within the session
   * timeout) bounced: it fails, then starts.
   */
  async processBrokerChange(current: readonly BrokerAndEpoch[]): Promise<void> {
    const known = this.context.liveOrShuttingDownBrokerIds();
    const currentIds = new Set(current.map((b) => b.broker.id));
    const sorted = (ids: Iterable<number>): number[] => [...ids].sort((a, b) => a - b);
    const added = current.filter((b) => !known.has(b.broker.id));
    const bounced = current.filter(
      (b) => known.has(b.broker.id) && b.epoch > this.context.liveBrokerEpoch(b.broker.id)!,
    );
    const dead = sorted([...known].filter((id) => !currentIds.has(id)));
    this.logger.info('Broker change', {
      newBrokers: sorted(added.map((b) => b.broker.id)),
      deadBrokers: dead,
      bouncedBrokers: sorted(bounced.map((b) => b.broker.id)),
    });
    if (added.length > 0) {
      this.context.addLiveBrokers(added);
      await this.onBrokerStartup(sorted(added.map((b) => b.broker.id)));
    }
    if (bounced.length > 0) {
      const ids = sorted(bounced.map((b) => b.broker.id));
      this.context.removeLiveBrokers(ids);
      await this.onBrokerFailure(ids);
      this.context.addLiveBrokers(bounced);
      await this.onBrokerStartup(ids);
    }
    if (dead.length > 0) {
      this.context.removeLiveBrokers(dead);
      await this.onBrokerFailure(dead);
    }
  }

  /**
   * KafkaController.onBrokerStartup: the others learn of the new brokers, the new brokers get
   * every partition's state, their replicas go Online, and New or Offline partitions elect;
   * reassignments with a target on them and deletions halted for want of them resume.
   */
  async onBrokerStartup(newBrokers: readonly number[]): Promise<void> {
    for (const id of newBrokers) this.context.replicasOnOfflineDirs.delete(id);
    const existing = [...this.context.liveOrShuttingDownBrokerIds()].filter((id) => !newBrokers.includes(id));
    this.sendUpdateMetadataRequest(existing, []);
    const withLeaders = [...this.context.partitionsLeadershipInfo()]
      .map(([tp]) => tp)
      .filter((tp) => !this.context.isTopicQueuedUpForDeletion(tp.topic));
    this.sendUpdateMetadataRequest(newBrokers, withLeaders);
    const replicasOnNewBrokers = this.context.replicasOnBrokers(new Set(newBrokers));
    await this.replicaStateMachine.handleStateChanges(replicasOnNewBrokers, 'OnlineReplica');
    await this.partitionStateMachine.triggerOnlinePartitionStateChange();
    await this.reassignment.maybeResumeReassignments((_tp, assignment) =>
      assignment.targetReplicas.some((r) => newBrokers.includes(r)),
    );
    const deleting = replicasOnNewBrokers
      .map((r) => r.topicPartition.topic)
      .filter((topic) => this.topicDeletionManager.isTopicQueuedUpForDeletion(topic));
    if (deleting.length > 0) await this.topicDeletionManager.resumeDeletionForTopics(new Set(deleting));
  }

  /** KafkaController.onBrokerFailure: a dead broker stops shutting down, and its replicas go offline. */
  async onBrokerFailure(deadBrokers: readonly number[]): Promise<void> {
    for (const id of deadBrokers) {
      this.context.replicasOnOfflineDirs.delete(id);
      this.context.shuttingDownBrokerIds.delete(id);
    }
    await this.onReplicasBecomeOffline(this.context.replicasOnBrokers(new Set(deadBrokers)));
  }

  /**
   * KafkaController.onReplicasBecomeOffline: partitions whose leader is gone go Offline and
   * elect again (clean only), the replicas go Offline (out of the ISRs); replicas of topics
   * being deleted fail their deletion. If nothing changed, UpdateMetadata still tells every
   * broker of the dead ones.
   */
  async onReplicasBecomeOffline(replicas: readonly PartitionAndReplica[]): Promise<void> {
    const deleting = (r: PartitionAndReplica): boolean =>
      this.topicDeletionManager.isTopicQueuedUpForDeletion(r.topicPartition.topic);
    const forDeletion = replicas.filter(deleting);
    const notForDeletion = replicas.filter((r) => !deleting(r));
    await this.partitionStateMachine.handleStateChanges(this.context.partitionsWithOfflineLeader(), 'OfflinePartition');
    const results = await this.partitionStateMachine.triggerOnlinePartitionStateChange();
    await this.replicaStateMachine.handleStateChanges(notForDeletion, 'OfflineReplica');
    if (forDeletion.length > 0) await this.topicDeletionManager.failReplicaDeletion(forDeletion);
    if (notForDeletion.length === 0 && [...results].every(([, outcome]) => 'error' in outcome))
      this.sendUpdateMetadataRequest(this.context.liveOrShuttingDownBrokerIds(), []);
  }

  /**
   * KafkaController.processTopicChange: the topics /brokers/topics lists now. New ones
   * (with their ids and assignments) are created, ones gone are forgotten.
   */
  async processTopicChange(topics: ReadonlySet<string>, newTopics: readonly TopicIdReplicaAssignment[]): Promise<void> {
    const deleted = [...this.context.allTopics].filter((t) => !topics.has(t));
    this.context.setAllTopics(topics);
    for (const topic of deleted) this.context.removeTopic(topic);
    const created: TopicPartition[] = [];
    for (const { topic, topicId, assignment } of newTopics) {
      if (topicId !== undefined) this.context.addTopicId(topic, topicId);
      for (const [partition, replicas] of assignment) {
        this.context.updatePartitionFullReplicaAssignment({ topic, partition }, replicas);
        created.push({ topic, partition });
      }
    }
    if (created.length > 0) await this.onNewPartitionCreation(created);
  }

  /**
   * KafkaController.processPartitionModifications: partitions added to a topic
   * (CreatePartitions). While the topic is being deleted they are not created: the caller
   * restores the assignment in ZooKeeper, as Kafka does, when this answers false.
   */
  async processPartitionModifications(
    topic: string,
    assignment: ReadonlyMap<number, ReplicaAssignment>,
  ): Promise<boolean> {
    const added = [...assignment].filter(
      ([partition]) => this.context.partitionReplicaAssignment({ topic, partition }).length === 0,
    );
    if (this.topicDeletionManager.isTopicQueuedUpForDeletion(topic)) return added.length === 0;
    for (const [partition, replicas] of added)
      this.context.updatePartitionFullReplicaAssignment({ topic, partition }, replicas);
    if (added.length > 0) await this.onNewPartitionCreation(added.map(([partition]) => ({ topic, partition })));
    return true;
  }

  /**
   * KafkaController.onNewPartitionCreation: partitions New, their replicas New, the partitions
   * Online (their state znodes created, leaders the first live replica), the replicas Online.
   */
  async onNewPartitionCreation(partitions: readonly TopicPartition[]): Promise<void> {
    this.logger.info('New partition creation callback', { partitions: partitions.map(formatPartition) });
    await this.partitionStateMachine.handleStateChanges(partitions, 'NewPartition');
    await this.replicaStateMachine.handleStateChanges(this.context.replicasForPartition(partitions), 'NewReplica');
    await this.partitionStateMachine.handleStateChanges(partitions, 'OnlinePartition', {
      kind: 'OfflinePartition',
      allowUnclean: false,
    });
    await this.replicaStateMachine.handleStateChanges(this.context.replicasForPartition(partitions), 'OnlineReplica');
  }

  /**
   * KafkaController.onReplicaElection: ElectLeaders (AdminClientTriggered), the auto
   * rebalance (AutoTriggered) or /admin/preferred_replica_election (ZkTriggered). An unclean
   * election is unclean only when an admin asked for it.
   */
  async onReplicaElection(
    partitions: readonly TopicPartition[],
    electionType: ElectionType,
    trigger: ElectionTrigger,
  ): Promise<ElectionOutcomes> {
    const strategy: PartitionLeaderElectionStrategy =
      electionType === 'PREFERRED'
        ? { kind: 'PreferredReplicaPartition' }
        : { kind: 'OfflinePartition', allowUnclean: trigger === 'AdminClientTriggered' };
    const results = await this.partitionStateMachine.handleStateChanges(partitions, 'OnlinePartition', strategy);
    if (trigger !== 'AdminClientTriggered')
      for (const [tp, outcome] of results)
        if ('error' in outcome)
          this.logger.error(
            `Error completing replica leader election (${electionType}) for partition ${formatPartition(tp)}`,
            {
              error: outcome.error.message,
            },
          );
    return results;
  }

  /** KafkaController.processTopicUncleanLeaderElectionEnable: the topic's offline partitions elect again, now maybe unclean. */
  async processTopicUncleanLeaderElectionEnable(topic: string): Promise<void> {
    this.logger.info(`Unclean leader election has been enabled for topic ${topic}`);
    await this.partitionStateMachine.triggerOnlinePartitionStateChange(topic);
  }

  /**
   * KafkaController.processReplicaLeaderElection for ElectLeaders (AdminClientTriggered): the
   * partitions that need it elect (preferred: the leader is not the first replica; unclean:
   * no live leader) and answer their new leader; the others answer why not (ELECTION_NOT_NEEDED,
   * INVALID_TOPIC_EXCEPTION while deleting, UNKNOWN_TOPIC_OR_PARTITION). A failed election is
   * PREFERRED_LEADER_NOT_AVAILABLE or ELIGIBLE_LEADERS_NOT_AVAILABLE with the state machine's message.
   */
  async electLeaders(
    partitions: readonly TopicPartition[],
    electionType: ElectionType,
  ): Promise<ValueKeyedMap<TopicPartition, ElectLeaderResult>> {
    const results = partitionMap<ElectLeaderResult>();
    const electable: TopicPartition[] = [];
    for (const tp of partitions) {
      const why = this.whyNoElection(tp, electionType);
      if (why === undefined) electable.push(tp);
      else results.set(tp, why);
    }
    const failed = electionType === 'PREFERRED' ? 'PREFERRED_LEADER_NOT_AVAILABLE' : 'ELIGIBLE_LEADERS_NOT_AVAILABLE';
    for (const [tp, outcome] of await this.onReplicaElection(electable, electionType, 'AdminClientTriggered')) {
      if ('leaderAndIsr' in outcome) results.set(tp, { leader: outcome.leaderAndIsr.leader });
      else if (outcome.error.code === 'ERR_STATE_CHANGE_FAILED')
        results.set(tp, { error: failed, message: outcome.error.message });
      // ApiError.fromThrowable; the registry's Kafka names are KafkaErrors' keys.
      else results.set(tp, { error: outcome.error.kafka.name as KafkaErrorName, message: outcome.error.message });
    }
    return results;
  }

  /** Why a partition elects no leader for ElectLeaders, or undefined when it should. */
  private whyNoElection(tp: TopicPartition, electionType: ElectionType): ApiError | undefined {
    if (this.context.partitionReplicaAssignment(tp).length === 0)
      return { error: 'UNKNOWN_TOPIC_OR_PARTITION', message: 'The partition does not exist.' };
    if (this.topicDeletionManager.isTopicQueuedUpForDeletion(tp.topic))
      return { error: 'INVALID_TOPIC_EXCEPTION', message: 'The topic is being deleted' };
    const leader = this.context.partitionLeadershipInfo(tp)?.leaderAndIsr.leader ?? NO_LEADER;
    const needed =
      electionType === 'PREFERRED'
        ? leader !== this.context.partitionReplicaAssignment(tp)[0]
        : leader === NO_LEADER || !this.context.liveBrokerIds().has(leader);
    return needed ? undefined : { error: 'ELECTION_NOT_NEEDED', message: null };
  }

  /**
   * KafkaController.processAlterPartition (ZooKeeper mode, 3.8): a leader's ISR changes, each
   * written to its state znode under the partition epoch it was based on (so a stale leader
   * overwrites nothing), then the context and every broker's metadata follow. `answer` is
   * called once (Kafka's callback); afterwards, reassignments an ISR change completes move on
   * (maybeCompleteReassignment). A failure answers UNKNOWN_SERVER_ERROR, as Kafka's catch does;
   * a lost controller epoch is thrown on too, so the controller resigns at once.
   */
  async processAlterPartition(
    request: AlterPartitionRequest,
    version: number,
    answer: (response: AlterPartitionResponse) => void,
  ): Promise<void> {
    let outcomes: ValueKeyedMap<TopicPartition, AlterPartitionOutcome>;
    try {
      outcomes = await this.tryProcessAlterPartition(request, version, answer);
    } catch (error) {
      this.logger.error('Error when processing AlterPartition', { error: String(error) });
      answer({ throttleTimeMs: 0, errorCode: KafkaErrors.UNKNOWN_SERVER_ERROR.code, topics: [] });
      if (isTributaryError(error, 'ERR_STALE_CONTROLLER_EPOCH')) throw error;
      return;
    }
    for (const [tp, outcome] of outcomes)
      if (typeof outcome !== 'string' && this.context.partitionsBeingReassigned.has(tp))
        await this.reassignment.maybeCompleteReassignment(tp);
  }

  /** KafkaController.tryProcessAlterPartition: the broker epoch, each partition checked, the writes, the answer. */
  private async tryProcessAlterPartition(
    request: AlterPartitionRequest,
    version: number,
    answer: (response: AlterPartitionResponse) => void,
  ): Promise<ValueKeyedMap<TopicPartition, AlterPartitionOutcome>> {
    const outcomes = partitionMap<AlterPartitionOutcome>();
    const known = this.context.liveBrokerEpoch(request.brokerId);
    if (known !== request.brokerEpoch) {
      this.logger.info(
        known === undefined
          ? `Ignoring AlterPartition due to unknown broker ${request.brokerId}`
          : `Ignoring AlterPartition due to stale broker epoch ${request.brokerEpoch} and local broker epoch ${known} for broker ${request.brokerId}`,
      );
      answer({ throttleTimeMs: 0, errorCode: KafkaErrors.STALE_BROKER_EPOCH.code, topics: [] });
      return outcomes;
    }
    const { proposed, unknownTopics } = this.proposedStates(request, version);
    const toWrite = partitionMap<LeaderAndIsr>();
    for (const [tp, state] of proposed) {
      const outcome = this.checkAlterPartition(tp, state, request.brokerId, version);
      if (outcome === undefined) toWrite.set(tp, state);
      else outcomes.set(tp, outcome);
    }
    if (toWrite.size > 0)
      for (const [tp, result] of await this.zk.updateLeaderAndIsr(
        toWrite,
        this.context.epoch,
        this.context.epochZkVersion,
      )) {
        if (result.code === 'OK') {
          // updateLeaderAndIsrCache: what was just written, at the znode's new version.
          this.context.putPartitionLeadershipInfo(tp, {
            leaderAndIsr: result.value,
            controllerEpoch: this.context.epoch,
          });
          outcomes.set(tp, result.value);
        } else {
          this.logger.info(`Failed to update ISR for partition ${formatPartition(tp)}`, { result: result.code });
          outcomes.set(tp, result.code === 'BADVERSION' ? 'INVALID_UPDATE_VERSION' : 'UNKNOWN_SERVER_ERROR');
        }
      }
    this.sendUpdateMetadataRequest(this.context.liveOrShuttingDownBrokerIds(), [...proposed.keys()]);
    answer({
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [...unknownTopics, ...this.alterPartitionTopics(outcomes, version)],
    });
    return outcomes;
  }

  /**
   * The LeaderAndIsr each partition of the request proposes (the requester as leader); topics
   * named by an id the context does not know (v2+) answer UNKNOWN_TOPIC_ID for each partition.
   */
  private proposedStates(
    request: AlterPartitionRequest,
    version: number,
  ): { proposed: ValueKeyedMap<TopicPartition, LeaderAndIsr>; unknownTopics: AlterPartitionResponse['topics'] } {
    const proposed = partitionMap<LeaderAndIsr>();
    const unknownTopics: AlterPartitionResponse['topics'][number][] = [];
    for (const topic of request.topics) {
      const name = version > 1 ? this.context.topicName(topic.topicId) : topic.topicName;
      if (name === undefined) {
        const partitions = topic.partitions.map((p) => failedPartition(p.partitionIndex, 'UNKNOWN_TOPIC_ID'));
        unknownTopics.push({ topicId: topic.topicId, partitions });
        continue;
      }
      for (const p of topic.partitions)
        proposed.set(
          { topic: name, partition: p.partitionIndex },
          {
            leader: request.brokerId,
            leaderEpoch: p.leaderEpoch,
            // v3's broker epochs are not checked in ZooKeeper mode: the ids alone make the ISR.
            isr: version >= 3 ? p.newIsrWithEpochs.map((b) => b.brokerId) : p.newIsr,
            leaderRecoveryState: leaderRecoveryStateOf(p.leaderRecoveryState),
            partitionEpoch: p.partitionEpoch,
          },
        );
    }
    return { proposed, unknownTopics };
  }

  /**
   * tryProcessAlterPartition's checks of one partition, in Kafka's order: undefined when the
   * proposed state is to be written, else the error, or the current state when it is already
   * the proposed one (answered as is, before the partition epoch fences, for idempotency).
   * Two checks are KRaft's (ReplicationControlManager.validateAlterPartitionData), which the
   * ZooKeeper controller lacks: only the leader may change the ISR (else the requester would be
   * written as leader), and the ISR must be distinct assigned replicas including the leader;
   * both INVALID_REQUEST.
   */
  private checkAlterPartition(
    tp: TopicPartition,
    proposed: LeaderAndIsr,
    brokerId: number,
    version: number,
  ): AlterPartitionOutcome | undefined {
    const current = this.context.partitionLeadershipInfo(tp)?.leaderAndIsr;
    if (current === undefined) return 'UNKNOWN_TOPIC_OR_PARTITION';
    // Epochs ahead of this controller's: likely it is no longer the controller; the leader looks again.
    if (proposed.partitionEpoch > current.partitionEpoch || proposed.leaderEpoch > current.leaderEpoch)
      return 'NOT_CONTROLLER';
    if (proposed.leaderEpoch < current.leaderEpoch) return 'FENCED_LEADER_EPOCH';
    if (brokerId !== current.leader) return 'INVALID_REQUEST';
    if (equalsAllowStalePartitionEpoch(proposed, current)) return current;
    if (proposed.partitionEpoch < current.partitionEpoch) return 'INVALID_UPDATE_VERSION';
    const replicas = this.context.partitionReplicaAssignment(tp);
    const isr = new Set(proposed.isr);
    if (isr.size !== proposed.isr.length || proposed.isr.some((r) => !replicas.includes(r)) || !isr.has(current.leader))
      return 'INVALID_REQUEST';
    // KIP-704: a recovering leader (after an unclean election) is alone in its ISR, and never becomes recovering again.
    if (proposed.leaderRecoveryState === 1 && proposed.isr.length > 1) return 'INVALID_REQUEST';
    if (current.leaderRecoveryState === 0 && proposed.leaderRecoveryState === 1) return 'INVALID_REQUEST';
    // KIP-841: only live brokers not shutting down may join the ISR.
    const live = this.context.liveBrokerIds();
    const ineligible = proposed.isr.filter((r) => !live.has(r));
    if (ineligible.length === 0) return undefined;
    this.logger.info(
      `Rejecting AlterPartition request from node ${brokerId} for ${formatPartition(tp)} because it specified ineligible replicas ${ineligible.join(',')} in the new ISR ${proposed.isr.join(',')}.`,
    );
    return version > 1 ? 'INELIGIBLE_REPLICA' : 'OPERATION_NOT_ATTEMPTED';
  }

  /** The answer's topics: by name up to v1, by id from v2; each partition its new state or its error. */
  private alterPartitionTopics(
    outcomes: ValueKeyedMap<TopicPartition, AlterPartitionOutcome>,
    version: number,
  ): AlterPartitionResponse['topics'] {
    const items = [...outcomes].map(([tp, outcome]) => ({ ...tp, outcome }));
    return byTopic(items, ({ partition, outcome }) =>
      typeof outcome === 'string'
        ? failedPartition(partition, outcome)
        : {
            partitionIndex: partition,
            errorCode: 0,
            leaderId: outcome.leader,
            leaderEpoch: outcome.leaderEpoch,
            isr: [...outcome.isr],
            leaderRecoveryState: outcome.leaderRecoveryState,
            partitionEpoch: outcome.partitionEpoch,
          },
    ).map(({ name, partitions }) =>
      version > 1
        ? { topicId: this.context.topicIds.get(name) ?? ZERO_UUID, partitions }
        : { topicName: name, partitions },
    );
  }

  /**
   * KafkaController.checkAndTriggerAutoLeaderRebalance: for each preferred leader, the share
   * of its partitions led by another broker; above leader.imbalance.per.broker.percentage,
   * those whose preferred replica can lead (live, in the ISR) are elected back to it.
   */
  async checkAndTriggerAutoLeaderRebalance(): Promise<ElectionOutcomes[]> {
    const byPreferred = new Map<number, TopicPartition[]>();
    for (const tp of this.context.allPartitions()) {
      if (this.topicDeletionManager.isTopicQueuedUpForDeletion(tp.topic)) continue;
      const preferred = this.context.partitionReplicaAssignment(tp)[0];
      if (preferred !== undefined) byPreferred.set(preferred, [...(byPreferred.get(preferred) ?? []), tp]);
    }
    const outcomes: ElectionOutcomes[] = [];
    for (const [preferred, partitions] of byPreferred) {
      const notPreferred = partitions.filter((tp) => {
        const leader = this.context.partitionLeadershipInfo(tp)?.leaderAndIsr.leader;
        return leader !== undefined && leader !== preferred;
      });
      if (notPreferred.length / partitions.length <= this.config.leaderImbalancePerBrokerPercentage / 100) continue;
      const candidates = notPreferred.filter(
        (tp) => this.context.allTopics.has(tp.topic) && this.canPreferredReplicaBeLeader(tp),
      );
      outcomes.push(await this.onReplicaElection(candidates, 'PREFERRED', 'AutoTriggered'));
    }
    return outcomes;
  }

  private canPreferredReplicaBeLeader(tp: TopicPartition): boolean {
    const assignment = this.context.partitionReplicaAssignment(tp);
    const live = new Set(assignment.filter((r) => this.context.isReplicaOnline(r, tp)));
    const isr = this.context.partitionLeadershipInfo(tp)!.leaderAndIsr.isr;
    return preferredReplicaPartitionLeaderElection(assignment, isr, live) !== undefined;
  }

  /**
   * KafkaController.doControlledShutdown: the broker is marked shutting down; partitions it
   * leads (with another replica) elect a leader elsewhere, those it follows stop their
   * replica there and leave the ISR. Answers the partitions it still leads, which the broker
   * retries on. An older broker epoch is STALE_BROKER_EPOCH; an unknown broker BROKER_NOT_AVAILABLE.
   */
  async doControlledShutdown(id: number, brokerEpoch: number): Promise<TopicPartition[]> {
    const cachedEpoch = this.context.liveBrokerEpoch(id);
    // -1 (AbstractControlRequest.UNKNOWN_BROKER_EPOCH): a broker older than KIP-380, not checked.
    if (brokerEpoch !== -1 && cachedEpoch !== undefined && brokerEpoch < cachedEpoch)
      throw new TributaryError(
        `Received controlled shutdown request from an old broker epoch ${brokerEpoch} for broker ${id}. ` +
          `Current broker epoch is ${cachedEpoch}.`,
        'ERR_STALE_BROKER_EPOCH',
      );
    if (!this.context.liveOrShuttingDownBrokerIds().has(id))
      throw new TributaryError(`Broker id ${id} does not exist.`, 'ERR_BROKER_NOT_AVAILABLE');
    this.context.shuttingDownBrokerIds.add(id);
    const toActOn = this.context
      .partitionsOnBroker(id)
      .filter(
        (tp) =>
          this.context.partitionReplicaAssignment(tp).length > 1 &&
          this.context.partitionLeadershipInfo(tp) !== undefined &&
          !this.topicDeletionManager.isTopicQueuedUpForDeletion(tp.topic),
      );
    const ledBy = (tp: TopicPartition): boolean => this.context.partitionLeadershipInfo(tp)!.leaderAndIsr.leader === id;
    await this.partitionStateMachine.handleStateChanges(toActOn.filter(ledBy), 'OnlinePartition', {
      kind: 'ControlledShutdownPartition',
    });
    const followed = toActOn.filter((tp) => !ledBy(tp));
    this.batch.newBatch();
    for (const tp of followed) this.batch.addStopReplicaRequestForBrokers([id], tp, false);
    this.batch.sendRequestsToBrokers(this.context.epoch);
    await this.replicaStateMachine.handleStateChanges(
      followed.map((topicPartition) => ({ topicPartition, replica: id })),
      'OfflineReplica',
    );
    return this.context.partitionLeadersOnBroker(id);
  }
}

/** A partition's AlterPartition answer with an error: the other fields at their defaults. */
function failedPartition(
  partitionIndex: number,
  error: KafkaErrorName,
): AlterPartitionResponse['topics'][number]['partitions'][number] {
  return {
    partitionIndex,
    errorCode: KafkaErrors[error].code,
    leaderId: 0,
    leaderEpoch: 0,
    isr: [],
    partitionEpoch: 0,
  };
}

/** LeaderRecoveryState.of: 0 RECOVERED, 1 RECOVERING; another value is refused (Kafka's IllegalArgumentException). */
function leaderRecoveryStateOf(value: number): 0 | 1 {
  if (value === 0 || value === 1) return value;
  throw new TributaryError(`Value ${value} is not a valid leader recovery state`, 'ERR_INVALID_REQUEST');
}

/** LeaderAndIsr.equalsAllowStalePartitionEpoch: the same state, at the same or an older partition epoch. */
function equalsAllowStalePartitionEpoch(proposed: LeaderAndIsr, current: LeaderAndIsr): boolean {
  return (
    proposed.leader === current.leader &&
    proposed.leaderEpoch === current.leaderEpoch &&
    proposed.isr.join() === current.isr.join() &&
    proposed.leaderRecoveryState === current.leaderRecoveryState &&
    proposed.partitionEpoch <= current.partitionEpoch
  );
}
