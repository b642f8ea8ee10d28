/**
 * The broker's /metrics, scraped over HTTP and parsed: traffic per topic against what
 * kafkajs sent and fetched and what landed on disk, requests per API, partition offsets,
 * group lag against offsets kafkajs committed, connections and flushes; t.stats() of
 * an embedded Tributary the broker serves reports the same numbers.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { BrokerMetrics } from '../../src/broker/BrokerMetrics.js';
import { createLogger } from '../../src/broker/Logger.js';
import { MemoryPool } from '../../src/broker/MemoryPool.js';
import { Tributary } from '../../src/client/Tributary.js';
import { Engine } from '../../src/engine/Engine.js';
import { GroupCoordinator } from '../../src/group/GroupCoordinator.js';
import { kafkaClient, kafkajsBroker } from '../helpers/kafkajs.js';
import { scrape } from '../helpers/prometheus.js';
import { tempDir } from '../helpers/tmp.js';

const brokers: Broker[] = [];
let t: Tributary | null = null;

afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
  await t?.close();
  t = null;
});

async function start(options: { dataDir?: string; tributary?: Tributary }): Promise<Broker> {
  const broker = await Broker.start({ ...options, port: 0, metricsPort: 0, logger: createLogger('silent') });
  brokers.push(broker);
  return broker;
}

/** Bytes of every segment file of the topic's partitions, as the file system sees them. */
function segmentBytes(dataDir: string, topic: string, partitions: number): number {
  let total = 0;
  for (let p = 0; p < partitions; p++) {
    const dir = join(dataDir, `${topic}-${p}`);
    for (const name of readdirSync(dir)) if (name.endsWith('.log')) total += statSync(join(dir, name)).size;
  }
  return total;
}

const messages = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({ value: `${tag}-${i}-${'x'.repeat(i * 7)}` }));

