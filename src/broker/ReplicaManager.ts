/**
 * ReplicaManager: the partitions this broker hosts in cluster mode and the controller
 * epoch it last obeyed, after Kafka's ReplicaManager (3.8) in ZooKeeper mode. The
 * controller's LeaderAndIsr makes this broker a partition's leader or follower, StopReplica
 * stops (and may delete) it, UpdateMetadata refreshes the metadata cache; each is fenced by
 * the controller epoch, LeaderAndIsr per partition by the leader epoch too.
 *
 * A hosted partition is a ClusterPartition (Kafka's kafka.cluster.Partition) around the
 * engine's log: as leader it tracks its followers, the ISR and the high watermark; the
 * isr-expiration task checks every replica.lag.time.max.ms / 2 for followers that fell behind.
 * A follower's log is copied from its leader's by the replica fetchers (ReplicaFetcherManager),
 * which follow each LeaderAndIsr and StopReplica.
 */
import type { Engine } from '../engine/Engine.js';
import { INTERNAL_TOPIC_CONFIG, isInternalTopic } from '../engine/InternalTopic.js';
import type { Partition } from '../engine/Partition.js';
import { KafkaErrors, TributaryError, type KafkaError } from '../errors.js';
import type { LeaderAndIsr } from '../zk/LeaderAndIsr.js';
import { ClusterPartition, type AlterPartitionListener, type AlterPartitionSubmitter } from './ClusterPartition.js';
import type { Logger } from './Logger.js';
import type { MetadataCache, MetadataUpdate, TopicPartition } from './MetadataCache.js';
import type { ReplicaFetcherManager } from './ReplicaFetcherManager.js';

/** LeaderAndIsrPartitionState, with its topic's id (base64url) when the request names one. */
export interface LeaderAndIsrPartitionState extends LeaderAndIsr {
  readonly topicName: string;
  readonly partitionIndex: number;
  readonly controllerEpoch: number;
  readonly replicas: readonly number[];
  readonly topicId: string | null;
}

export interface StopReplicaPartitionState extends TopicPartition {
  readonly leaderEpoch: number;
  readonly deletePartition: boolean;
}

/** A partition this broker hosts: the state of the LeaderAndIsr that made it leader or follower. */
interface HostedPartition {
  readonly state: LeaderAndIsrPartitionState;
  readonly partition: ClusterPartition;
}

/** What the leader side of replication needs from the broker. */
export interface ReplicationOptions {
  /** replica.lag.time.max.ms. */
  readonly replicaLagTimeMaxMs: number;
  /** Where ISR changes go; undefined for a broker driven by hand, as in tests (KafkaServer makes it). */
  readonly alterPartitionManager: AlterPartitionSubmitter | undefined;
}

/** The ISR changes this broker's partitions made (Kafka's IsrShrinksPerSec, IsrExpandsPerSec, FailedIsrUpdatesPerSec). */
export interface IsrChangeCounts {
  readonly expands: number;
  readonly shrinks: number;
  readonly failed: number;
}

export interface PartitionResult extends TopicPartition {
  readonly error: KafkaError;
}

/** KafkaController.InitialControllerEpoch. */
const INITIAL_CONTROLLER_EPOCH = 0;
/** Partition.leaderEpoch before any LeaderAndIsr: LeaderAndIsr.InitialLeaderEpoch - 1. */
const NO_LEADER_EPOCH = -1;
/** LeaderAndIsr.EpochDuringDelete and NoEpoch: StopReplica leader epochs that skip the check. */
const EPOCH_DURING_DELETE = -2;
const NO_EPOCH = -1;

const keyOf = (topic: string, partition: number) => `${topic}-${String(partition)}`;

export class ReplicaManager {
  private controllerEpoch = INITIAL_CONTROLLER_EPOCH;
  private readonly hosted = new Map<string, HostedPartition>();
  private isrExpiration: NodeJS.Timeout | undefined;
  private readonly isrChanges = { expands: 0, shrinks: 0, failed: 0 };
  /** Partition's AlterPartitionListener: what the metrics count. */
  private readonly isrChangeListener: AlterPartitionListener = {
    markIsrExpand: () => void this.isrChanges.expands++,
    markIsrShrink: () => void this.isrChanges.shrinks++,
    markFailed: () => void this.isrChanges.failed++,
  };

