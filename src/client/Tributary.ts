/**
 * Tributary: a data directory opened in-process, with no server: topics (admin),
 * producers and consumers over the same logs a broker would serve. One process owns
 * a data directory at a time (ERR_DATA_DIR_LOCKED otherwise).
 */
import { Engine } from '../engine/Engine.js';
import type { PartitionStats } from '../engine/Partition.js';
import { TributaryError } from '../errors.js';
import { Admin } from './Admin.js';
import { Consumer, type ConsumerOptions } from './Consumer.js';
import { Producer, type ProducerOptions } from './Producer.js';

export interface TributaryOptions {
  dataDir: string;
  /** Defaults under every topic's own configs, by Kafka name (e.g. { 'retention.ms': 86400000 }). */
  topicDefaults?: Record<string, string | number>;
}

export class Tributary {
  readonly admin: Admin;
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<Consumer>();
  private closing: Promise<void> | null = null;

  private constructor(private readonly engine: Engine) {
    this.admin = new Admin(engine);
  }

  static async open(options: TributaryOptions): Promise<Tributary> {
    const defaults = Object.fromEntries(Object.entries(options.topicDefaults ?? {}).map(([key, value]) => [key, String(value)]));
    return new Tributary(await Engine.open({ dataDir: options.dataDir, defaults }));
  }

  get dataDir(): string {
    return this.engine.dataDir;
  }

  producer(options: ProducerOptions = {}): Producer {
    this.checkOpen();
    const producer = new Producer(this.engine, options);
    this.producers.add(producer);
    return producer;
  }

  consumer(options: ConsumerOptions = {}): Consumer {
    this.checkOpen();
    const consumer = new Consumer(this.engine, options);
    this.consumers.add(consumer);
    return consumer;
  }

  /** Per-partition counters: records and bytes in and out, offsets, log size. */
  stats(): PartitionStats[] {
    return this.engine.stats();
  }

  /** Flushes and closes every producer, ends every consumer, then closes the logs and releases the directory. */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    const producers = await Promise.allSettled([...this.producers].map((p) => p.close()));
    const consumers = await Promise.allSettled([...this.consumers].map((c) => c.close()));
    await this.engine.close();
    // A producer whose last batches failed to append must not close silently.
    const failed = [...producers, ...consumers].find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }

  private checkOpen(): void {
    if (this.closing !== null) throw new TributaryError(`tributary at ${this.dataDir} is closed`, 'ERR_CLOSED');
  }
}
