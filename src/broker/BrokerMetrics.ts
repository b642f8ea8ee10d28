/**
 * BrokerMetrics: the broker's Prometheus metrics, in a registry of its own (two brokers
 * in one process do not clash). Requests pay one counter and one histogram bucket each;
 * everything else (traffic per topic, offsets and sizes per partition, group lag,
 * connections, flush latency) is read from the engine when scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, type LabelValues, type Metric } from 'prom-client';
import type { Engine } from '../engine/Engine.js';
import type { PartitionStats } from '../engine/Partition.js';
import type { GroupCoordinator } from '../group/GroupCoordinator.js';
import { LATENCY_BUCKETS, LatencyHistogram } from '../metrics/LatencyHistogram.js';
import { apiName } from '../protocol/index.js';
import type { MemoryPool } from './MemoryPool.js';
import type { ReplicaManager } from './ReplicaManager.js';

export interface MetricsSources {
  engine: Engine;
  groups: GroupCoordinator;
  connections: () => number;
  memoryPool: MemoryPool;
  /** In a cluster: the partitions' replication. */
  replicaManager?: ReplicaManager;
}

type Sample<T extends string> = [LabelValues<T>, number];

interface ApiRequests {
  api: string;
  latency: LatencyHistogram;
  /** Requests by API version. */
  counts: number[];
}

/**
 * Registers a histogram whose counts live in LatencyHistograms, read when scraped.
 * prom-client's Histogram has no way to set bucket counts, and its registry reads any
 * metric through get(): this one provides that and nothing else.
 */
function registerSampledHistogram(
  registry: Registry,
  name: string,
  help: string,
  sample: () => [LabelValues<string>, LatencyHistogram][],
): void {
  const header = { name, help, type: 'histogram', aggregator: 'sum' };
  const get = async () => ({
    ...header,
    values: sample().flatMap(([labels, histogram]) => [
      ...histogram
        .cumulativeCounts()
        .map((value, i) => ({ labels: { ...labels, le: LATENCY_BUCKETS[i]! }, value, metricName: `${name}_bucket` })),
      { labels: { ...labels, le: '+Inf' }, value: histogram.count, metricName: `${name}_bucket` },
      { labels, value: histogram.sum, metricName: `${name}_sum` },
      { labels, value: histogram.count, metricName: `${name}_count` },
    ]),
  });
  registry.registerMetric({ ...header, get } as unknown as Metric);
}

/** A collect() that replaces the metric's values with what `sample` reads now. */
function refill<T extends string, M extends { reset(): void }>(
  sample: () => Sample<T>[],
  put: (metric: M, labels: LabelValues<T>, value: number) => void,
) {
  return function (this: M): void {
    this.reset();
    for (const [labels, value] of sample()) put(this, labels, value);
  };
}

function perTopic(
  stats: PartitionStats[],
  field: 'bytesIn' | 'bytesOut' | 'recordsIn' | 'recordsOut',
): Sample<'topic'>[] {
  const totals = new Map<string, number>();
  for (const s of stats) totals.set(s.topic, (totals.get(s.topic) ?? 0) + s[field]);
  return [...totals].map(([topic, value]) => [{ topic }, value]);
}

function perPartition(
  stats: PartitionStats[],
  field: 'logStartOffset' | 'logEndOffset' | 'size',
): Sample<'topic' | 'partition'>[] {
  return stats.map((s) => [{ topic: s.topic, partition: s.partition }, s[field]]);
}

let processRegistry: Registry | undefined;

