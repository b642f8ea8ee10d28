/**
 * groups: the consumer-group paths.
 *
 * - rebalance: 10 members subscribe to a 30-partition topic in a fresh group; a trial
 *   times from the 10th member's start (subscribe(), or kafkajs' run()) until every member
 *   holds its share of the final assignment (together all 30 partitions, none empty).
 *   (a) embedded GroupConsumers on one Tributary; baseline: a single member's join+sync
 *       round, the coordinator's own minimum;
 *   (b) 10 kafkajs consumers through tributary's broker (group.initial.rebalance.delay.ms
 *       0); baselines: the same against librdkafka's mock cluster, and a single kafkajs
 *       member against tributary's broker.
 * - commit: GroupCoordinator.commitOffsets of one partition per call into
 *   `__consumer_offsets` (default durability), awaited one by one and 100 in flight; baseline:
 *   Partition.append of a prebuilt batch of the same records (same key and value sizes)
 *   on a topic of the same engine, the commit's floor.
 * - load: GroupCoordinator.open() rebuilding groups from 1M commits (50k quick); baseline:
 *   a bare scan of the same log (every record's key and value view, nothing decoded).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { Tributary } from '../../src/client/Tributary.js';
import { Engine } from '../../src/engine/Engine.js';
import type { Partition } from '../../src/engine/Partition.js';
import { GroupCoordinator } from '../../src/group/GroupCoordinator.js';
import { GROUP_METADATA_TOPIC_NAME } from '../../src/group/OffsetsTopicStore.js';
import { offsetCommitKey, offsetCommitValue } from '../../src/group/OffsetsTopicRecords.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { startMockCluster, type BrokerUnderTest } from '../../test/interop/brokers.js';
import {
  byMode,
  compare,
  log,
  PartialSuiteError,
  type Comparison,
  perSecond,
  roundsFor,
  timeAsync,
  toRow,
  type Contender,
  type ResultRow,
  type Sample,
  type SuiteContext,
} from '../harness.js';

const SUITE = 'groups';
// test/helpers/kafkajs.ts imports kafkajs' named exports, which only vitest's interop resolves.
const { Kafka, logLevel } = createRequire(import.meta.url)('kafkajs') as typeof KafkaJs;
const MEMBERS = 10;
const TOPIC_PARTITIONS = 30;
const TOPIC = 'rebalanced';
const IN_FLIGHT = 100;
const ENGINE_OPTIONS = { retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 };

let groupSerial = 0;
const nextGroupId = (): string => `bench-group-${groupSerial++}`;

/** Resolves once every member's latest assignment is non-empty and together they hold the topic. */
class AssignmentWatch {
  private readonly sizes: number[];
  private resolve!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolve = resolve));

  /** `where`: the members and the coordinator they talk to, named in the error when a rebalance never completes. */
  constructor(
    members: number,
    readonly where: string,
  ) {
    this.sizes = new Array<number>(members).fill(0);
  }

  /** Whose rebalance it is and each member's latest assignment size, for the error when it never completes. */
  describe(): string {
    return `${this.where}: latest assignment sizes ${this.sizes.join(',')} of ${TOPIC_PARTITIONS} partitions`;
  }

  assigned(member: number, partitions: number): void {
    this.sizes[member] = partitions;
    if (this.sizes.every((n) => n > 0) && this.sizes.reduce((a, b) => a + b, 0) === TOPIC_PARTITIONS) this.resolve();
  }
}

/**
 * A member that gave up (a client crashing after its retries) would leave the watch waiting
 * for ever. Rebalances take milliseconds on tributary and ~3 s on the mock cluster (its
 * initial rebalance delay), so 20 s is far past either.
 */
const REBALANCE_TIMEOUT_MS = 20_000;

class RebalanceTimeout extends Error {
  readonly where: string;

  constructor(watch: AssignmentWatch, members: number) {
    super(`the rebalance of ${members} members did not complete in ${REBALANCE_TIMEOUT_MS} ms (${watch.describe()})`);
    this.where = watch.where;
  }
}

const MOCK_CLUSTER = 'the librdkafka mock cluster';

/** Starts members 0..n-2, then times the start of the last until the watch is done. */
async function timeRebalance(
  members: number,
  start: (member: number) => void,
  watch: AssignmentWatch,
): Promise<Sample> {
  // Also keeps the process alive: the coordinator's and the embedded members' timers are unref'd.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RebalanceTimeout(watch, members)), REBALANCE_TIMEOUT_MS);
  });
  try {
    for (let m = 0; m < members - 1; m++) start(m);
    const ns = await timeAsync(async () => {
      start(members - 1);
      await Promise.race([watch.done, timeout]);
    });
    return { ns, units: 1 };
  } finally {
    clearTimeout(timer);
  }
}