  constructor(
    private readonly engine: Engine,
    private readonly metadataCache: MetadataCache,
    private readonly brokerId: number,
    private readonly logger: Logger,
    private readonly replication: ReplicationOptions,
    /** The follower side: absent for a broker driven by hand that fetches nothing. */
    private readonly fetcherManager?: ReplicaFetcherManager,
  ) {}

  /** ReplicaManager.startup: the isr-expiration task, every replica.lag.time.max.ms / 2. */
  startup(): void {
    const interval = Math.max(Math.floor(this.replication.replicaLagTimeMaxMs / 2), 1);
    this.isrExpiration = setInterval(() => this.maybeShrinkIsr(), interval);
    this.isrExpiration.unref();
  }

  /** ReplicaManager.maybeShrinkIsr: every partition led here drops the followers that fell behind. */
  maybeShrinkIsr(): void {
    for (const { partition } of this.hosted.values()) partition.maybeShrinkIsr();
  }

  get isrChangeCounts(): IsrChangeCounts {
    return { ...this.isrChanges };
  }

  /** The partitions led here with fewer in-sync replicas than assigned (UnderReplicatedPartitions). */
  /** Each partition followed here: its lag behind the leader's high watermark (none on a broker without fetchers). */
  followerLags(): { topic: string; partition: number; lag: number }[] {
    return this.fetcherManager?.lags() ?? [];
  }

  underReplicatedPartitions(): number {
    let count = 0;
    for (const { partition } of this.hosted.values()) if (partition.isUnderReplicated) count++;
    return count;
  }

  private checkControllerEpoch(request: string, controllerId: number, controllerEpoch: number): void {
    if (controllerEpoch >= this.controllerEpoch) return;
    const message =
      `${request} from controller ${controllerId} with controller epoch ${controllerEpoch} is stale: ` +
      `the latest known controller epoch is ${this.controllerEpoch}`;
    this.logger.warn(message);
    throw new TributaryError(message, 'ERR_STALE_CONTROLLER_EPOCH');
  }

  /** ReplicaManager.maybeUpdateMetadataCache: an older controller's update changes nothing. */
  maybeUpdateMetadataCache(controllerEpoch: number, update: MetadataUpdate): TopicPartition[] {
    this.checkControllerEpoch('UpdateMetadata', update.controllerId, controllerEpoch);
    const deleted = this.metadataCache.updateMetadata(update);
    this.controllerEpoch = controllerEpoch;
    return deleted;
  }

  /**
   * ReplicaManager.becomeLeaderOrFollower: an older controller epoch fails the whole request;
   * then each partition whose leader epoch is newer than the one hosted becomes leader or
   * follower (its log created if missing), one not assigned here is UNKNOWN_TOPIC_OR_PARTITION,
   * an older or equal leader epoch STALE_CONTROLLER_EPOCH, a topic id other than the hosted
   * one INCONSISTENT_TOPIC_ID.
   */
  becomeLeaderOrFollower(
    controllerId: number,
    controllerEpoch: number,
    states: readonly LeaderAndIsrPartitionState[],
    topicConfigs: ReadonlyMap<string, Readonly<Record<string, string>>> = new Map(),
  ): PartitionResult[] {
    this.checkControllerEpoch('LeaderAndIsr', controllerId, controllerEpoch);
    this.controllerEpoch = controllerEpoch;
    const results = states.map((state) => ({
      topic: state.topicName,
      partition: state.partitionIndex,
      error: this.becomeLeaderOrFollowerOf(state, topicConfigs.get(state.topicName)),
    }));
    // fetcher21: the replica fetchers follow the new roles (makeLeaders / makeFollowers).
    this.updateFetchers(states.filter((_, i) => results[i]!.error === KafkaErrors.NONE));
    return results;
  }

  /** fetcher21: new leaders stop fetching, new followers fetch from their leader (ReplicaFetcherManager). */
  private updateFetchers(changed: readonly LeaderAndIsrPartitionState[]): void {
    if (this.fetcherManager === undefined) return;
    const partitionOf = (s: LeaderAndIsrPartitionState) => ({ topic: s.topicName, partition: s.partitionIndex });
    const leaders = changed.filter((s) => s.leader === this.brokerId).map(partitionOf);
    const followers = changed
      .filter((s) => s.leader !== this.brokerId)
      .map((s) => ({ ...partitionOf(s), leaderId: s.leader, leaderEpoch: s.leaderEpoch }));
    this.fetcherManager.onLeadershipChange(leaders, followers);
  }