/**
 * CPU, memory, event loop lag and GC belong to the process, not to a broker: they are
 * collected once, into one registry that every broker's scrape includes. prom-client's
 * monitors behind them (an event loop delay histogram, a GC observer) cannot be stopped, so
 * a set per broker would stay running for every broker a process ever started.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class BrokerMetrics {
  /** The process's metrics, then this broker's own (registered below). */
  readonly registry = Registry.merge([processMetrics(), new Registry()]);
  private readonly requests: (ApiRequests | undefined)[] = [];

  constructor(sources: MetricsSources) {
    const { engine, groups } = sources;
    this.counter(
      'tributary_topic_bytes_in_total',
      'Bytes appended to the topic (produced), batch bytes as stored',
      ['topic'],
      () => perTopic(engine.stats(), 'bytesIn'),
    );
    this.counter('tributary_topic_bytes_out_total', 'Bytes of the topic sent to consumers', ['topic'], () =>
      perTopic(engine.stats(), 'bytesOut'),
    );
    this.counter('tributary_topic_records_in_total', 'Records appended to the topic', ['topic'], () =>
      perTopic(engine.stats(), 'recordsIn'),
    );
    this.counter('tributary_topic_records_out_total', 'Records of the topic sent to consumers', ['topic'], () =>
      perTopic(engine.stats(), 'recordsOut'),
    );
    this.gauge('tributary_log_start_offset', 'First offset of the partition log', ['topic', 'partition'], () =>
      perPartition(engine.stats(), 'logStartOffset'),
    );
    this.gauge(
      'tributary_log_end_offset',
      'Next offset to be written to the partition log',
      ['topic', 'partition'],
      () => perPartition(engine.stats(), 'logEndOffset'),
    );
    this.gauge(
      'tributary_log_size_bytes',
      'Bytes of the partition log on disk (all segments)',
      ['topic', 'partition'],
      () => perPartition(engine.stats(), 'size'),
    );
    const groupLabels = ['group', 'topic', 'partition'] as const;
    this.gauge(
      'tributary_consumer_group_committed_offset',
      'Offset the consumer group committed',
      [...groupLabels],
      () => groups.lag().map((l) => [{ group: l.groupId, topic: l.topic, partition: l.partition }, l.committedOffset]),
    );
    this.gauge('tributary_consumer_group_lag', 'Log end offset minus the committed offset', [...groupLabels], () =>
      groups.lag().map((l) => [{ group: l.groupId, topic: l.topic, partition: l.partition }, l.lag]),
    );
    this.gauge('tributary_connections', 'Open client connections', [], () => [[{}, sources.connections()]]);
    // Kafka's MemoryPoolUsed and the connections muted waiting for it.
    this.gauge(
      'tributary_request_memory_used_bytes',
      'Bytes of requests being read, queued or handled (bounded by queued.max.request.bytes)',
      [],
      () => [[{}, sources.memoryPool.used]],
    );
    this.gauge(
      'tributary_request_memory_waiting_connections',
      'Connections that stopped reading until queued.max.request.bytes has room for their request',
      [],
      () => [[{}, sources.memoryPool.waiters]],
    );
    if (sources.replicaManager !== undefined) this.replication(sources.replicaManager);
    registerSampledHistogram(
      this.registry,
      'tributary_log_flush_duration_seconds',
      'Duration of log flushes (fdatasync)',
      () => [[{}, engine.flushLatency]],
    );
    registerSampledHistogram(
      this.registry,
      'tributary_request_duration_seconds',
      'Time from a request read to its response ready, by API',
      () => this.served().map((r) => [{ api: r.api }, r.latency]),
    );
    this.counter('tributary_requests_total', 'Requests answered, by API and version', ['api', 'version'], () =>
      this.served().flatMap((r) =>
        r.counts.flatMap((count, version): Sample<'api' | 'version'>[] =>
          count > 0 ? [[{ api: r.api, version }, count]] : [],
        ),
      ),
    );
  }

  /**
   * ReplicaManager's UnderReplicatedPartitions, IsrShrinksPerSec, IsrExpandsPerSec and
   * FailedIsrUpdatesPerSec; the fetchers' lag (FetcherLagMetrics ConsumerLag per partition,
   * ReplicaFetcherManager MaxLag).
   */
  private replication(replicaManager: ReplicaManager): void {
    this.gauge(
      'tributary_under_replicated_partitions',
      'Partitions led by this broker with fewer in-sync replicas than assigned',
      [],
      () => [[{}, replicaManager.underReplicatedPartitions()]],
    );
    this.gauge(
      'tributary_replica_lag_records',
      'Records a partition followed here is behind the high watermark of its leader, at its last fetch',
      ['topic', 'partition'],
      () => replicaManager.followerLags().map(({ topic, partition, lag }) => [{ topic, partition }, lag]),
    );
    this.gauge('tributary_replica_max_lag_records', 'The largest lag of the partitions followed here', [], () => [
      [{}, Math.max(0, ...replicaManager.followerLags().map((l) => l.lag))],
    ]);
    this.counter('tributary_isr_shrinks_total', 'ISR shrinks the controller committed', [], () => [
      [{}, replicaManager.isrChangeCounts.shrinks],
    ]);
    this.counter('tributary_isr_expands_total', 'ISR expansions the controller committed', [], () => [
      [{}, replicaManager.isrChangeCounts.expands],
    ]);
    this.counter('tributary_failed_isr_updates_total', 'ISR changes refused or ignored', [], () => [
      [{}, replicaManager.isrChangeCounts.failed],
    ]);
  }

  /** One request answered: `seconds` from its frame read to its response encoded. */
  requestCompleted(apiKey: number, apiVersion: number, seconds: number): void {
    const api = (this.requests[apiKey] ??= {
      api: apiName(apiKey) ?? String(apiKey),
      latency: new LatencyHistogram(),
      counts: [],
    });
    api.latency.observe(seconds);
    api.counts[apiVersion] = (api.counts[apiVersion] ?? 0) + 1;
  }

  private served(): ApiRequests[] {
    return this.requests.filter((r) => r !== undefined);
  }

  private counter<T extends string>(name: string, help: string, labelNames: T[], sample: () => Sample<T>[]): void {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect: refill(sample, (c: Counter<T>, labels, value) => c.inc(labels, value)),
    });
  }

  private gauge<T extends string>(name: string, help: string, labelNames: T[], sample: () => Sample<T>[]): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect: refill(sample, (g: Gauge<T>, labels, value) => g.set(labels, value)),
    });
  }
}
