/**
 * Engine: a data directory opened by one process, its topics and their partitions, on
 * top of LogManager. Topic metadata lives in the TopicRegistry. Creation is all or
 * nothing: a topic's (or the new partitions') logs are opened first and the registry
 * written last, as the commit; if either fails, the logs just made are removed and the
 * registry is as it was. A delete writes the registry first. On open, registered
 * partitions missing on disk are created empty and partition directories no topic
 * claims (a creation or a delete cut short by a crash) are deleted.
 */
import { fileSystemError, TributaryError } from '../errors.js';
import type { LatencyHistogram } from '../metrics/LatencyHistogram.js';
import type { LogConfig } from '../log/LogConfig.js';
import { LogManager } from '../log/LogManager.js';
import { DataDirLock, makeDataDir } from './DataDirLock.js';
import { engineLimits, engineLogSettings, type EngineOptions } from './EngineOptions.js';
import { Partition, type PartitionStats } from './Partition.js';
import { FileProducerIdManager } from './FileProducerIdManager.js';
import type { ProducerIdManager } from './ProducerIdManager.js';
import {
  checkTopicConfigName,
  collisionKey,
  normalizeTopicConfig,
  normalizeTopicConfigs,
  resolveTopicConfig,
  validateTopicName,
  type ResolvedTopicConfig,
} from './TopicConfig.js';
import type { TopicConfigEntry, TopicDescription, TopicSpec } from './TopicDescription.js';
import { deleteUnclaimedLogs, newTopicId, TopicRegistry, type TopicMetadata } from './TopicRegistry.js';

export type { RecoveryProgress } from '../log/LogSegment.js';

const MAX_PARTITIONS = 1_000_000;

function unknownTopic(name: string): TributaryError {
  return new TributaryError(`unknown topic '${name}'`, 'ERR_UNKNOWN_TOPIC');
}

function checkPartitionCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PARTITIONS) {
    throw new TributaryError(
      `partition count must be an integer in [1, ${MAX_PARTITIONS}], got ${String(count)}`,
      'ERR_INVALID_PARTITIONS',
    );
  }
}

export class Engine {
  private readonly partitions = new Map<string, Partition[]>();
  private closing: Promise<void> | null = null;
  private resolvedConfigs = new WeakMap<TopicMetadata, ResolvedTopicConfig>();
  /** Partitions held, over all topics (checked against maxPartitions). */
  private partitionTotal = 0;

  private constructor(
    readonly dataDir: string,
    private readonly lock: DataDirLock,
    private readonly registry: TopicRegistry,
    /** The broker-level topic defaults (log.retention.ms as retention.ms, ...); setDefaults replaces them. */
    private defaults: Readonly<Record<string, string>>,
    /** The engine's own log settings (broker configs such as producer.id.expiration.ms), under every topic's. */
    private readonly logSettings: Partial<LogConfig>,
    private readonly logs: LogManager,
    readonly maxPartitions: number,
    /** Producer ids for idempotent and transactional producers, the broker's and the embedded ones alike. */
    readonly producerIds: ProducerIdManager,
  ) {
    for (const topic of registry.all()) this.openRegistered(topic);
  }