  /** fetcher21: ReplicaManager.shutdown's replicaFetcherManager.shutdown, before the logs close. */
  async shutdown(): Promise<void> {
    clearInterval(this.isrExpiration);
    for (const { partition } of this.hosted.values()) partition.stop();
    await this.fetcherManager?.shutdown();
  }

  private becomeLeaderOrFollowerOf(
    state: LeaderAndIsrPartitionState,
    topicConfig: Readonly<Record<string, string>> | undefined,
  ): KafkaError {
    const key = keyOf(state.topicName, state.partitionIndex);
    const current = this.hosted.get(key)?.state;
    const currentTopicId = current?.topicId ?? null;
    if (state.topicId !== null && currentTopicId !== null && state.topicId !== currentTopicId)
      return KafkaErrors.INCONSISTENT_TOPIC_ID;
    if (state.leaderEpoch <= (current?.leaderEpoch ?? NO_LEADER_EPOCH)) return KafkaErrors.STALE_CONTROLLER_EPOCH;
    if (!state.replicas.includes(this.brokerId)) return KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION;
    try {
      this.createLogIfNotExists(state.topicName, state.partitionIndex, topicConfig);
    } catch (error) {
      this.logger.error('could not create the log of a partition', { topic: state.topicName, error: String(error) });
      return KafkaErrors.KAFKA_STORAGE_ERROR;
    }
    const isLeader = state.leader === this.brokerId;
    const partition = this.clusterPartitionOf(state.topicName, state.partitionIndex);
    this.hosted.set(key, { state, partition });
    if (isLeader) partition.makeLeader(state);
    else partition.makeFollower(state);
    this.logger.info(isLeader ? 'became leader' : 'became follower', {
      topic: state.topicName,
      partition: state.partitionIndex,
      leaderEpoch: state.leaderEpoch,
    });
    return KafkaErrors.NONE;
  }

  /** The hosted ClusterPartition around the engine's log, made anew if the log was (a topic deleted and created again). */
  private clusterPartitionOf(topic: string, index: number): ClusterPartition {
    const log = this.engine.partition(topic, index);
    const hosted = this.hosted.get(keyOf(topic, index))?.partition;
    if (hosted?.log === log) return hosted;
    return new ClusterPartition(log, {
      localBrokerId: this.brokerId,
      replicaLagTimeMaxMs: () => this.replication.replicaLagTimeMaxMs,
      minInsyncReplicas: () => Number(this.engine.topicConfig(topic).values['min.insync.replicas']),
      isReplicaIsrEligible: (brokerId) => this.metadataCache.hasAliveBroker(brokerId),
      alterPartitionManager: this.replication.alterPartitionManager,
      listener: this.isrChangeListener,
      logger: this.logger,
    });
  }

  /**
   * Partition.createLogIfNotExists, through the engine, which keeps a topic's partitions
   * 0..n-1: a partition past the topic's count grows it. A new topic's log takes `topicConfig`,
   * its overrides in ZooKeeper (Partition.createLog: configRepository.topicConfig).
   */
  private createLogIfNotExists(
    topic: string,
    partition: number,
    topicConfig: Readonly<Record<string, string>> | undefined,
  ): void {
    // The coordinators' topics keep every record (no compaction yet), as one node's do.
    const config = isInternalTopic(topic) ? { ...INTERNAL_TOPIC_CONFIG } : topicConfig;
    if (!this.engine.hasTopic(topic)) this.engine.createTopic(topic, { partitions: partition + 1, config });
    else if (this.engine.partitionCount(topic) <= partition) this.engine.createPartitions(topic, partition + 1);
  }

