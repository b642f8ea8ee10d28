/**
 * Tributary: a data directory opened in-process, with no server: topics (admin),
 * producers and consumers over the same logs a broker would serve. One process owns
 * a data directory at a time (ERR_DATA_DIR_LOCKED otherwise).
 */
import { Engine } from '../engine/Engine.js';
import type { PartitionStats } from '../engine/Partition.js';
import { TributaryError } from '../errors.js';
import { GroupCoordinator, type GroupLag } from '../group/GroupCoordinator.js';
import type { LatencySummary } from '../metrics/LatencyHistogram.js';
import { Admin } from './Admin.js';
import {
  checkConfigs,
  checkNonEmptyString,
  checkOptionalPositiveInteger,
  checkOptions,
  checkPositiveInteger,
} from './Arguments.js';
import { Consumer, type ConsumerOptions } from './Consumer.js';
import type { GroupCoordinatorApi } from './ConsumerCoordinator.js';
import { GroupConsumer, type GroupConsumerOptions } from './GroupConsumer.js';
import { Producer, type ProducerOptions } from './Producer.js';
import { TransactionCoordinator, type TransactionCoordinatorConfig } from '../transaction/TransactionCoordinator.js';
import { inProcessTransactionCoordinator } from './TransactionCoordinatorClient.js';
import type { TransactionCoordinatorClient } from './TransactionManager.js';

export interface TributaryOptions {
  dataDir: string;
  /** Defaults under every topic's own configs, by Kafka name, each a string (e.g. { 'retention.ms': '86400000' }). */
  topicDefaults?: Record<string, string>;
  /** Most partitions the directory holds, over all topics (max.broker.partitions); default 10000. */
  maxPartitions?: number;
  /** Most descriptors partitions' active segments hold at once (log.max.open.files); default half of `ulimit -n`. */
  maxOpenFiles?: number;
  /**
   * The transaction coordinator's settings (transaction.max.timeout.ms as maxTimeoutMs,
   * transaction.abort.timed.out.transaction.cleanup.interval.ms as
   * abortTimedOutTransactionsIntervalMs, ...); Kafka's defaults otherwise.
   */
  transactions?: Partial<TransactionCoordinatorConfig>;
}

export interface TributaryStats {
  /** Per partition, by topic then partition: records and bytes in and out, offsets, log size. */
  partitions: PartitionStats[];
  /** Flushes (fdatasync) of every log since the data directory was opened. */
  flush: LatencySummary;
  /** Consumer group lag per committed partition; empty until the group coordinator is open. */
  groups: GroupLag[];
}

