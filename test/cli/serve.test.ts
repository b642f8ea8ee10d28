/**
 * `tributary serve` as a real process (the built dist/cli/main.js): it says where it
 * listens, serves a real client, stops cleanly on SIGTERM, and a second broker on the
 * same data directory fails with a clear message; with --metrics-port it serves
 * Prometheus metrics over HTTP; it logs JSON lines on stderr, nothing below warn by default.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serve, tributary } from '../helpers/cli.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { scrape } from '../helpers/prometheus.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort } from '../helpers/zookeeper.js';

describe('tributary serve', () => {
  it('serves a Kafka client, refuses a second broker on the same data dir, and stops on SIGTERM', async () => {
    const dataDir = tempDir();
    const broker = await serve(dataDir);
    const admin = kafkaClient(broker.port).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'cli', numPartitions: 2 }] });
    await admin.disconnect();

    const second = await tributary(['serve', '--data-dir', dataDir, '--port', '0']).exit;
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`data directory is locked by process ${broker.child.pid}`));

    broker.child.kill('SIGTERM');
    const stopped = await broker.exit;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/stopping \(SIGTERM\)\ntributary broker stopped/);
    expect(stopped.stderr).toBe('');
    expect(existsSync(join(dataDir, '.kafka_cleanshutdown'))).toBe(true);
    expect(existsSync(join(dataDir, 'cli-1'))).toBe(true);
  });

  it('serves /metrics at --metrics-port, logs JSON lines at --log-level, and stops both on SIGTERM', async () => {
    const dataDir = tempDir();
    const run = tributary([
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--log-level',
      'info',
    ]);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(String((await run.lines.next()).value))![1]);
    const metricsPort = Number(
      /metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(String((await run.lines.next()).value))![1],
    );
    const kafka = kafkaClient(port);
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: 'scraped', messages: [{ value: 'a' }, { value: 'bb' }, { value: 'ccc' }] });
    await producer.disconnect();

    const m = await scrape(metricsPort);
    expect(m.value('tributary_topic_records_in_total', { topic: 'scraped' })).toBe(3);
    expect(m.value('tributary_topic_bytes_in_total', { topic: 'scraped' })).toBe(
      statSync(join(dataDir, 'scraped-0', '00000000000000000000.log')).size,
    );
    expect(m.value('tributary_log_end_offset', { topic: 'scraped', partition: 0 })).toBe(3);
    expect(m.sum('tributary_requests_total', { api: 'Produce' })).toBe(1);

    run.child.kill('SIGTERM');
    const stopped = await run.exit;
    expect(stopped.code).toBe(0);
    const logged = stopped.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; msg: string; metricsPort?: number });
    expect(logged.find((l) => l.msg === 'listening')).toMatchObject({ level: 'info', metricsPort });
    expect(logged.at(-1)).toMatchObject({ level: 'info', msg: 'stopped' });
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });

  it("starts on a Kafka KRaft server.properties without a warning, and refuses a value Kafka's ConfigDef refuses", async () => {
    const dir = tempDir();
    const file = join(dir, 'server.properties');
    // The settings of Kafka 3.8's config/kraft/server.properties: most for features tributary has not.
    const kraft = [
      'process.roles=broker,controller',
      'node.id=1',
      'controller.quorum.voters=1@localhost:9093',
      'listeners=PLAINTEXT://:9092,CONTROLLER://:9093',
      'inter.broker.listener.name=PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'num.network.threads=3',
      'socket.send.buffer.bytes=102400',
      'log.dirs=/tmp/kraft-combined-logs',
      'num.recovery.threads.per.data.dir=1',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'log.retention.hours=168',
    ];
    writeFileSync(file, kraft.join('\n'));
    const broker = await serve(join(dir, 'data'), ['--config', file]);
    broker.child.kill('SIGTERM');
    expect(await broker.exit).toMatchObject({ code: 0, stderr: '' });

    writeFileSync(file, 'num.network.threads=0\n');
    const refused = await tributary(['serve', '--data-dir', join(dir, 'data'), '--config', file]).exit;
    expect(refused).toMatchObject({
      code: 1,
      stderr: 'tributary: Invalid value 0 for configuration num.network.threads: Value must be at least 1\n',
    });
  });

  it('reads --zookeeper and the cluster settings of --config, refusing bad ones before it opens the data dir', async () => {
    const dir = tempDir();
    const file = join(dir, 'server.properties');
    const run = (args: string[]) => tributary(['serve', '--data-dir', join(dir, 'data'), ...args]).exit;
    writeFileSync(file, 'listeners=SSL://:9093\n');
    expect(await run(['--zookeeper', '127.0.0.1:2181', '--config', file])).toMatchObject({
      code: 1,
      stderr:
        'tributary: broker config: listeners: SSL://:9093 uses security protocol SSL; tributary serves PLAINTEXT only\n',
    });
    writeFileSync(file, 'broker.id=1\nnode.id=2\n');
    expect((await run(['--config', file])).stderr).toBe(
      'tributary: You must set `node.id` to the same value as `broker.id`.\n',
    );
    expect((await run(['--zookeeper', 'zk:2181/kafka/'])).stderr).toMatch(
      /zookeeper.connect=zk:2181\/kafka\/: chroot \/kafka\/: Path must not end with \/ character/,
    );
    // Valid settings, no ZooKeeper there: KafkaServer.startup's first step times out (ZooKeeperClientTimeoutException).
    writeFileSync(file, 'zookeeper.connection.timeout.ms=500\n');
    const unreachable = await run([
      '--zookeeper',
      `127.0.0.1:${await freePort()}`,
      '--node-id',
      '1',
      '--port',
      '0',
      '--config',
      file,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/ZooKeeper/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('explains its options with --help and refuses bad ones with a one-line error', async () => {
    const help = await tributary(['serve', '--help']).exit;
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--data-dir DIR/);
    const missing = await tributary(['serve']).exit;
    expect(missing).toMatchObject({ code: 2, stderr: 'tributary: serve needs --data-dir DIR\n' });
    const badPort = await tributary(['serve', '--data-dir', tempDir(), '--port', 'x']).exit;
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port must be an integer/);
    const badMetricsPort = await tributary(['serve', '--data-dir', tempDir(), '--metrics-port', '70000']).exit;
    expect(badMetricsPort).toMatchObject({
      code: 2,
      stderr: "tributary: --metrics-port must be an integer in [0, 65535], got '70000'\n",
    });
    const unknown = await tributary(['nonsense']).exit;
    expect(unknown).toMatchObject({ code: 2, stderr: "tributary: unknown command 'nonsense'\n" });
  });
});
