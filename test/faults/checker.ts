/**
 * The fault harness's checker, run once the cluster is healed: the partitions as the cluster
 * now serves them (each read from its leader up to its high watermark, what a consumer can
 * see) held to what the workload recorded, and the replicas' logs held to each other.
 * - every acknowledged record is there exactly once, at the offset it was acknowledged at
 *   (Kafka's acks=all contract; KIP-101 and KIP-279 are about exactly this);
 * - each producer's records are in the order it sent them (idempotence: no reordering);
 * - nothing a consumer saw is gone or replaced (a consumer reads up to the high watermark,
 *   FetchIsolation.of: HIGH_WATERMARK for a client at read_uncommitted; what is below it is
 *   committed and no election unclean or not may take it back);
 * - every replica's log below the high watermark is byte for byte the leader's: the batches
 *   as the replicas' data dirs hold them, read with dump-log's reader (SegmentCheck). A
 *   replica in the ISR holds all of it; one out of it may hold less, never other bytes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { partitionDirName } from '../../src/log/LogFileNames.js';
import { checkSegment } from '../../src/log/SegmentCheck.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { eventually } from '../helpers/cluster.js';
import { BROKER_IDS, type FaultCluster } from './cluster.js';
import type { Ack, Seen } from './workload.js';

/**
 * ListOffsets' LATEST timestamp (ListOffsetsRequest.LATEST_TIMESTAMP): at read_uncommitted the
 * high watermark (Partition.fetchOffsetForTimestamp's lastFetchableOffset).
 */
const LATEST = -1;

/** A partition as its leader serves it: its records by offset, its high watermark. */
interface ServedPartition {
  readonly leader: number;
  readonly isr: readonly number[];
  readonly highWatermark: number;
  readonly records: Map<number, { key: string; value: string }>;
}

export interface Verdict {
  acknowledged: number;
  /** Acknowledged and not in the log (or not at the offset acknowledged). */
  lost: number;
  /** Records of a producer in the log more than once. */
  duplicated: number;
  /** Records of a producer after one it sent later. */
  reordered: number;
  /** Records a consumer read that the log no longer holds at that offset. */
  seenThenGone: number;
  /** Partitions where a replica's bytes below the high watermark are not the leader's. */
  divergedPartitions: number;
  /** The first few problems, for the report. */
  examples: string[];
}

/** The high watermark of `partition`, from its leader (ListOffsets v2, LATEST, read_uncommitted). */
async function highWatermark(cluster: FaultCluster, leader: number, topic: string, partition: number): Promise<number> {
  const response = await cluster.request(leader, ApiKey.ListOffsets, 2, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: LATEST }] }],
  });
  const p = ((response.topics as Struct[])[0]!.partitions as Struct[])[0]!;
  if (p.errorCode !== 0)
    throw new Error(`ListOffsets ${topic}-${partition} on ${leader}: error ${String(p.errorCode)}`);
  return p.offset as number;
}

/** Records of `partition` from `from` up to `end`, fetched from `leader` (Fetch v11, read_uncommitted). */
async function fetchRecords(
  cluster: FaultCluster,
  leader: number,
  topic: string,
  partition: number,
  end: number,
): Promise<Map<number, { key: string; value: string }>> {
  const records = new Map<number, { key: string; value: string }>();
  let next = 0;
  while (next < end) {
    const response = await cluster.request(leader, ApiKey.Fetch, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 8 << 20,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition, fetchOffset: next, partitionMaxBytes: 8 << 20 }] }],
    });
    const p = ((response.responses as Struct[])[0]!.partitions as Struct[])[0]!;
    if (p.errorCode !== 0)
      throw new Error(`Fetch ${topic}-${partition} at ${next} on ${leader}: error ${String(p.errorCode)}`);
    const before = next;
    for (const batch of RecordBatch.all((p.records as Buffer | null) ?? Buffer.alloc(0))) {
      if (!batch.isControl)
        for (const r of batch.records())
          if (r.offset >= next && r.offset < end)
            records.set(r.offset, { key: r.key?.toString() ?? '', value: r.value?.toString() ?? '' });
      next = Math.max(next, batch.lastOffset + 1);
    }
    if (next === before) throw new Error(`Fetch ${topic}-${partition} at ${next} on ${leader}: nothing below ${end}`);
  }
  return records;
}

