/**
 * MetadataCache: what this broker knows of the cluster, as the controller last told it by
 * UpdateMetadata (Kafka's ZkMetadataCache, 3.8): the live brokers with their endpoints by
 * listener and their racks, the controller's id, each partition's state (leader, leader
 * epoch, replicas, ISR, offline replicas) and the topic ids. Metadata, DescribeCluster and
 * FindCoordinator answer from it in cluster mode; the replica manager asks it whether a
 * partition it does not host exists at all.
 */
import { KafkaErrors } from '../errors.js';

export interface BrokerEndpoint {
  readonly listener: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: number;
}

export interface AliveBroker {
  readonly id: number;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
}

/** UpdateMetadataPartitionState, by topic name and partition. */
export interface PartitionState {
  readonly topicName: string;
  readonly partitionIndex: number;
  readonly controllerEpoch: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly zkVersion: number;
  readonly replicas: readonly number[];
  readonly offlineReplicas: readonly number[];
}

/** An UpdateMetadata request of any version, normalized (UpdateMetadataRequest.normalize). */
export interface MetadataUpdate {
  readonly controllerId: number;
  readonly liveBrokers: readonly AliveBroker[];
  /** Topic ids by name; the zero id (base64url of 16 zero bytes) means none. */
  readonly topicIds: ReadonlyMap<string, string>;
  readonly partitionStates: readonly PartitionState[];
}

/** A node as Metadata and DescribeCluster list it: one broker's endpoint on one listener. */
export interface Node {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/** MetadataResponsePartition's fields, as ZkMetadataCache.getPartitionMetadata fills them. */
export interface PartitionMetadata {
  readonly errorCode: number;
  readonly partitionIndex: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicaNodes: number[];
  readonly isrNodes: number[];
  readonly offlineReplicas: number[];
}

/** LeaderAndIsr.LeaderDuringDelete: the partition's topic is being deleted. */
export const LEADER_DURING_DELETE = -2;
/** MetadataResponse.NO_LEADER_ID, NO_CONTROLLER_ID. */
export const NO_LEADER_ID = -1;
export const NO_CONTROLLER_ID = -1;
/** Uuid.ZERO_UUID as a base64url topic id. */
export const ZERO_TOPIC_ID = Buffer.alloc(16).toString('base64url');

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** How unavailable brokers show (v0 filters them out; v6+ name a missing listener). */
export interface MetadataErrors {
  readonly errorUnavailableEndpoints: boolean;
  readonly errorUnavailableListeners: boolean;
}

export class MetadataCache {
  private aliveBrokers = new Map<number, AliveBroker>();
  private partitionStates = new Map<string, Map<number, PartitionState>>();
  private topicIds = new Map<string, string>();
  private controller: number | null = null;
  /** Who waits for the next update (a delayed admin operation's tryComplete); each woken once. */
  private waiters = new Set<() => void>();

  /**
   * ZkMetadataCache.updateMetadata: the live brokers and controller are replaced, the
   * partition states merged (the controller sends only what changed), and a partition whose
   * leader is LeaderDuringDelete removed, with its topic once it has none left. Returns the
   * partitions removed.
   */
  updateMetadata(update: MetadataUpdate): TopicPartition[] {
    this.controller = update.controllerId < 0 ? null : update.controllerId;
    this.aliveBrokers = new Map(update.liveBrokers.map((b) => [b.id, b]));
    for (const [topic, id] of update.topicIds) {
      if (id === ZERO_TOPIC_ID) this.topicIds.delete(topic);
      else this.topicIds.set(topic, id);
    }
    const deleted = new Map<string, TopicPartition>();
    for (const state of update.partitionStates) {
      const key = `${state.topicName}-${String(state.partitionIndex)}`;
      if (state.leader === LEADER_DURING_DELETE) {
        this.removePartition(state.topicName, state.partitionIndex);
        deleted.set(key, { topic: state.topicName, partition: state.partitionIndex });
      } else {
        this.partitionsOf(state.topicName).set(state.partitionIndex, state);
        deleted.delete(key);
      }
    }
    this.wakeWaiters();
    return [...deleted.values()];
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /**
   * Resolves true once `done` holds, looked at after every update (Kafka's delayed admin
   * operations, DelayedCreatePartitions and the like, are tried when the metadata changes),
   * false at `timeoutMs` or when `signal` aborts.
   */
  async waitFor(done: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted) return false;
      await this.nextUpdate(left, signal);
    }
    return true;
  }

