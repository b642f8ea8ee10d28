/**
 * ReplicaFetcherManager: the follower side of replication (Kafka 3.8's AbstractFetcherManager
 * with ReplicaFetcherManager). One fetcher per source broker (num.replica.fetchers = 1): a
 * partition this broker follows is fetched by the fetcher of its leader, at the leader's
 * endpoint on the inter-broker listener as the metadata cache has it. The replica manager
 * drives it after each LeaderAndIsr (ReplicaManager.makeLeaders / makeFollowers): new
 * leaders' and new followers' fetchers are removed first, so a follower starts again from
 * a fresh state; followers are then added with their initial fetch offset, and fetchers left
 * with no partition are closed. StopReplica removes; the broker's close shuts every fetcher.
 */
import { brokerConfigValue, type BrokerConfig } from './BrokerConfig.js';
import type { Logger } from './Logger.js';
import type { MetadataCache, TopicPartition } from './MetadataCache.js';
import type { PartitionFetchState } from './PartitionFetchState.js';
import { RemoteLeaderEndPoint, type BrokerEndPoint, type ReplicaFetcherSettings } from './RemoteLeaderEndPoint.js';
import {
  partitionKey,
  ReplicaFetcherThread,
  type InitialFetchState,
  type LocalPartitions,
} from './ReplicaFetcherThread.js';

/** A partition to follow: its leader's id and the LeaderAndIsr leader epoch. */
export interface FollowerPartition {
  readonly topic: string;
  readonly partition: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

/** The replica.* configs a broker runs with (KafkaConfig's, Kafka's defaults from BrokerConfigDef). */
export function replicaFetcherSettings(config: BrokerConfig, brokerId: number): ReplicaFetcherSettings {
  const numberOf = (name: string) => Number(brokerConfigValue(config, name));
  return {
    brokerId,
    fetchWaitMaxMs: numberOf('replica.fetch.wait.max.ms'),
    fetchMinBytes: numberOf('replica.fetch.min.bytes'),
    fetchResponseMaxBytes: numberOf('replica.fetch.response.max.bytes'),
    fetchMaxBytes: numberOf('replica.fetch.max.bytes'),
    fetchBackoffMs: numberOf('replica.fetch.backoff.ms'),
    socketTimeoutMs: numberOf('replica.socket.timeout.ms'),
  };
}

export interface ReplicaFetcherManagerOptions {
  readonly settings: ReplicaFetcherSettings;
  readonly metadataCache: MetadataCache;
  /** inter.broker.listener.name: leaders are reached at their endpoint on it. */
  readonly listenerName: string;
  readonly localPartition: LocalPartitions;
  readonly logger: Logger;
}

export class ReplicaFetcherManager {
  /** fetcherThreadMap, by source broker id (one fetcher per broker). */
  private readonly fetchers = new Map<number, ReplicaFetcherThread>();
  /** FailedPartitions: partitions a fetcher gave up on until they are added again. */
  readonly failedPartitions = new Set<string>();

  constructor(private readonly options: ReplicaFetcherManagerOptions) {}

  /**
   * After a LeaderAndIsr (ReplicaManager.becomeLeaderOrFollower), the partitions that became
   * leaders and those that became followers; then idle fetchers are closed. A follower's
   * steps are makeFollowers': its fetcher removed, then added to its leader's fetcher from its initial fetch offset (ReplicaManager.initialFetchOffset:
   * the high watermark, truncation by OffsetForLeaderEpoch deciding where it goes from there).
   * A leader not alive in the metadata cache gets no fetcher (makeFollowers skips it, as Kafka).
   */
  onLeadershipChange(leaders: readonly TopicPartition[], followers: readonly FollowerPartition[]): void {
    // ReplicaManager.makeLeaders: a new leader fetches no more.
    this.removeFetcherForPartitions(leaders);
    this.makeFollowers(followers);
    this.shutdownIdleFetcherThreads();
  }