/** `partition` as its leader now serves it, once it has one (the controller's state in ZooKeeper). */
async function served(cluster: FaultCluster, topic: string, partition: number): Promise<ServedPartition> {
  return eventually(
    async () => {
      const state = (await cluster.partitionStates(topic, partition + 1))[partition]!;
      if (state.leader === -1) throw new Error(`${topic}-${partition} has no leader`);
      const hw = await highWatermark(cluster, state.leader, topic, partition);
      return { ...state, highWatermark: hw, records: await fetchRecords(cluster, state.leader, topic, partition, hw) };
    },
    () => true,
    30000,
  );
}

/** The bytes of broker `id`'s log of `partition` below `end`: its batches from the segment files, in order. */
function replicaBytes(cluster: FaultCluster, id: number, topic: string, partition: number, end: number): Buffer {
  const dir = join(cluster.dataDir(id), partitionDirName({ topic, partition }));
  if (!existsSync(dir)) return Buffer.alloc(0);
  const segments = readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .sort();
  const batches: Buffer[] = [];
  for (const segment of segments)
    checkSegment(join(dir, segment), {
      visit: ({ batch }) => {
        if (batch.baseOffset < end) batches.push(batch.bytes);
      },
    });
  return Buffer.concat(batches);
}

/** Which replicas of `partition` hold other bytes than the leader below the high watermark (or too few, in the ISR). */
function divergedReplicas(cluster: FaultCluster, topic: string, partition: number, p: ServedPartition): string[] {
  const leader = replicaBytes(cluster, p.leader, topic, partition, p.highWatermark);
  const problems: string[] = [];
  for (const id of BROKER_IDS) {
    if (id === p.leader) continue;
    const bytes = replicaBytes(cluster, id, topic, partition, p.highWatermark);
    if (!leader.subarray(0, bytes.length).equals(bytes))
      problems.push(
        `${topic}-${partition}: broker ${id}'s log differs from leader ${p.leader}'s below ${p.highWatermark}`,
      );
    else if (p.isr.includes(id) && bytes.length !== leader.length)
      problems.push(
        `${topic}-${partition}: broker ${id} in the ISR holds ${bytes.length} of the leader's ${leader.length} bytes below ${p.highWatermark}`,
      );
  }
  return problems;
}

/** Holds the cluster's partitions 0..count-1 of `topic` to `acks` and `seen`. */
export async function check(
  cluster: FaultCluster,
  topic: string,
  count: number,
  acks: readonly Ack[],
  seen: readonly Seen[],
): Promise<Verdict> {
  const partitions: ServedPartition[] = [];
  for (let p = 0; p < count; p++) partitions.push(await served(cluster, topic, p));
  const verdict: Verdict = {
    acknowledged: acks.length,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    seenThenGone: 0,
    divergedPartitions: 0,
    examples: [],
  };
  const note = (problem: string) => verdict.examples.length < 5 && verdict.examples.push(problem);
  for (const a of acks) {
    const there = partitions[a.partition]!.records.get(a.offset);
    if (there?.key !== a.producer || there.value !== String(a.seq)) {
      verdict.lost++;
      note(
        `lost: ${a.producer} #${a.seq} acknowledged at ${a.partition}@${a.offset}, now ${JSON.stringify(there ?? null)}`,
      );
    }
  }
  // Every producer instance of the writers acknowledged, including those with nothing acknowledged.
  const writers = new Set(acks.map((a) => a.writer));
  partitions.forEach((p, index) => {
    const last = new Map<string, number>();
    const offsets = [...p.records.keys()].sort((x, y) => x - y);
    const copies = new Set<string>();
    for (const offset of offsets) {
      const { key, value } = p.records.get(offset)!;
      if (!writers.has(key.slice(0, key.lastIndexOf('.')))) continue;
      const seq = Number(value);
      if (copies.has(`${key}#${seq}`)) {
        verdict.duplicated++;
        note(`duplicated: ${key} #${seq} again at ${index}@${offset}`);
      } else if (seq < (last.get(key) ?? -1)) {
        verdict.reordered++;
        note(`reordered: ${key} #${seq} at ${index}@${offset} after #${last.get(key)!}`);
      }
      copies.add(`${key}#${seq}`);
      last.set(key, Math.max(seq, last.get(key) ?? -1));
    }
  });
  const gone = new Set<string>();
  for (const s of seen) {
    const there = partitions[s.partition]!.records.get(s.offset);
    if (there?.key !== s.key || there.value !== s.value) gone.add(`${s.partition}@${s.offset} ${s.key} #${s.value}`);
  }
  verdict.seenThenGone = gone.size;
  for (const g of [...gone].slice(0, 2)) note(`seen then gone: ${g}`);
  partitions.forEach((p, index) => {
    const problems = divergedReplicas(cluster, topic, index, p);
    if (problems.length > 0) verdict.divergedPartitions++;
    problems.forEach(note);
  });
  return verdict;
}