  /** Takes the data-dir lock (ERR_DATA_DIR_LOCKED), loads the topics and recovers their logs. */
  static async open(options: EngineOptions): Promise<Engine> {
    const defaults = normalizeTopicConfigs(options.defaults);
    resolveTopicConfig(1, {}, defaults);
    const { maxPartitions, maxOpenFiles } = engineLimits(options);
    const logSettings = engineLogSettings(options);
    makeDataDir(options.dataDir);
    const lock = DataDirLock.acquire(options.dataDir);
    try {
      const registry = TopicRegistry.open(options.dataDir);
      const logs = LogManager.open({
        dataDir: options.dataDir,
        configOf: (tp) => {
          const topic = registry.get(tp.topic);
          return topic && tp.partition < topic.partitions
            ? { ...resolveTopicConfig(topic.partitions, topic.config, defaults).log, ...logSettings }
            : null;
        },
        retentionCheckIntervalMs: options.retentionCheckIntervalMs,
        producerIdExpirationCheckIntervalMs: options.producerIdExpirationCheckIntervalMs,
        checkpointIntervalMs: options.checkpointIntervalMs,
        highWatermarkCheckpointIntervalMs: options.highWatermarkCheckpointIntervalMs,
        hwFollowsLogEnd: options.hwFollowsLogEnd,
        recoveryProgress: options.recoveryProgress,
        maxOpenFiles,
      });
      try {
        deleteUnclaimedLogs(options.dataDir, registry);
        const producerIds = options.producerIdManager ?? FileProducerIdManager.open(options.dataDir);
        return new Engine(options.dataDir, lock, registry, defaults, logSettings, logs, maxPartitions, producerIds);
      } catch (error) {
        await logs.close();
        throw error;
      }
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  private checkOpen(): void {
    if (this.closing) throw new TributaryError(`engine for ${this.dataDir} is closed`, 'ERR_ENGINE_CLOSED');
  }

  private topic(name: string): TopicMetadata {
    this.checkOpen();
    const topic = this.registry.get(name);
    if (!topic) throw unknownTopic(name);
    return topic;
  }

  /** Opens (creating when missing) the log of partition `index` of `topic`. */
  private openPartition(topic: TopicMetadata, index: number): Partition {
    const config = { ...resolveTopicConfig(topic.partitions, topic.config, this.defaults).log, ...this.logSettings };
    return new Partition(topic.name, index, this.logs.getOrCreateLog({ topic: topic.name, partition: index }, config));
  }

  /** The partitions of a registered topic, opened at engine open. */
  private openRegistered(topic: TopicMetadata): void {
    const partitions = Array.from({ length: topic.partitions }, (_, i) => this.openPartition(topic, i));
    this.partitions.set(topic.name, partitions);
    this.partitionTotal += partitions.length;
  }

  /**
   * Creates the logs of partitions [from, topic.partitions), all or none: on a failure
   * (EMFILE, ENOSPC, EIO...) those made so far are removed and a TributaryError raised.
   * They become visible when the topic is registered (committed).
   */
  private openNewPartitions(topic: TopicMetadata, from: number): Partition[] {
    const added: Partition[] = [];
    try {
      for (let i = from; i < topic.partitions; i++) added.push(this.openPartition(topic, i));
      return added;
    } catch (error) {
      this.discardPartitions(added);
      throw fileSystemError(`creating partition ${topic.name}-${from + added.length}`, error);
    }
  }

  private discardPartitions(partitions: Partition[]): void {
    for (const p of partitions) {
      p.close();
      this.logs.discardNewLog({ topic: p.topic, partition: p.index });
    }
  }

  /** Makes partitions visible once their topic's registry entry is written. */
  private commitPartitions(name: string, added: Partition[]): void {
    this.partitions.set(name, [...(this.partitions.get(name) ?? []), ...added]);
    this.partitionTotal += added.length;
  }

  /** ERR_PARTITION_LIMIT if `more` partitions (with `pending` not yet committed) would pass maxPartitions. */
  private checkPartitionLimit(name: string, more: number, pending = 0): void {
    if (this.partitionTotal + pending + more <= this.maxPartitions) return;
    throw new TributaryError(
      `topic '${name}': ${more} more partitions would exceed the limit of ${this.maxPartitions} ` +
        `(max.broker.partitions); ${this.partitionTotal} are held`,
      'ERR_PARTITION_LIMIT',
    );
  }

  /**
   * Throws what createTopic would throw for this topic, creating nothing (validateOnly);
   * `pending`: topics of the same batch not registered yet.
   */
  checkNewTopic(name: string, spec: TopicSpec, pending: readonly TopicMetadata[] = []): Record<string, string> {
    this.checkOpen();
    validateTopicName(name);
    if (this.registry.get(name) || pending.some((t) => t.name === name))
      throw new TributaryError(`topic '${name}' already exists`, 'ERR_TOPIC_EXISTS');
    const names = [...this.registry.names(), ...pending.map((t) => t.name)];
    const collides = names.find((n) => collisionKey(n) === collisionKey(name));
    if (collides !== undefined) {
      throw new TributaryError(
        `topic '${name}' collides with existing topic '${collides}' ('.' and '_' are the same in metric names)`,
        'ERR_INVALID_TOPIC',
      );
    }
    checkPartitionCount(spec?.partitions);
    this.checkPartitionLimit(
      name,
      spec.partitions,
      pending.reduce((n, t) => n + t.partitions, 0),
    );
    const config = normalizeTopicConfigs(spec.config);
    resolveTopicConfig(spec.partitions, config, this.defaults);
    return config;
  }

  createTopic(name: string, spec: TopicSpec): TopicDescription {
    const [result] = this.createTopics([{ name, spec }]);
    if (result instanceof TributaryError) throw result;
    return result!;
  }

  /**
   * Creates several topics with one registry write (a Metadata request auto-creating many
   * names): each result is the topic's description or the error that refused it. A topic
   * is created all or nothing; if the registry write fails, none of the batch is.
   */
  createTopics(topics: readonly { name: string; spec: TopicSpec }[]): (TopicDescription | TributaryError)[] {
    const results: (TopicDescription | TributaryError)[] = [];
    const staged: { topic: TopicMetadata; partitions: Partition[]; at: number }[] = [];
    for (const [at, { name, spec }] of topics.entries()) {
      try {
        const config = this.checkNewTopic(
          name,
          spec,
          staged.map((s) => s.topic),
        );
        const topic: TopicMetadata = { name, id: newTopicId(), partitions: spec.partitions, config };
        staged.push({ topic, partitions: this.openNewPartitions(topic, 0), at });
      } catch (error) {
        results[at] = fileSystemError(`creating topic '${name}'`, error);
      }
    }
    try {
      if (staged.length > 0) this.registry.addAll(staged.map((s) => s.topic));
    } catch (error) {
      for (const s of staged) {
        this.discardPartitions(s.partitions);
        results[s.at] = fileSystemError(`registering topic '${s.topic.name}'`, error);
      }
      return results;
    }
    for (const s of staged) {
      this.commitPartitions(s.topic.name, s.partitions);
      results[s.at] = this.describeTopic(s.topic.name);
    }
    return results;
  }

  /** Removes the topic from the registry, then its partition logs from disk. */
  async deleteTopic(name: string): Promise<void> {
    const topic = this.topic(name);
    this.registry.remove(name);
    const partitions = this.partitions.get(name) ?? [];
    this.partitions.delete(name);
    this.partitionTotal -= partitions.length;
    for (const p of partitions) p.close();
    for (let i = 0; i < topic.partitions; i++) await this.logs.deleteLog({ topic: name, partition: i });
  }

  hasTopic(name: string): boolean {
    this.checkOpen();
    return this.registry.get(name) !== undefined;
  }

  /** The topic's Kafka id (base64url Uuid), or undefined for an unknown topic. */
  topicId(name: string): string | undefined {
    return this.registry.get(name)?.id;
  }

  topicNameById(id: string): string | undefined {
    return this.registry.all().find((t) => t.id === id)?.name;
  }

  /** Each topic config with its effective value and where that value comes from. */
  topicConfigEntries(name: string): TopicConfigEntry[] {
    return this.configEntries(this.topicConfig(name).values, this.topic(name).config);
  }

  /**
   * The entries of a topic this engine may not hold, from its overrides as a cluster keeps them
   * (ZooKeeper's /config/topics/<t>) over this engine's defaults: LogConfig.fromProps.
   */
  describeTopicConfig(overrides: Readonly<Record<string, string>>): TopicConfigEntry[] {
    return this.configEntries(resolveTopicConfig(1, overrides, this.defaults).values, overrides);
  }

  private configEntries(
    values: Readonly<Record<string, string>>,
    overrides: Readonly<Record<string, string>>,
  ): TopicConfigEntry[] {
    return Object.entries(values).map(([key, value]) => ({
      name: key,
      value,
      source: key in overrides ? 'topic' : key in this.defaults ? 'broker' : 'default',
    }));
  }

  /**
   * LogConfig.validate for a topic this engine may not hold (a cluster's admin request): every
   * override known and valid, and together with this engine's defaults. Answers them normalized.
   */
  validateTopicConfig(overrides: Readonly<Record<string, string>>): Record<string, string> {
    this.checkOpen();
    const normalized = normalizeTopicConfigs(overrides);
    resolveTopicConfig(1, normalized, this.defaults);
    return normalized;
  }

  listTopics(): string[] {
    this.checkOpen();
    return this.registry.names();
  }

  describeTopic(name: string): TopicDescription {
    const topic = this.topic(name);
    const partitions = this.partitions.get(name)!.map((p) => ({
      partition: p.index,
      logStartOffset: p.logStartOffset,
      logEndOffset: p.logEndOffset,
      size: p.size,
    }));
    return { name, id: topic.id, partitions, config: { ...this.topicConfig(name).values } };
  }

  /** Grows the topic to `totalCount` partitions; ERR_INVALID_PARTITIONS unless it grows. */
  createPartitions(name: string, totalCount: number): TopicDescription {
    const topic = this.topic(name);
    checkPartitionCount(totalCount);
    if (totalCount <= topic.partitions) {
      throw new TributaryError(
        `topic '${name}' has ${topic.partitions} partitions; the count can only grow, asked ${totalCount}`,
        'ERR_INVALID_PARTITIONS',
      );
    }
    this.checkPartitionLimit(name, totalCount - topic.partitions);
    const grown = { ...topic, partitions: totalCount };
    const added = this.openNewPartitions(grown, topic.partitions);
    try {
      this.registry.put(grown);
    } catch (error) {
      this.discardPartitions(added);
      throw fileSystemError(`registering ${totalCount} partitions of topic '${name}'`, error);
    }
    this.commitPartitions(name, added);
    return this.describeTopic(name);
  }

  /** Sets (or, with null, removes) config overrides; every partition log takes them at once. */
  alterTopicConfig(name: string, changes: Record<string, string | number | null>): TopicDescription {
    const topic = this.topic(name);
    const { config, resolved } = this.checkTopicConfigChanges(name, changes);
    this.registry.put({ ...topic, config });
    for (const p of this.partitions.get(name)!) p.updateConfig({ ...resolved.log, ...this.logSettings });
    return this.describeTopic(name);
  }

  /**
   * Makes `config` the topic's whole set of overrides, those it lacks removed (LogManager.updateTopicConfig
   * with what ZooKeeper holds, AlterConfigs' replacement); every partition log takes them at once.
   */
  updateTopicConfig(name: string, config: Readonly<Record<string, string>>): TopicDescription {
    return this.alterTopicConfig(name, this.replacing(name, config));
  }

  /** Throws what updateTopicConfig would throw, changing nothing (validateOnly). */
  checkTopicConfig(name: string, config: Readonly<Record<string, string>>): void {
    this.checkTopicConfigChanges(name, this.replacing(name, config));
  }

  /** The changes that make `config` the topic's overrides: each set, each override it lacks null. */
  private replacing(name: string, config: Readonly<Record<string, string>>): Record<string, string | null> {
    const changes: Record<string, string | null> = { ...config };
    for (const key of Object.keys(this.topic(name).config)) if (!(key in config)) changes[key] = null;
    return changes;
  }

  /**
   * Replaces the broker-level topic defaults, as Kafka's DynamicLogConfig.reconfigure does when
   * a dynamic broker config changes one: every topic not overriding it takes the new value at once.
   */
  setDefaults(defaults: Readonly<Record<string, string>>): void {
    this.defaults = this.checkDefaults(defaults);
    this.resolvedConfigs = new WeakMap();
    for (const topic of this.registry.all()) {
      const resolved = this.topicConfig(topic.name);
      for (const p of this.partitions.get(topic.name) ?? []) p.updateConfig({ ...resolved.log, ...this.logSettings });
    }
  }

  /** Throws what setDefaults would throw (a value Kafka refuses, or a topic it would leave invalid), changing nothing. */
  checkDefaults(defaults: Readonly<Record<string, string>>): Record<string, string> {
    this.checkOpen();
    const normalized = normalizeTopicConfigs(defaults);
    resolveTopicConfig(1, {}, normalized);
    for (const topic of this.registry.all()) resolveTopicConfig(topic.partitions, topic.config, normalized);
    return normalized;
  }

  /** Throws what alterTopicConfig would throw, changing nothing (validateOnly). */
  checkTopicConfigChanges(
    name: string,
    changes: Record<string, string | number | null>,
  ): { config: Record<string, string>; resolved: ResolvedTopicConfig } {
    const topic = this.topic(name);
    const config = { ...topic.config };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) {
        checkTopicConfigName(key);
        delete config[key];
      } else {
        config[key] = normalizeTopicConfig(key, value);
      }
    }
    return { config, resolved: resolveTopicConfig(topic.partitions, config, this.defaults) };
  }