  private makeFollowers(partitions: readonly FollowerPartition[]): void {
    // Stopping the fetchers first, so the fetch position starts anew (makeFollowers).
    this.removeFetcherForPartitions(partitions);
    const byLeader = new Map<number, { leader: BrokerEndPoint; initial: InitialFetchState[] }>();
    for (const p of partitions) {
      const node = this.options.metadataCache.aliveEndpoint(p.leaderId, this.options.listenerName);
      if (node === undefined) {
        this.options.logger.error('cannot become follower since the new leader is unavailable', { ...p });
        continue;
      }
      const local = this.options.localPartition(p.topic, p.partition);
      const group = byLeader.get(p.leaderId) ?? {
        leader: { id: p.leaderId, host: node.host, port: node.port },
        initial: [],
      };
      group.initial.push({
        topic: p.topic,
        partition: p.partition,
        currentLeaderEpoch: p.leaderEpoch,
        initOffset: local.highWatermark,
      });
      byLeader.set(p.leaderId, group);
    }
    for (const { leader, initial } of byLeader.values()) this.addFetcherForPartitions(leader, initial);
  }

  /**
   * AbstractFetcherManager.addFetcherForPartitions: the broker's fetcher, made (and started)
   * if missing or if the broker moved to another endpoint.
   */
  private addFetcherForPartitions(leader: BrokerEndPoint, initial: readonly InitialFetchState[]): void {
    let fetcher = this.fetchers.get(leader.id);
    const endpoint = fetcher?.leaderEndPoint;
    if (fetcher !== undefined && (endpoint?.host !== leader.host || endpoint.port !== leader.port)) {
      void fetcher.shutdown();
      fetcher = undefined;
    }
    if (fetcher === undefined) {
      const { settings, localPartition, logger } = this.options;
      fetcher = new ReplicaFetcherThread(
        new RemoteLeaderEndPoint(leader, settings),
        settings,
        localPartition,
        this.failedPartitions,
        logger,
      );
      this.fetchers.set(leader.id, fetcher);
      fetcher.start();
    }
    fetcher.addPartitions(initial);
    this.options.logger.info('Added fetcher to broker for partitions', {
      leader: leader.id,
      partitions: initial.map((i) => partitionKey(i.topic, i.partition)),
    });
  }

  /** removeFetcherForPartitions: from every fetcher, and from the failed ones; their last fetch states. */
  removeFetcherForPartitions(partitions: readonly { topic: string; partition: number }[]): PartitionFetchState[] {
    const keys = partitions.map((p) => partitionKey(p.topic, p.partition));
    const removed = [...this.fetchers.values()].flatMap((f) => f.removePartitions(keys));
    for (const key of keys) this.failedPartitions.delete(key);
    if (removed.length > 0)
      this.options.logger.info('Removed fetcher for partitions', {
        partitions: removed.map((s) => partitionKey(s.topic, s.partition)),
      });
    return removed;
  }

  /** shutdownIdleFetcherThreads: a fetcher following nothing is closed. */
  shutdownIdleFetcherThreads(): void {
    for (const [id, fetcher] of this.fetchers)
      if (fetcher.partitionCount === 0) {
        this.fetchers.delete(id);
        void fetcher.shutdown();
      }
  }

  /** The fetch state of a followed partition, whichever fetcher has it (AbstractFetcherManager.getFetcher). */
  fetchState(topic: string, partition: number): PartitionFetchState | undefined {
    for (const fetcher of this.fetchers.values()) {
      const state = fetcher.fetchState(topic, partition);
      if (state !== undefined) return state;
    }
    return undefined;
  }

  /**
   * Each followed partition's lag behind its leader's high watermark at the last fetch
   * (FetcherLagMetrics' ConsumerLag; none before a first fetch).
   */
  lags(): { topic: string; partition: number; lag: number }[] {
    const lags = [];
    for (const fetcher of this.fetchers.values())
      for (const { topic, partition, lag } of fetcher.fetchStates())
        if (lag !== null) lags.push({ topic, partition, lag });
    return lags;
  }

  /** ReplicaFetcherManager.shutdown (closeAllFetchers): every fetcher stopped, its turn in progress awaited. */
  async shutdown(): Promise<void> {
    const fetchers = [...this.fetchers.values()];
    this.fetchers.clear();
    await Promise.all(fetchers.map((f) => f.shutdown()));
  }
}