describe('broker metrics', () => {
  it('reports traffic, requests, offsets, group lag, connections and flushes as kafkajs sees them', async () => {
    const dataDir = tempDir();
    const broker = await start({ dataDir });
    const kafka = kafkaClient(broker.port);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'm', numPartitions: 2, configEntries: [{ name: 'flush.messages', value: '1' }] }],
    });
    const producer = kafka.producer();
    await producer.connect();
    const sends = [
      { partition: 0, count: 5 },
      { partition: 1, count: 8 },
      { partition: 0, count: 3 },
    ];
    for (const [i, s] of sends.entries())
      await producer.send({
        topic: 'm',
        acks: -1,
        messages: messages(s.count, `s${i}`).map((m) => ({ ...m, partition: s.partition })),
      });

    const fetcher = await kafkajsBroker(broker.port);
    const whole = [0, 1].map((partition) => ({ partition, fetchOffset: '0', maxBytes: 1 << 20 }));
    await fetcher.fetch({ maxWaitTime: 0, topics: [{ topic: 'm', partitions: whole }] });
    const afterWhole = await scrape(broker.metricsPort!);
    await fetcher.fetch({
      maxWaitTime: 0,
      topics: [{ topic: 'm', partitions: [{ partition: 0, fetchOffset: '2', maxBytes: 1 << 20 }] }],
    });
    await admin.setOffsets({
      groupId: 'g',
      topic: 'm',
      partitions: [
        { partition: 0, offset: '6' },
        { partition: 1, offset: '1' },
      ],
    });
    const m = await scrape(broker.metricsPort!);

    const onDisk = segmentBytes(dataDir, 'm', 2);
    expect(m.value('tributary_topic_bytes_in_total', { topic: 'm' })).toBe(onDisk);
    expect(m.value('tributary_topic_records_in_total', { topic: 'm' })).toBe(16);
    expect(afterWhole.value('tributary_topic_records_out_total', { topic: 'm' })).toBe(16);
    expect(afterWhole.value('tributary_topic_bytes_out_total', { topic: 'm' })).toBe(onDisk);
    // From offset 2 of partition 0: both of its batches are sent, the records from offset 2 on counted.
    expect(m.value('tributary_topic_records_out_total', { topic: 'm' })).toBe(16 + 6);
    expect(m.value('tributary_topic_bytes_out_total', { topic: 'm' })).toBe(onDisk + segmentBytes(dataDir, 'm', 1));

    expect(m.value('tributary_log_end_offset', { topic: 'm', partition: 0 })).toBe(8);
    expect(m.value('tributary_log_end_offset', { topic: 'm', partition: 1 })).toBe(8);
    expect(m.value('tributary_log_start_offset', { topic: 'm', partition: 1 })).toBe(0);
    expect(m.value('tributary_log_size_bytes', { topic: 'm', partition: 1 })).toBe(
      onDisk - segmentBytes(dataDir, 'm', 1),
    );

    const committed = await admin.fetchOffsets({ groupId: 'g', topics: ['m'] });
    for (const { partition, offset } of committed[0]!.partitions) {
      expect(m.value('tributary_consumer_group_committed_offset', { group: 'g', topic: 'm', partition })).toBe(
        Number(offset),
      );
      expect(m.value('tributary_consumer_group_lag', { group: 'g', topic: 'm', partition })).toBe(8 - Number(offset));
    }

    expect(m.sum('tributary_requests_total', { api: 'Produce' })).toBe(sends.length);
    expect(m.value('tributary_request_duration_seconds_count', { api: 'Produce' })).toBe(sends.length);
    expect(m.value('tributary_request_duration_seconds_bucket', { api: 'Produce', le: '+Inf' })).toBe(sends.length);
    expect(m.sum('tributary_requests_total', { api: 'Fetch' })).toBe(2);
    expect(m.all('tributary_requests_total', { api: 'Produce' })[0]!.labels.version).toMatch(/^\d+$/);
    expect(m.value('tributary_request_duration_seconds_sum', { api: 'Produce' })).toBeGreaterThan(0);
    expect(m.sum('tributary_requests_total', { api: 'Metadata' })).toBeGreaterThan(
      afterWhole.sum('tributary_requests_total', { api: 'Metadata' }),
    );

    // kafkajs' admin, producer and fetcher each hold connections.
    expect(m.value('tributary_connections')).toBeGreaterThanOrEqual(3);
    // flush.messages=1: every produce waited for an fdatasync.
    expect(m.value('tributary_log_flush_duration_seconds_count')).toBeGreaterThanOrEqual(sends.length);
    expect(m.value('tributary_log_flush_duration_seconds_bucket', { le: '+Inf' })).toBe(
      m.value('tributary_log_flush_duration_seconds_count'),
    );
    expect(m.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);

    await Promise.all([producer.disconnect(), admin.disconnect(), fetcher.disconnect()]);
  });

  it('serves /metrics only, one registry per broker, fails to start on a taken port, and stops serving when the broker closes', async () => {
    const first = await start({ dataDir: tempDir() });
    const second = await start({ dataDir: tempDir() });
    expect((await scrape(second.metricsPort!)).value('tributary_connections')).toBe(0);
    expect((await fetch(`http://127.0.0.1:${first.metricsPort}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${first.metricsPort}/metrics/x`)).status).toBe(404);
    const dataDir = tempDir();
    await expect(
      Broker.start({ dataDir, port: 0, metricsPort: first.metricsPort!, logger: createLogger('silent') }),
    ).rejects.toThrow(/EADDRINUSE/);
    // The failed start released the data directory.
    await start({ dataDir });
    const port = first.metricsPort!;
    await first.close();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('collects the process metrics once for the process, however many brokers it starts', async () => {
    const engine = await Engine.open({ dataDir: tempDir() });
    const groups = await GroupCoordinator.open({ engine });
    const sources = { engine, groups, connections: () => 0, memoryPool: new MemoryPool(Infinity) };
    const [a, b] = [new BrokerMetrics(sources), new BrokerMetrics(sources)];
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_gc_duration_seconds',
      'process_cpu_user_seconds_total',
    ]) {
      expect(a.registry.getSingleMetric(name), name).toBeDefined();
      expect(a.registry.getSingleMetric(name), name).toBe(b.registry.getSingleMetric(name));
    }
    expect(a.registry.getSingleMetric('tributary_connections')).not.toBe(
      b.registry.getSingleMetric('tributary_connections'),
    );
    await groups.close();
    await engine.close();
  });

  it("t.stats() of a Tributary a broker serves reports the broker's numbers", async () => {
    t = await Tributary.open({ dataDir: tempDir() });
    await t.admin.createTopic('s', { partitions: 3, config: { 'flush.messages': '1' } });
    const broker = await start({ tributary: t });
    const kafka = kafkaClient(broker.port);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 's',
      messages: messages(20, 'remote').map((msg, i) => ({ ...msg, partition: i % 3 })),
    });
    await t.producer().send(
      's',
      messages(7, 'embedded').map((msg) => ({ ...msg, partition: 2 })),
    );
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'lagging', topic: 's', partitions: [{ partition: 2, offset: '3' }] });
    const fetcher = await kafkajsBroker(broker.port);
    await fetcher.fetch({
      maxWaitTime: 0,
      topics: [{ topic: 's', partitions: [{ partition: 1, fetchOffset: '0', maxBytes: 1 << 20 }] }],
    });

    const stats = t.stats();
    const m = await scrape(broker.metricsPort!);
    const topicTotal = (field: 'bytesIn' | 'bytesOut' | 'recordsIn' | 'recordsOut') =>
      stats.partitions.filter((p) => p.topic === 's').reduce((n, p) => n + p[field], 0);
    expect(topicTotal('recordsIn')).toBe(27);
    expect(m.value('tributary_topic_records_in_total', { topic: 's' })).toBe(topicTotal('recordsIn'));
    expect(m.value('tributary_topic_bytes_in_total', { topic: 's' })).toBe(topicTotal('bytesIn'));
    expect(m.value('tributary_topic_records_out_total', { topic: 's' })).toBe(topicTotal('recordsOut'));
    expect(m.value('tributary_topic_bytes_out_total', { topic: 's' })).toBe(topicTotal('bytesOut'));
    for (const p of stats.partitions.filter((s) => s.topic === 's')) {
      expect(m.value('tributary_log_end_offset', { topic: 's', partition: p.partition })).toBe(p.logEndOffset);
      expect(m.value('tributary_log_start_offset', { topic: 's', partition: p.partition })).toBe(p.logStartOffset);
      expect(m.value('tributary_log_size_bytes', { topic: 's', partition: p.partition })).toBe(p.size);
    }
    expect(stats.groups).toEqual([
      { groupId: 'lagging', topic: 's', partition: 2, committedOffset: 3, logEndOffset: 13, lag: 10 },
    ]);
    expect(m.value('tributary_consumer_group_lag', { group: 'lagging', topic: 's', partition: 2 })).toBe(10);
    expect(stats.flush.count).toBeGreaterThan(0);
    expect(m.value('tributary_log_flush_duration_seconds_count')).toBe(stats.flush.count);
    expect(m.value('tributary_log_flush_duration_seconds_sum')! * 1000).toBeCloseTo(stats.flush.totalMs, 6);

    await Promise.all([producer.disconnect(), admin.disconnect(), fetcher.disconnect()]);
  });
});