function embeddedRebalance(t: Tributary, members: number): () => Promise<Sample> {
  return async () => {
    const groupId = nextGroupId();
    const consumers = Array.from({ length: members }, () => t.consumer({ groupId, autoCommit: false }));
    const watch = new AssignmentWatch(members, 'embedded members');
    try {
      return await timeRebalance(
        members,
        (m) =>
          consumers[m]!.subscribe([TOPIC], {
            onPartitionsAssigned: () => watch.assigned(m, consumers[m]!.assignment().length),
          }),
        watch,
      );
    } finally {
      await Promise.all(consumers.map((c) => c.close()));
    }
  };
}

function kafkajsRebalance(bootstrap: string, members: number, coordinator: string): () => Promise<Sample> {
  return async () => {
    const groupId = nextGroupId();
    const kafka = new Kafka({
      clientId: 'tributary-bench',
      brokers: bootstrap.split(','),
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 50 },
    });
    // Short heartbeats and fetch waits: a member that synced an earlier generation learns of the next one at its next heartbeat.
    const consumers: KafkaJs.Consumer[] = Array.from({ length: members }, () =>
      kafka.consumer({ groupId, heartbeatInterval: 50, maxWaitTimeInMs: 50 }),
    );
    const watch = new AssignmentWatch(members, `kafkajs members against ${coordinator}`);
    await Promise.all(
      consumers.map(async (c, m) => {
        c.on(c.events.GROUP_JOIN, ({ payload }) =>
          watch.assigned(m, Object.values(payload.memberAssignment).flat().length),
        );
        await c.connect();
        await c.subscribe({ topics: [TOPIC] });
      }),
    );
    try {
      return await timeRebalance(members, (m) => void consumers[m]!.run({ eachBatch: async () => undefined }), watch);
    } finally {
      await Promise.all(consumers.map((c) => c.disconnect()));
    }
  };
}

function rebalanceRow(caseName: string, baseline: string, comparison: Comparison, which: number): ResultRow {
  return toRow(
    { suite: SUITE, case: caseName, metric: 'rebalances', unit: 'rebalances/s', baseline },
    comparison,
    which,
  );
}

function rebalanceRounds(ctx: SuiteContext): { warmup: number; trials: number } {
  return byMode(ctx, { warmup: 2, trials: 9 }, { warmup: 0, trials: 3 }, { warmup: 0, trials: 1 });
}

async function runEmbeddedRebalance(ctx: SuiteContext): Promise<ResultRow[]> {
  log(`${SUITE}: rebalance, ${MEMBERS} embedded members`);
  const t = await Tributary.open({ dataDir: mkdtempSync(join(ctx.tmpDir, 'embedded-')) });
  try {
    await t.admin.createTopic(TOPIC, { partitions: TOPIC_PARTITIONS });
    await t.groupCoordinator();
    const comparison = await compare({
      ...rebalanceRounds(ctx),
      rate: perSecond,
      subject: { name: `${MEMBERS} members`, trial: embeddedRebalance(t, MEMBERS) },
      baselines: [{ name: '1 member', trial: embeddedRebalance(t, 1) }],
    });
    return [
      rebalanceRow(
        `rebalance, ${MEMBERS} embedded members, ${TOPIC_PARTITIONS} partitions`,
        'one member join+sync (coordinator minimum)',
        comparison,
        0,
      ),
    ];
  } finally {
    await t.close();
  }
}

/**
 * test/interop/brokers.ts finds mock_cluster.py beside itself; compiled into .bench-build
 * it looks there, so the script is copied beside the compiled module.
 */
function placeMockScript(ctx: SuiteContext): void {
  const compiled = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'interop', 'mock_cluster.py');
  if (!existsSync(compiled)) copyFileSync(join(ctx.projectRoot, 'test', 'interop', 'mock_cluster.py'), compiled);
}

