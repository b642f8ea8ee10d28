/**
 * Auto-creation under load (issue 18): Metadata requests naming many new topics are
 * served within the partition limit (max.broker.partitions) or refused per topic with
 * POLICY_VIOLATION, as Kafka passes a refused auto-creation's error through
 * (AutoTopicCreationManager.createTopicsInZk); meanwhile other connections are answered.
 * The broker runs in a child under a low `ulimit -n`, more partitions than descriptors
 * allow, kept within them by the open-file budget (log.max.open.files); TRIBUTARY_STRESS=1
 * runs 10,000 topics under the default 1024 with the default max.broker.partitions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, test } from 'vitest';
import { KafkaErrors } from '../../src/errors.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { sampleBatch } from '../helpers/batches.js';
import { brokerWithRawClient, RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

const CHILD = join(import.meta.dirname, 'fixtures', 'broker-child.mjs');
const stress = process.env.TRIBUTARY_STRESS === '1';

const metadataOf = (names: string[]): Struct => ({
  topics: names.map((name) => ({ topicId: Buffer.alloc(16), name })),
  allowAutoTopicCreation: true,
  includeTopicAuthorizedOperations: false,
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Starts broker-child.mjs under `ulimit -n nofile`; resolves with its port. */
async function startChild(dataDir: string, nofile: number, settings: string[]): Promise<number> {
  const child = spawn(
    'bash',
    ['-c', `ulimit -n ${nofile} && exec "$@"`, 'bash', process.execPath, CHILD, dataDir, ...settings],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => line.startsWith('port ') && resolve(Number(line.slice(5))));
    child.on('exit', (code) => reject(new Error(`broker child exited with ${code}`)));
  });
}

/** Sends ApiVersions every few ms until `done`; returns the slowest answer's latency. */
async function healthCheck(port: number, done: Promise<unknown>): Promise<number> {
  const client = await RawKafkaClient.connect(port);
  let slowest = 0;
  let finished = false;
  void done.finally(() => (finished = true));
  try {
    while (!finished) {
      const start = performance.now();
      const body = await client.call(ApiKey.ApiVersions, 3, {
        clientSoftwareName: 'health',
        clientSoftwareVersion: '1',
      });
      expect(body.errorCode).toBe(0);
      slowest = Math.max(slowest, performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    client.close();
  }
  return slowest;
}

/** Auto-creates `topics` names through `connections` concurrent Metadata requests of `perRequest` names. */
async function autoCreateThrough(port: number, topics: number, perRequest: number, connections: number) {
  const codes = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    const client = await RawKafkaClient.connect(port);
    try {
      while (next < topics) {
        const names = Array.from({ length: Math.min(perRequest, topics - next) }, () => `auto-${next++}`);
        const body = await client.call(ApiKey.Metadata, 9, metadataOf(names));
        for (const t of body.topics as Struct[])
          codes.set(t.errorCode as number, (codes.get(t.errorCode as number) ?? 0) + 1);
      }
    } finally {
      client.close();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return codes;
}

/** Produces one batch to partition 0 of each of `topics` auto-created names, `perRequest` a request; counts the partitions' error codes. */
async function produceToAll(client: RawKafkaClient, topics: number, perRequest: number) {
  const codes = new Map<number, number>();
  for (let first = 0; first < topics; first += perRequest) {
    const names = Array.from({ length: Math.min(perRequest, topics - first) }, (_, i) => `auto-${first + i}`);
    const body = await client.call(ApiKey.Produce, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: names.map((name) => ({ name, partitionData: [{ index: 0, records: sampleBatch(0) }] })),
    });
    for (const t of body.responses as Struct[])
      for (const p of t.partitionResponses as Struct[])
        codes.set(p.errorCode as number, (codes.get(p.errorCode as number) ?? 0) + 1);
  }
  return Object.fromEntries(codes);
}

describe('auto-creation of many topics', () => {
  test('past max.broker.partitions each topic is refused with POLICY_VIOLATION, the broker answering', async () => {
    const { broker, client } = await brokerWithRawClient(1, {
      'max.broker.partitions': '5',
      'num.partitions': '1',
      'offsets.topic.num.partitions': '1', // the offsets topic counts too (KIP-578)
    });
    try {
      const body = await client.call(ApiKey.Metadata, 9, metadataOf(['a', 'b', 'c', 'd', 'e', 'a']));
      const codes = (body.topics as Struct[]).map((t) => [t.name, t.errorCode]);
      const refused = KafkaErrors.POLICY_VIOLATION.code;
      expect(codes).toEqual([
        ['a', 0],
        ['b', 0],
        ['c', 0],
        ['d', refused],
        ['e', refused],
        ['a', 0],
      ]);
      expect(broker.engine.listTopics()).toEqual(['__consumer_offsets', 'a', 'b', 'c', 't']);
      const created = await client.call(ApiKey.CreateTopics, 5, {
        topics: [{ name: 'f', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      expect((created.topics as Struct[])[0]).toMatchObject({
        errorCode: refused,
        errorMessage: expect.stringMatching(/max.broker.partitions/),
      });
      const versions = await client.call(ApiKey.ApiVersions, 3, {
        clientSoftwareName: 'x',
        clientSoftwareVersion: '1',
      });
      expect(versions.errorCode).toBe(0);
    } finally {
      client.close();
      await broker.close();
    }
  });

  // Each partition's active segment needs 3 descriptors while it is open: past the open-file
  // budget (log.max.open.files, by default half of `ulimit -n`) the least recently used
  // close theirs, so the default max.broker.partitions fits under any ulimit.
  // Under stress, 9,999 topics and the offsets topic: the default max.broker.partitions (10,000) in all.
  const [topics, nofile, perRequest] = stress ? [9_999, 1024, 200] : [500, 256, 250];
  test(
    `${topics} topics auto-created under ulimit -n ${nofile} and produced to, a health check answered throughout`,
    { timeout: stress ? 600_000 : 30_000 },
    async () => {
      const settings = ['num.partitions=1', 'offsets.topic.num.partitions=1'];
      const port = await startChild(tempDir(), nofile, settings);
      const created = autoCreateThrough(port, topics, perRequest, 4);
      const slowest = await healthCheck(port, created);
      expect(Object.fromEntries(await created)).toEqual({ 0: topics });
      const client = await RawKafkaClient.connect(port);
      const body = await client.call(ApiKey.Metadata, 9, { ...metadataOf([]), topics: null });
      expect((body.topics as Struct[]).filter((t) => t.errorCode === 0)).toHaveLength(topics + 1);
      expect(await produceToAll(client, topics, perRequest)).toEqual({ 0: topics });
      client.close();
      // Answered between chunks of 64 creations, each with a directory fsync: ~1-2 s on a loaded disk.
      expect(slowest).toBeLessThan(5000);
    },
  );
});