  /**
   * ReplicaManager.stopReplicas: an older controller epoch stops nothing; a hosted partition
   * whose leader epoch is newer than the request's is FENCED_LEADER_EPOCH (EpochDuringDelete
   * and NoEpoch skip the check). A stopped partition is no longer served; with deletePartition
   * its log goes. The engine deletes whole topics: the logs go once no partition of the topic
   * is hosted here any more.
   */
  async stopReplicas(
    controllerId: number,
    controllerEpoch: number,
    states: readonly StopReplicaPartitionState[],
  ): Promise<PartitionResult[]> {
    this.checkControllerEpoch('StopReplica', controllerId, controllerEpoch);
    this.controllerEpoch = controllerEpoch;
    const results = states.map((state) => ({ ...state, error: this.stopReplica(state) }));
    // fetcher21: stopPartitions stops their fetchers first.
    this.fetcherManager?.removeFetcherForPartitions(results.filter((r) => r.error === KafkaErrors.NONE));
    const deleted = new Set(
      results.filter((r) => r.deletePartition && r.error === KafkaErrors.NONE).map((r) => r.topic),
    );
    for (const topic of deleted) await this.deleteLogsIfUnhosted(topic);
    return results.map(({ topic, partition, error }) => ({ topic, partition, error }));
  }

  private stopReplica(state: StopReplicaPartitionState): KafkaError {
    const key = keyOf(state.topic, state.partition);
    const hosted = this.hosted.get(key);
    const skipsCheck = state.leaderEpoch === EPOCH_DURING_DELETE || state.leaderEpoch === NO_EPOCH;
    if (hosted !== undefined && !skipsCheck && state.leaderEpoch < hosted.state.leaderEpoch)
      return KafkaErrors.FENCED_LEADER_EPOCH;
    hosted?.partition.stop();
    this.hosted.delete(key);
    this.logger.info('stopped replica', { ...state });
    return KafkaErrors.NONE;
  }

  private async deleteLogsIfUnhosted(topic: string): Promise<void> {
    const stillHosted = [...this.hosted.values()].some((h) => h.state.topicName === topic);
    if (stillHosted || !this.engine.hasTopic(topic)) return;
    await this.engine.deleteTopic(topic);
    this.logger.info('deleted the logs of a stopped topic', { topic });
  }

  /**
   * The partition's log if this broker leads it (ReplicaManager.getPartitionOrException and
   * Partition.leaderLogIfLocal): hosted as a follower, or known to the metadata cache but not
   * hosted here, is NOT_LEADER_OR_FOLLOWER (the client refreshes its metadata); unknown to
   * both, UNKNOWN_TOPIC_OR_PARTITION.
   */
  leaderPartition(topic: string, partition: number): Partition {
    return this.leaderClusterPartition(topic, partition).log;
  }

  /**
   * The hosted partition if this broker leads it in `currentLeaderEpoch` (-1: any), as
   * ReplicaManager.getPartitionOrException and Partition.localLogWithEpochOrThrow check it:
   * FENCED_LEADER_EPOCH for an older epoch, UNKNOWN_LEADER_EPOCH for a newer one, then as
   * leaderPartition.
   */
  leaderClusterPartition(topic: string, partition: number, currentLeaderEpoch = -1): ClusterPartition {
    const hosted = this.hostedPartition(topic, partition);
    hosted.checkLeader(currentLeaderEpoch);
    return hosted;
  }

  /**
   * ReplicaManager.getPartitionOrException: a hosted partition, leader or follower; one known
   * to the metadata cache but not hosted here is NOT_LEADER_OR_FOLLOWER, else
   * UNKNOWN_TOPIC_OR_PARTITION.
   */
  hostedPartition(topic: string, partition: number): ClusterPartition {
    const hosted = this.hosted.get(keyOf(topic, partition));
    if (hosted !== undefined) return hosted.partition;
    if (this.metadataCache.contains(topic, partition)) {
      throw new TributaryError(
        `this broker (${this.brokerId}) is not the leader of ${topic}-${partition}`,
        'ERR_NOT_LEADER_OR_FOLLOWER',
      );
    }
    throw new TributaryError(`unknown topic partition ${topic}-${partition}`, 'ERR_UNKNOWN_TOPIC_OR_PARTITION');
  }

  /**
   * KafkaApis.getCurrentLeader: the leader and leader epoch of a hosted partition, else as the
   * metadata cache has them, else -1 and -1 (KIP-951's hint in a NOT_LEADER_OR_FOLLOWER answer).
   */
  currentLeader(topic: string, partition: number): { leaderId: number; leaderEpoch: number } {
    const state =
      this.hosted.get(keyOf(topic, partition))?.state ?? this.metadataCache.partitionState(topic, partition);
    return state === undefined
      ? { leaderId: -1, leaderEpoch: -1 }
      : { leaderId: state.leader, leaderEpoch: state.leaderEpoch };
  }
}