async function startMock(ctx: SuiteContext): Promise<BrokerUnderTest | null> {
  try {
    placeMockScript(ctx);
    const mock = await startMockCluster();
    await mock.createTopic(TOPIC, TOPIC_PARTITIONS);
    return mock;
  } catch (error) {
    ctx.notes.push(
      `groups: librdkafka mock cluster unavailable, its baseline skipped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
    return null;
  }
}

/**
 * Two comparisons, each with the 10-member rebalance on tributary's broker as subject: one
 * against a single member on the same broker, one against the librdkafka mock cluster. The
 * mock's now and then fails to finish a rebalance with kafkajs (traced: every member had
 * joined and synced through our broker in that run); kept apart, its failure costs only
 * its own row.
 */
async function runBrokerRebalance(ctx: SuiteContext): Promise<ResultRow[]> {
  log(`${SUITE}: rebalance, ${MEMBERS} kafkajs members through the broker`);
  const dataDir = mkdtempSync(join(ctx.tmpDir, 'broker-'));
  const broker = await Broker.start({
    dataDir,
    port: 0,
    settings: { 'group.initial.rebalance.delay.ms': '0' },
    logger: createLogger('warn'),
  });
  const mock = await startMock(ctx);
  try {
    broker.engine.createTopic(TOPIC, { partitions: TOPIC_PARTITIONS });
    const ours = `127.0.0.1:${broker.port}`;
    const caseName = `rebalance, ${MEMBERS} kafkajs members via broker, ${TOPIC_PARTITIONS} partitions`;
    const against = (baseline: Contender) =>
      compare({
        ...rebalanceRounds(ctx),
        rate: perSecond,
        subject: { name: `${MEMBERS} members`, trial: kafkajsRebalance(ours, MEMBERS, "tributary's broker") },
        baselines: [baseline],
      });
    const single = await against({ name: '1 kafkajs member', trial: kafkajsRebalance(ours, 1, "tributary's broker") });
    const rows = [rebalanceRow(caseName, 'one kafkajs member join+sync (coordinator minimum)', single, 0)];
    if (mock === null) return rows;
    try {
      const mocked = await against({
        name: 'librdkafka mock',
        trial: kafkajsRebalance(mock.bootstrap, MEMBERS, MOCK_CLUSTER),
      });
      rows.push(rebalanceRow(caseName, `${MEMBERS} kafkajs members, librdkafka 2.0.2 mock cluster`, mocked, 0));
    } catch (error) {
      if (!(error instanceof RebalanceTimeout && error.where.endsWith(MOCK_CLUSTER))) throw error;
      // Not a failure of the suite: the baseline's own cluster never finished the rebalance.
      ctx.notes.push(
        `groups: the librdkafka mock cluster baseline skipped, its rebalance never completed: ${error.message}`,
      );
    }
    return rows;
  } finally {
    await mock?.stop();
    await broker.close();
  }
}

/** Runs op(0..n-1) with at most `inFlight` under way; returns the elapsed nanoseconds. */
function timeOps(n: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await op(next++);
  };
  return timeAsync(async () => void (await Promise.all(Array.from({ length: inFlight }, worker))));
}

async function runCommit(ctx: SuiteContext): Promise<ResultRow[]> {
  const engine = await Engine.open({ dataDir: mkdtempSync(join(ctx.tmpDir, 'commit-')), ...ENGINE_OPTIONS });
  try {
    engine.createTopic(TOPIC, { partitions: IN_FLIGHT });
    engine.createTopic('floor', { partitions: 1 });
    const coordinator = await GroupCoordinator.open({ engine });
    const groupId = nextGroupId();
    const commit = (i: number) =>
      coordinator.commitOffsets({
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        offsets: [{ topic: TOPIC, partition: i % IN_FLIGHT, offset: i, leaderEpoch: 0, metadata: null }],
      });
    const floor = engine.partition('floor', 0);
    const batch = sameSizedBatch(groupId);
    const commits = byMode(ctx, 20_000, 5_000, 500);
    const rows: ResultRow[] = [];
    for (const inFlight of [1, IN_FLIGHT]) {
      const label = inFlight === 1 ? 'awaited one by one' : `${inFlight} in flight`;
      log(`${SUITE}: offset commit, ${label}`);
      const trial = (op: (i: number) => Promise<unknown>) => async (): Promise<Sample> => ({
        ns: await timeOps(commits, inFlight, op),
        units: commits,
      });
      const comparison = await compare({
        ...roundsFor(ctx),
        rate: perSecond,
        subject: { name: 'commitOffsets', trial: trial(commit) },
        baselines: [{ name: 'Partition.append', trial: trial(() => floor.append(batch)) }],
      });
      rows.push(
        toRow(
          {
            suite: SUITE,
            case: `offset commit, 1 partition a call, ${label}`,
            metric: 'commits',
            unit: 'commits/s',
            baseline: 'Partition.append of a same-sized batch (prebuilt)',
          },
          comparison,
        ),
      );
    }
    await coordinator.close();
    return rows;
  } finally {
    await engine.close();
  }
}

/** The batch one commit of offset 0 writes: the same key, and a value of the same size as any offset's. */
function sameSizedBatch(groupId: string): Buffer {
  const key = offsetCommitKey({ group: groupId, topic: TOPIC, partition: 0 });
  const value = offsetCommitValue({
    offset: 0,
    leaderEpoch: 0,
    metadata: '',
    commitTimestamp: Date.now(),
    expireTimestamp: -1,
  });
  return buildRecordBatch([{ key, value, timestamp: Date.now() }]);
}

const LOAD_GROUPS = 100;
const LOAD_PARTITIONS = 1000;
const LOAD_PER_REQUEST = 1000;
const OFFSETS_PARTITIONS = 50;

/** `commits` commits: LOAD_GROUPS groups x LOAD_PARTITIONS partitions, LOAD_PER_REQUEST offsets per request. */
async function writeCommits(dataDir: string, commits: number): Promise<void> {
  const engine = await Engine.open({ dataDir, ...ENGINE_OPTIONS });
  // Every group gets at least one request, however few the commits (smoke runs), and
  // small runs do not pay for creating a thousand partitions.
  const perRequest = Math.min(LOAD_PER_REQUEST, Math.ceil(commits / LOAD_GROUPS));
  const partitions = Math.min(LOAD_PARTITIONS, perRequest);
  engine.createTopic('events', { partitions });
  const coordinator = await GroupCoordinator.open({ engine, offsetsTopicPartitions: OFFSETS_PARTITIONS });
  for (let done = 0, request = 0; done < commits; request++) {
    const offsets = Array.from({ length: Math.min(perRequest, commits - done) }, (_, i) => ({
      topic: 'events',
      partition: (done + i) % partitions,
      offset: done + i,
      leaderEpoch: 0,
      metadata: null,
    }));
    await coordinator.commitOffsets({
      groupId: `group-${request % LOAD_GROUPS}`,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets,
    });
    done += offsets.length;
  }
  await coordinator.close();
  await engine.close();
}

let sink = 0;

function scanPartition(partition: Partition): number {
  let records = 0;
  let offset = partition.logStartOffset;
  while (offset < partition.logEndOffset) {
    for (const batch of RecordBatch.all(partition.read(offset, 8 * 1024 * 1024).records)) {
      for (const record of batch.records()) {
        sink ^= (record.key?.[0] ?? 0) + (record.value?.[0] ?? 0);
        records++;
      }
      offset = batch.lastOffset + 1;
    }
  }
  return records;
}

async function runLoad(ctx: SuiteContext): Promise<ResultRow[]> {
  const commits = byMode(ctx, 1_000_000, 50_000, 5_000);
  const dataDir = mkdtempSync(join(ctx.tmpDir, 'offsets-load-'));
  log(`${SUITE}: writing ${commits} offset commits`);
  await writeCommits(dataDir, commits);
  const engine = await Engine.open({ dataDir, ...ENGINE_OPTIONS });
  try {
    log(`${SUITE}: offsets load, ${commits} commits`);
    const load = async (): Promise<Sample> => {
      let coordinator: GroupCoordinator | undefined;
      const ns = await timeAsync(
        async () =>
          void (coordinator = await GroupCoordinator.open({ engine, offsetsTopicPartitions: OFFSETS_PARTITIONS })),
      );
      const groups = coordinator!.listGroups({ statesFilter: [] }).groups.length;
      await coordinator!.close();
      if (groups !== LOAD_GROUPS) throw new Error(`loaded ${groups} groups, expected ${LOAD_GROUPS}`);
      return { ns, units: commits };
    };
    const scan = async (): Promise<Sample> => {
      let records = 0;
      const ns = await timeAsync(async () => {
        for (let p = 0; p < OFFSETS_PARTITIONS; p++)
          records += scanPartition(engine.partition(GROUP_METADATA_TOPIC_NAME, p));
      });
      if (records !== commits) throw new Error(`scan saw ${records} records, expected ${commits}`);
      return { ns, units: commits };
    };
    const comparison = await compare({
      ...byMode(ctx, { warmup: 1, trials: 7 }, { warmup: 1, trials: 3 }, { warmup: 0, trials: 2 }),
      rate: perSecond,
      subject: { name: 'load', trial: load },
      baselines: [{ name: 'scan', trial: scan }],
    });
    return [
      toRow(
        {
          suite: SUITE,
          case: `offsets load, ${commits / 1000}k commits, ${LOAD_GROUPS} groups`,
          metric: 'commits',
          unit: 'commits/s',
          baseline: 'bare scan of __consumer_offsets',
        },
        comparison,
      ),
    ];
  } finally {
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runGroups(ctx: SuiteContext): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const failures: string[] = [];
  // One case failing (a client that never finishes a rebalance) should not cost the others' figures.
  for (const run of [runEmbeddedRebalance, runBrokerRebalance, runCommit, runLoad]) {
    try {
      rows.push(...(await run(ctx)));
    } catch (error) {
      failures.push(`${run.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (sink === 0x7fffffff) log('(sink hit)');
  if (failures.length > 0) throw new PartialSuiteError(rows, failures);
  return rows;
}
