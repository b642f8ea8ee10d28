/**
 * The fault harness's workload, run through each round: idempotent producers with acks=all
 * writing numbered records (key = the producer's id, value = its sequence number 0, 1, ...),
 * one from librdkafka (producer.py, confluent-kafka-python) and one from kafkajs per
 * partition, each recording what the cluster acknowledged and where; and a librdkafka reader
 * (consumer.py) from the partitions' ends the whole time, recording every record it saw.
 * What they record is what the checker holds the cluster to.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { pythonEnv, REPO_ROOT, SYSTEM_PYTHON } from '../interop/support.js';
import { killedOnExit } from './processes.js';

const HERE = join(REPO_ROOT, 'test', 'faults');
/** Records per second from each producer: enough that every fault finds writes in flight, little CPU. */
const RATE = 40;
/** kafkajs sends this many records per request (acknowledged together). */
const KAFKAJS_CHUNK = 4;

/**
 * A record the cluster acknowledged: `seq` of `producer` at `offset` of `partition`; sent and
 * acknowledged at (ms). `writer` is the workload's producer; `producer` (the record's key) is
 * `<writer>.<n>`, its n-th Kafka producer: a writer starts another after a fatal error or a
 * failed send, and Kafka orders and deduplicates one producer id's records only.
 */
export interface Ack {
  readonly writer: string;
  readonly producer: string;
  readonly seq: number;
  readonly partition: number;
  readonly offset: number;
  readonly sentAt: number;
  readonly ackedAt: number;
}

/** A record a consumer read. */
export interface Seen {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: string;
}

/** A python script of test/faults run with the system Python, its stdout handed line by line to `onLine`. */
class ScriptProcess {
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private readonly closed: Promise<void>;

  /** librdkafka's own log lines (stderr) are appended to `log`. */
  constructor(script: string, args: string[], log: string, onLine: (words: string[]) => void) {
    this.child = killedOnExit(
      spawn(SYSTEM_PYTHON, [join(HERE, script), ...args], { env: pythonEnv(), stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    this.child.stderr.pipe(createWriteStream(log, { flags: 'a' }));
    createInterface({ input: this.child.stdout }).on('line', (line) => onLine(line.split(' ')));
    this.closed = new Promise((resolve) => this.child.once('close', () => resolve()));
  }

  /** SIGTERM (the script finishes what is in flight), then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 40000): Promise<void> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.closed;
    clearTimeout(timer);
  }
}

/** A kafkajs idempotent producer's loop; a new producer (a new producer id) after a failed send. */
class KafkajsProducer {
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly partition: number,
    private readonly id: string,
    private readonly acks: Ack[],
    private readonly failures: string[],
  ) {
    this.done = this.run();
  }

  private connected(): Producer {
    // maxInFlightRequests 1: kafkajs' idempotence keeps order only so (its own rule).
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 5 } });
  }

  private async run(): Promise<void> {
    let producer = this.connected();
    let instance = 0;
    let seq = 0;
    while (!this.stopped) {
      const sentAt = Date.now();
      const seqs = Array.from({ length: KAFKAJS_CHUNK }, (_, i) => seq + i);
      seq += KAFKAJS_CHUNK;
      const key = `${this.id}.${instance}`;
      try {
        await producer.connect();
        const [meta] = await producer.send({
          topic: this.topic,
          acks: -1,
          timeout: 10000,
          messages: seqs.map((s) => ({ partition: this.partition, key, value: String(s) })),
        });
        const [ackedAt, base] = [Date.now(), Number(meta!.baseOffset)];
        for (const [i, s] of seqs.entries())
          this.acks.push({
            writer: this.id,
            producer: key,
            seq: s,
            partition: this.partition,
            offset: base + i,
            sentAt,
            ackedAt,
          });
      } catch (error) {
        // Not acknowledged: these may or may not be in the log; they count for nothing.
        this.failures.push(`${key}: ${(error as Error).message}`);
        await producer.disconnect().catch(() => undefined);
        producer = this.connected();
        instance++;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, (1000 * KAFKAJS_CHUNK) / RATE - (Date.now() - sentAt))),
      );
    }
    await producer.disconnect().catch(() => undefined);
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }
}

export class Workload {
  readonly acks: Ack[] = [];
  readonly seen: Seen[] = [];
  /** librdkafka's `nack`, `fatal` and `error` lines, kafkajs' failed sends, the reader's errors: how hard the fault hit. */
  readonly failures: string[] = [];
  private readonly scripts: ScriptProcess[] = [];
  private readonly kafkajs: KafkajsProducer[] = [];
  private readonly reader: ScriptProcess;
  /** The writers of round `round`: `r<round>-rdkafka-p<partition>` and `r<round>-kafkajs-p<partition>`. */
  readonly writers: string[] = [];

  /** `logDir` receives the scripts' librdkafka logs (`<writer>.log`, `r<round>-reader.log`). */
  constructor(bootstrap: string, topic: string, partitions: number, round: number, logDir: string) {
    const ps = Array.from({ length: partitions }, (_, p) => p);
    const log = (name: string) => join(logDir, `${name}.log`);
    this.reader = new ScriptProcess(
      'consumer.py',
      [bootstrap, topic, ...ps.map((p) => `${p}:-1`)],
      log(`r${round}-reader`),
      (w) => this.onRead(w),
    );
    const kafka = new Kafka({
      clientId: `faults-r${round}`,
      brokers: bootstrap.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    for (const p of ps) {
      const [rdkafka, kafkajs] = [`r${round}-rdkafka-p${p}`, `r${round}-kafkajs-p${p}`];
      this.writers.push(rdkafka, kafkajs);
      this.scripts.push(
        new ScriptProcess('producer.py', [bootstrap, topic, String(p), rdkafka, String(RATE)], log(rdkafka), (w) =>
          this.onProduced(rdkafka, w),
        ),
      );
      this.kafkajs.push(new KafkajsProducer(kafka, topic, p, kafkajs, this.acks, this.failures));
    }
  }

  /** producer.py's lines: `ack <partition> <offset> <seq> <sentAtMs> <key>`, or a failure. */
  private onProduced(writer: string, words: string[]): void {
    const [what, ...rest] = words;
    if (what === 'ack') {
      const [partition, offset, seq, sentAt] = rest.slice(0, 4).map(Number) as [number, number, number, number];
      this.acks.push({ writer, producer: rest[4]!, seq, partition, offset, sentAt, ackedAt: Date.now() });
    } else if (what !== 'done') this.failures.push(`${writer}: ${words.join(' ')}`);
  }

  /** consumer.py's lines: `seen <partition> <offset> <key> <value>`, or an error. */
  private onRead(words: string[]): void {
    const [what, partition, offset, key, value] = words;
    if (what === 'seen')
      this.seen.push({ partition: Number(partition), offset: Number(offset), key: key!, value: value! });
    else this.failures.push(`reader: ${words.join(' ')}`);
  }

  /**
   * Resolves with the time (ms) once every writer had a record acknowledged that it sent at or
   * after `since` (ms); rejects past `timeoutMs`.
   */
  async acknowledgedSince(since: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const firsts = this.writers.map((id) => this.acks.find((a) => a.writer === id && a.sentAt >= since));
      if (firsts.every((a) => a !== undefined)) return Math.max(...firsts.map((a) => a!.ackedAt));
      if (Date.now() > deadline) throw new Error(`writers not acknowledged within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops the producers (each waits for what is in flight), then, a moment later, the reader. */
  async stop(): Promise<void> {
    await Promise.all([...this.scripts.map((s) => s.stop()), ...this.kafkajs.map((k) => k.stop())]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await this.reader.stop();
  }
}