  /** Resolves at the next update, after `ms`, or on abort, whichever comes first. */
  private nextUpdate(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      signal.addEventListener('abort', wake, { once: true });
      this.waiters.add(wake);
    });
  }

  private partitionsOf(topic: string): Map<number, PartitionState> {
    let partitions = this.partitionStates.get(topic);
    if (partitions === undefined) this.partitionStates.set(topic, (partitions = new Map()));
    return partitions;
  }

  private removePartition(topic: string, partition: number): void {
    const partitions = this.partitionStates.get(topic);
    if (partitions === undefined) return;
    partitions.delete(partition);
    if (partitions.size === 0) {
      this.partitionStates.delete(topic);
      this.topicIds.delete(topic);
    }
  }

  get controllerId(): number | null {
    return this.controller;
  }

  contains(topic: string, partition?: number): boolean {
    const partitions = this.partitionStates.get(topic);
    return partitions !== undefined && (partition === undefined || partitions.has(partition));
  }

  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.partitionStates.get(topic)?.get(partition);
  }

  /** The partition indexes of `topic` the cache knows, none for an unknown topic. */
  allPartitions(topic: string): number[] {
    return [...(this.partitionStates.get(topic)?.keys() ?? [])];
  }

  allTopics(): string[] {
    return [...this.partitionStates.keys()];
  }

  /** The topic's id (base64url), ZERO_TOPIC_ID when the controller gave none. */
  topicId(topic: string): string {
    return this.topicIds.get(topic) ?? ZERO_TOPIC_ID;
  }

  topicName(id: string): string | undefined {
    for (const [name, topicId] of this.topicIds) if (topicId === id) return name;
    return undefined;
  }

  /** ZkMetadataCache.getAliveBrokers: ids and racks, what replica assignment needs. */
  aliveBrokerMetadata(): { id: number; rack?: string }[] {
    return [...this.aliveBrokers.values()]
      .map((b) => (b.rack === null ? { id: b.id } : { id: b.id, rack: b.rack }))
      .sort((a, b) => a.id - b.id);
  }

  /** ZkMetadataCache.getAliveBrokerNodes: every live broker with an endpoint on `listener`. */
  aliveBrokerNodes(listener: string): Node[] {
    return [...this.aliveBrokers.values()].flatMap((b) => {
      const node = this.aliveEndpoint(b.id, listener);
      return node === undefined ? [] : [node];
    });
  }

  /** ZkMetadataCache.getAliveEndpoint: the broker's node on `listener`, if it is alive and has one. */
  /** ZkMetadataCache.hasAliveBroker: the broker is registered (a follower may join an ISR only then). */
  hasAliveBroker(id: number): boolean {
    return this.aliveBrokers.has(id);
  }

  aliveEndpoint(id: number, listener: string): Node | undefined {
    const broker = this.aliveBrokers.get(id);
    const endpoint = broker?.endpoints.find((e) => e.listener === listener);
    return endpoint === undefined
      ? undefined
      : { nodeId: id, host: endpoint.host, port: endpoint.port, rack: broker!.rack };
  }

  /**
   * ZkMetadataCache.getPartitionMetadata: each partition of `topic` by index, or undefined
   * for a topic the cache does not know. A leader that is not alive is LEADER_NOT_AVAILABLE;
   * alive without the listener, LISTENER_NOT_FOUND when `errorUnavailableListeners` (v6+);
   * replicas or ISR members not alive, REPLICA_NOT_AVAILABLE (and left out when
   * `errorUnavailableEndpoints`, v0).
   */
  topicMetadata(topic: string, listener: string, errors: MetadataErrors): PartitionMetadata[] | undefined {
    const partitions = this.partitionStates.get(topic);
    if (partitions === undefined) return undefined;
    return [...partitions.values()].map((state) => this.partitionMetadata(state, listener, errors));
  }

  private partitionMetadata(state: PartitionState, listener: string, errors: MetadataErrors): PartitionMetadata {
    const alive = (ids: readonly number[]) =>
      errors.errorUnavailableEndpoints ? ids.filter((id) => this.aliveEndpoint(id, listener) !== undefined) : [...ids];
    const replicaNodes = alive(state.replicas);
    const isrNodes = alive(state.isr);
    const common = {
      partitionIndex: state.partitionIndex,
      leaderEpoch: state.leaderEpoch,
      replicaNodes,
      isrNodes,
      offlineReplicas: [...state.offlineReplicas],
    };
    if (this.aliveEndpoint(state.leader, listener) === undefined) {
      const missingListener = this.aliveBrokers.has(state.leader) && errors.errorUnavailableListeners;
      const error = missingListener ? KafkaErrors.LISTENER_NOT_FOUND : KafkaErrors.LEADER_NOT_AVAILABLE;
      return { ...common, errorCode: error.code, leaderId: NO_LEADER_ID };
    }
    const unavailable = replicaNodes.length < state.replicas.length || isrNodes.length < state.isr.length;
    return {
      ...common,
      errorCode: unavailable ? KafkaErrors.REPLICA_NOT_AVAILABLE.code : 0,
      leaderId: state.leader,
    };
  }
}
