/**
 * Issue 21's fault harness (`npm run test:faults`): ZooKeeper and three brokers, each broker
 * in its own network namespace, a replicated topic (replication factor 3,
 * min.insync.replicas 2) under idempotent acks=all producers from librdkafka and kafkajs and
 * a consumer reading the whole time, through FAULT_ROUNDS rounds (100 unless told) of the
 * faults in turn (FAULTS picks some, e.g. `FAULTS=kill,kill,kill,SIGSTOP`). Each round:
 * the workload starts, the fault hits and is healed, the cluster is given time to become
 * whole, the workload stops, and the checker holds the cluster to what was acknowledged and
 * seen. A table of the rounds is printed; the test passes only with nothing lost, duplicated,
 * reordered, seen then gone, nor diverged, in any round and over all rounds at the end.
 * Needs root (network namespaces) and the built dist/ (`npm run test:faults` builds it).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { check, type Verdict } from './checker.js';
import { FaultCluster } from './cluster.js';
import { selectFaults, type Fault } from './faults.js';
import { Workload, type Ack, type Seen } from './workload.js';

const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 100);
const FAULTS = selectFaults(process.env.FAULTS);
const TOPIC = 'faults';
const PARTITIONS = 2;
/** How long the cluster may take to be whole again after a heal (every broker back, every ISR full). */
const WHOLE_WITHIN_MS = 30000;
/** Writes before the fault hits: enough records that losing the leader's tail shows. */
const WARM_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  round: string;
  fault: string;
  verdict: Verdict;
  /** Records the reader read (each time it read one). */
  seen: number;
  /** Sends that failed and errors the clients reported: how hard the fault hit them. */
  errors: number;
  /** From the fault's start until every producer had a record it sent since acknowledged (ms); null if never. */
  recoverMs: number | null;
  /** Whether the cluster was whole again (every ISR full) after the heal; null for the summary. */
  whole: boolean | null;
}

let cluster: FaultCluster;
const rows: Row[] = [];
const allAcks: Ack[] = [];
const allSeen: Seen[] = [];

beforeAll(async () => {
  cluster = await FaultCluster.start();
  console.log(`fault harness network: ${cluster.net.description}; logs and data under ${cluster.dir}`);
  await cluster.createTopic(TOPIC, PARTITIONS);
  if (!(await cluster.whole(TOPIC, 30000))) throw new Error('the cluster did not become whole before the first round');
}, 120000);

afterAll(async () => {
  printTable();
  await cluster?.close();
});

async function runRound(round: number, fault: Fault): Promise<Row> {
  const workload = new Workload(cluster.bootstrap, TOPIC, PARTITIONS, round, cluster.dir);
  let recoverMs: number | null;
  let whole: boolean;
  try {
    // Every producer acknowledged before the fault: the round starts on a working cluster.
    await workload.acknowledgedSince(0, 30000);
    await sleep(WARM_MS);
    const injectedAt = Date.now();
    const heal = await fault.inject(cluster, TOPIC);
    await heal();
    whole = await cluster.whole(TOPIC, WHOLE_WITHIN_MS);
    recoverMs = await workload.acknowledgedSince(injectedAt, 30000).then(
      (at) => at - injectedAt,
      () => null,
    );
    // Writes go on a little after recovery: a healed cluster must take them too.
    await sleep(2000);
  } finally {
    await workload.stop();
  }
  allAcks.push(...workload.acks);
  allSeen.push(...workload.seen);
  const verdict = await check(cluster, TOPIC, PARTITIONS, workload.acks, workload.seen);
  const row = {
    round: String(round),
    fault: fault.name,
    verdict,
    seen: workload.seen.length,
    errors: workload.failures.length,
    recoverMs,
    whole,
  };
  console.log(`${formatRow(row)}${verdict.examples.map((e) => `\n    ${e}`).join('')}`);
  return row;
}

/** The table's columns: heading, width, cell. */
const COLUMNS: [string, number, (row: Row) => string | number][] = [
  ['round', 6, (r) => r.round],
  ['fault', 27, (r) => r.fault],
  ['acked', 7, (r) => r.verdict.acknowledged],
  ['lost', 6, (r) => r.verdict.lost],
  ['dup', 5, (r) => r.verdict.duplicated],
  ['reorder', 8, (r) => r.verdict.reordered],
  ['seen', 7, (r) => r.seen],
  ['seen-gone', 10, (r) => r.verdict.seenThenGone],
  ['diverged', 9, (r) => r.verdict.divergedPartitions],
  ['errors', 7, (r) => r.errors],
  ['recover s', 10, (r) => (r.recoverMs === null ? '-' : (r.recoverMs / 1000).toFixed(1))],
  ['whole', 6, (r) => (r.whole === null ? '' : r.whole ? 'yes' : 'no')],
];

function formatRow(row: Row): string {
  return COLUMNS.map(([, width, cell]) => String(cell(row)).padEnd(width))
    .join(' ')
    .trimEnd();
}

function printTable(): void {
  if (rows.length === 0) return;
  const header = COLUMNS.map(([heading, width]) => heading.padEnd(width)).join(' ');
  console.log(['', header, ...rows.map(formatRow)].join('\n'));
}

/** A verdict's counts of what must not happen. */
function failures({ lost, duplicated, reordered, seenThenGone, divergedPartitions }: Verdict) {
  return { lost, duplicated, reordered, seenThenGone, divergedPartitions };
}

test(
  `${ROUNDS} fault rounds: nothing acknowledged lost or duplicated, nothing seen gone, replicas identical`,
  async () => {
    for (let round = 1; round <= ROUNDS; round++)
      rows.push(await runRound(round, FAULTS[(round - 1) % FAULTS.length]!));
    // Over all rounds at the end: what earlier rounds' checks passed must still hold.
    const perRound = rows.map((r) => ({ round: r.round, ...failures(r.verdict) }));
    const all = await check(cluster, TOPIC, PARTITIONS, allAcks, allSeen);
    rows.push({
      round: 'all',
      fault: `${ROUNDS} rounds`,
      verdict: all,
      seen: allSeen.length,
      errors: rows.reduce((n, r) => n + r.errors, 0),
      recoverMs: null,
      whole: null,
    });
    const none = { lost: 0, duplicated: 0, reordered: 0, seenThenGone: 0, divergedPartitions: 0 };
    expect(perRound).toEqual(perRound.map(({ round }) => ({ round, ...none })));
    expect(failures(all)).toEqual(none);
    expect(all.acknowledged).toBeGreaterThan(0);
  },
  ROUNDS * 180_000,
);