  /**
   * The typed effective config of a topic (what producers need: maxMessageBytes,
   * compressionType, ...); cached per registry entry, which every change replaces.
   */
  topicConfig(name: string): ResolvedTopicConfig {
    const topic = this.topic(name);
    let resolved = this.resolvedConfigs.get(topic);
    if (resolved === undefined) {
      resolved = resolveTopicConfig(topic.partitions, topic.config, this.defaults);
      this.resolvedConfigs.set(topic, resolved);
    }
    return resolved;
  }

  partition(topic: string, partition: number): Partition {
    this.checkOpen();
    const found = this.partitions.get(topic)?.[partition];
    if (found === undefined) {
      throw new TributaryError(
        `unknown topic partition ${topic}-${String(partition)}`,
        'ERR_UNKNOWN_TOPIC_OR_PARTITION',
      );
    }
    return found;
  }

  partitionCount(name: string): number {
    return this.topic(name).partitions;
  }

  /** One entry per partition, sorted by topic then partition. */
  stats(): PartitionStats[] {
    this.checkOpen();
    return this.registry.names().flatMap((name) => this.partitions.get(name)!.map((p) => p.stats()));
  }

  /** How long flushes (fdatasync) of every log took. */
  get flushLatency(): LatencyHistogram {
    return this.logs.flushLatency;
  }

  /** Wakes waiters, closes every log (flushing it), checkpoints and releases the lock; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    for (const partitions of this.partitions.values()) for (const p of partitions) p.close();
    try {
      await this.logs.close();
    } finally {
      this.lock.release();
    }
  }
}