export class Tributary {
  readonly admin: Admin;
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<Consumer | GroupConsumer>();
  /** The engine's one group coordinator, opened by the first group consumer. */
  private coordinator: Promise<GroupCoordinator> | null = null;
  private openedCoordinator: GroupCoordinator | null = null;
  /** The engine's one transaction coordinator, opened by the first transactional producer. */
  private transactionCoordinator: Promise<TransactionCoordinator> | null = null;
  private readonly transactionClient: TransactionCoordinatorClient;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly engine: Engine,
    private readonly transactionConfig: Partial<TransactionCoordinatorConfig>,
  ) {
    this.admin = new Admin(engine);
    this.transactionClient = inProcessTransactionCoordinator(async () => ({
      transactions: await this.openTransactionCoordinator(),
      groups: await this.openCoordinator(),
    }));
  }

  static async open(options: TributaryOptions): Promise<Tributary> {
    const { dataDir, topicDefaults, maxPartitions, maxOpenFiles, transactions } = checkOptions(
      'Tributary.open: options',
      options,
    );
    const dir = checkNonEmptyString('Tributary.open: dataDir', dataDir);
    const defaults = checkConfigs('Tributary.open: topicDefaults', topicDefaults);
    return new Tributary(
      await Engine.open({
        dataDir: dir,
        defaults,
        maxPartitions: checkOptionalPositiveInteger('Tributary.open: maxPartitions', maxPartitions),
        maxOpenFiles: checkOptionalPositiveInteger('Tributary.open: maxOpenFiles', maxOpenFiles),
      }),
      checkTransactionConfig(transactions),
    );
  }

  get dataDir(): string {
    return this.engine.dataDir;
  }

  producer(options: ProducerOptions = {}): Producer {
    this.checkOpen();
    const producer = new Producer(this.engine, options, this.transactionClient);
    this.producers.add(producer);
    return producer;
  }

  /** With a groupId, a member of that consumer group (subscribe()); without, a consumer of the partitions it is assigned. */
  consumer(options: GroupConsumerOptions): GroupConsumer;
  consumer(options?: ConsumerOptions): Consumer;
  consumer(options: ConsumerOptions | GroupConsumerOptions = {}): Consumer | GroupConsumer {
    this.checkOpen();
    checkOptions('consumer: options', options);
    const consumer =
      'groupId' in options
        ? new GroupConsumer(this.engine, this.lazyCoordinator(), options)
        : new Consumer(this.engine, options);
    this.consumers.add(consumer);
    return consumer;
  }

  /** The group coordinator of this data directory, opened on first use (it loads __consumer_offsets). */
  groupCoordinator(): Promise<GroupCoordinator> {
    this.checkOpen();
    return this.openCoordinator();
  }

  /**
   * What a Broker serving this data directory from the same process works with (Broker.start({ tributary })):
   * the engine and the group and transaction coordinators, so embedded and remote members share
   * groups, and embedded and remote producers transactional ids.
   */
  async brokerResources(): Promise<{ engine: Engine; groups: GroupCoordinator; transactions: TransactionCoordinator }> {
    this.checkOpen();
    return {
      engine: this.engine,
      groups: await this.openCoordinator(),
      transactions: await this.openTransactionCoordinator(),
    };
  }

  /** The transaction coordinator, opened on first use (it loads __transaction_state and completes what it finds). */
  private openTransactionCoordinator(): Promise<TransactionCoordinator> {
    this.transactionCoordinator ??= this.openCoordinator().then((groups) =>
      TransactionCoordinator.open({ engine: this.engine, groups, config: this.transactionConfig }),
    );
    return this.transactionCoordinator;
  }

  private openCoordinator(): Promise<GroupCoordinator> {
    this.coordinator ??= GroupCoordinator.open({ engine: this.engine }).then((c) => (this.openedCoordinator = c));
    return this.coordinator;
  }

  /** The coordinator's calls, each waiting for it to open. */
  private lazyCoordinator(): GroupCoordinatorApi {
    // Not groupCoordinator(): members still leave the group while t.close() runs.
    const open = (): Promise<GroupCoordinator> => this.openCoordinator();
    return {
      joinGroup: async (r) => (await open()).joinGroup(r),
      syncGroup: async (r) => (await open()).syncGroup(r),
      heartbeat: async (r) => (await open()).heartbeat(r),
      leaveGroup: async (r) => (await open()).leaveGroup(r),
      commitOffsets: async (r) => (await open()).commitOffsets(r),
      fetchOffsets: async (r) => (await open()).fetchOffsets(r),
    };
  }

  /** What a broker's /metrics reports of this data directory, as numbers. */
  stats(): TributaryStats {
    return {
      partitions: this.engine.stats(),
      flush: this.engine.flushLatency.summary(),
      groups: this.openedCoordinator?.lag() ?? [],
    };
  }

  /** Flushes and closes every producer, ends every consumer, then closes the logs and releases the directory. */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    const producers = await Promise.allSettled([...this.producers].map((p) => p.close()));
    const consumers = await Promise.allSettled([...this.consumers].map((c) => c.close()));
    // The transaction coordinator ends transactions' offsets in the group coordinator: it closes first.
    const transactions = await Promise.allSettled(
      this.transactionCoordinator === null ? [] : [this.transactionCoordinator.then((c) => c.close())],
    );
    const coordinator = await Promise.allSettled(
      this.coordinator === null ? [] : [this.coordinator.then((c) => c.close())],
    );
    await this.engine.close();
    // A producer whose last batches failed to append must not close silently.
    const failed = [...producers, ...consumers, ...transactions, ...coordinator].find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }

  private checkOpen(): void {
    if (this.closing !== null) throw new TributaryError(`tributary at ${this.dataDir} is closed`, 'ERR_CLOSED');
  }
}

const TRANSACTION_CONFIG_NAMES: readonly (keyof TransactionCoordinatorConfig)[] = [
  'stateLogNumPartitions',
  'maxTimeoutMs',
  'transactionalIdExpirationMs',
  'abortTimedOutTransactionsIntervalMs',
  'removeExpiredTransactionalIdsIntervalMs',
];

function checkTransactionConfig(
  config: Partial<TransactionCoordinatorConfig> | undefined,
): Partial<TransactionCoordinatorConfig> {
  const given: Record<string, unknown> = checkOptions('Tributary.open: transactions', config);
  const checked: Partial<TransactionCoordinatorConfig> = {};
  for (const [name, value] of Object.entries(given)) {
    if (!(TRANSACTION_CONFIG_NAMES as readonly string[]).includes(name))
      throw new TributaryError(`Tributary.open: unknown transactions setting ${name}`, 'ERR_INVALID_CONFIG');
    checked[name as keyof TransactionCoordinatorConfig] = checkPositiveInteger(
      `Tributary.open: transactions.${name}`,
      value,
    );
  }
  return checked;
}
