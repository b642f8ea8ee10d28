/**
 * How fast GroupCoordinator.open() rebuilds groups from `__consumer_offsets`:
 * `npm run build:bench && node .bench-build/bench/offsetsLoad.js [commits] [trials]`
 * (`tsc -p tsconfig.bench.json` builds it).
 *
 * Writes `commits` offset commits (default 1,000,000: 100 groups x 1,000 partitions,
 * 10 commits per key, 1,000 offsets per OffsetCommit request), then, trial for trial,
 * times the coordinator's load and, as the same-run baseline, a bare scan of the same
 * log (every batch, every record's key and value view, nothing decoded).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/engine/Engine.js';
import { GroupCoordinator } from '../src/group/GroupCoordinator.js';
import { GROUP_METADATA_TOPIC_NAME } from '../src/group/GroupMetadataManager.js';
import { RecordBatch } from '../src/record/RecordBatch.js';

const GROUPS = 100;
const PARTITIONS = 1000;
const PER_REQUEST = 1000;
const OFFSETS_PARTITIONS = 50;

async function write(dataDir: string, commits: number): Promise<void> {
  const engine = await Engine.open({ dataDir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 });
  engine.createTopic('events', { partitions: PARTITIONS });
  const coordinator = await GroupCoordinator.open({ engine, offsetsTopicPartitions: OFFSETS_PARTITIONS });
  for (let done = 0, request = 0; done < commits; request++) {
    const offsets = Array.from({ length: Math.min(PER_REQUEST, commits - done) }, (_, i) => ({
      topic: 'events',
      partition: (done + i) % PARTITIONS,
      offset: done + i,
      leaderEpoch: 0,
      metadata: null,
    }));
    await coordinator.commitOffsets({ groupId: `group-${request % GROUPS}`, generationId: -1, memberId: '', groupInstanceId: null, offsets });
    done += offsets.length;
  }
  await coordinator.close();
  await engine.close();
}

function scan(engine: Engine): number {
  let records = 0;
  for (let p = 0; p < OFFSETS_PARTITIONS; p++) {
    const partition = engine.partition(GROUP_METADATA_TOPIC_NAME, p);
    let offset = partition.logStartOffset;
    while (offset < partition.logEndOffset) {
      const read = partition.read(offset, 8 * 1024 * 1024);
      for (const batch of RecordBatch.all(read.records)) {
        for (const record of batch.records()) if (record.key !== null && record.value !== undefined) records++;
        offset = batch.lastOffset + 1;
      }
    }
  }
  return records;
}

async function timed<T>(work: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = process.hrtime.bigint();
  const result = await work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

async function main(): Promise<void> {
  const commits = Number(process.argv[2] ?? 1_000_000);
  const trials = Number(process.argv[3] ?? 5);
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-offsets-load-'));
  try {
    const written = await timed(() => write(dataDir, commits));
    process.stderr.write(`wrote ${commits} commits in ${(written.ms / 1000).toFixed(2)} s\n`);
    const engine = await Engine.open({ dataDir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 });
    const rows: { loadMs: number; scanMs: number }[] = [];
    for (let t = 0; t < trials + 1; t++) {
      const scanned = await timed(() => scan(engine));
      if (scanned.result !== commits) throw new Error(`scan saw ${scanned.result} records, expected ${commits}`);
      const loaded = await timed(() => GroupCoordinator.open({ engine, offsetsTopicPartitions: OFFSETS_PARTITIONS }));
      const groups = loaded.result.listGroups({ statesFilter: [] }).groups.length;
      await loaded.result.close();
      if (groups !== GROUPS) throw new Error(`loaded ${groups} groups, expected ${GROUPS}`);
      if (t > 0) rows.push({ loadMs: loaded.ms, scanMs: scanned.ms });
    }
    await engine.close();
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const loadMs = median(rows.map((r) => r.loadMs));
    const scanMs = median(rows.map((r) => r.scanMs));
    const ratio = median(rows.map((r) => r.loadMs / r.scanMs));
    process.stdout.write(
      `${JSON.stringify({ commits, trials, loadSeconds: loadMs / 1000, loadRecordsPerSecond: Math.round(commits / (loadMs / 1000)), scanSeconds: scanMs / 1000, loadOverScan: ratio }, null, 2)}\n`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
