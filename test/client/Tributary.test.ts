/**
 * The embedded API end to end, through the public surface only (src/index.ts), with
 * real directories and, for crash safety, a real process killed mid-produce.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isTributaryError, partitionForKey, Tributary, type TributaryError } from '../../src/index.js';
import { runChild } from '../helpers/childProcess.js';
import { refusal } from '../helpers/refusal.js';
import { tempDir } from '../helpers/tmp.js';

const CHILD = join(import.meta.dirname, 'fixtures', 'produce-child.mjs');

/** Reads every record of `topic` from the start, up to each partition's end, as plain values. */
async function readAll(
  t: Tributary,
  topic: string,
): Promise<{ partition: number; offset: number; key: string | null; value: string | null }[]> {
  const description = await t.admin.describeTopic(topic);
  const consumer = t.consumer();
  const ends = new Map(description.partitions.map((p) => [p.partition, p.logEndOffset]));
  const pending = description.partitions.filter((p) => p.logEndOffset > p.logStartOffset);
  consumer.assign(description.partitions.map((p) => ({ topic, partition: p.partition, offset: 'earliest' as const })));
  const out: { partition: number; offset: number; key: string | null; value: string | null }[] = [];
  let remaining = pending.reduce((n, p) => n + (p.logEndOffset - p.logStartOffset), 0);
  if (remaining > 0) {
    for await (const r of consumer) {
      out.push({
        partition: r.partition,
        offset: r.offset,
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
      });
      if (r.offset < ends.get(r.partition)!) remaining--;
      if (remaining === 0) break;
    }
  }
  await consumer.close();
  return out;
}

describe('Tributary (embedded)', () => {
  test('the README flow: create, produce, consume, reopen keeps topics, configs and data', async () => {
    const dataDir = tempDir();
    let t = await Tributary.open({ dataDir });
    await t.admin.createTopic('events', { partitions: 3, config: { 'retention.ms': '604800000' } });
    const producer = t.producer({ lingerMs: 5, batchSize: 65536, compression: 'zstd', durability: 'always' });
    const keys = Array.from({ length: 300 }, (_, i) => `user-${i % 37}`);
    const meta = await producer.send(
      'events',
      keys.map((key, i) => ({ key, value: Buffer.from(`hi ${i}`), headers: { source: 'web' } })),
    );
    expect(meta).toHaveLength(300);
    meta.forEach((m, i) => expect(m.partition).toBe(partitionForKey(Buffer.from(keys[i]!), 3)));
    await t.close();

    t = await Tributary.open({ dataDir });
    expect(await t.admin.listTopics()).toEqual(['events']);
    expect((await t.admin.describeTopic('events')).config['retention.ms']).toBe('604800000');
    const records = await readAll(t, 'events');
    expect(records).toHaveLength(300);
    const byPartition = new Map<number, number[]>();
    for (const r of records)
      byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), Number(r.value!.slice(3))]);
    for (const values of byPartition.values()) expect(values).toEqual([...values].sort((a, b) => a - b)); // per-partition order = send order
    const again = await t.producer().send('events', [{ key: 'user-5', value: 'after reopen' }]);
    expect(again[0]!.partition).toBe(meta[5]!.partition); // the same key lands in the same partition after reopen
    await t.close();
  });

  test('concurrent producers and a consumer waiting on new data in one process', async () => {
    const t = await Tributary.open({ dataDir: tempDir() });
    await t.admin.createTopic('chat', { partitions: 2 });
    const consumer = t.consumer();
    consumer.assign([0, 1].map((partition) => ({ topic: 'chat', partition, offset: 'latest' as const })));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const r of consumer) {
        seen.push(r.value!.toString());
        if (seen.length === 400) break;
      }
    })();
    const producers = [t.producer({ lingerMs: 2 }), t.producer({ lingerMs: 0 })];
    await Promise.all(
      producers.map((p, n) =>
        Promise.all(Array.from({ length: 200 }, (_, i) => p.send('chat', [{ key: `k${i % 7}`, value: `${n}:${i}` }]))),
      ),
    );
    await reading;
    expect(seen.sort()).toEqual([0, 1].flatMap((n) => Array.from({ length: 200 }, (_, i) => `${n}:${i}`)).sort());
    const stats = t.stats().partitions;
    expect(stats.reduce((n, s) => n + s.recordsIn, 0)).toBe(400);
    expect(stats.reduce((n, s) => n + s.recordsOut, 0)).toBe(400);
    await t.close();
  });

  test('bad arguments are typed errors; a closed instance refuses work', async () => {
    const t = await Tributary.open({ dataDir: tempDir() });
    const codeOf = async (f: () => unknown) => {
      try {
        await f();
      } catch (error) {
        return isTributaryError(error) ? error.code : `untyped: ${String(error)}`;
      }
      return 'none';
    };
    expect(await codeOf(() => t.admin.createTopic('bad name!'))).toBe('ERR_INVALID_TOPIC');
    expect(await codeOf(() => t.admin.createTopic('ok', { partitions: 0 }))).toBe('ERR_INVALID_PARTITIONS');
    expect(await codeOf(() => t.admin.createTopic('ok', { config: { 'no.such.config': '1' } }))).toBe(
      'ERR_INVALID_CONFIG',
    );
    expect(await codeOf(() => t.admin.describeTopic('missing'))).toBe('ERR_UNKNOWN_TOPIC');
    expect(await codeOf(() => t.producer().send('missing', [{ value: 'x' }]))).toBe('ERR_UNKNOWN_TOPIC');
    await t.admin.createTopic('ok');
    expect(await codeOf(() => t.admin.deleteRecords([{ topic: 'ok', partition: 0, offset: 5 }]))).toBe(
      'ERR_OFFSET_OUT_OF_RANGE',
    );
    expect(await codeOf(() => Tributary.open({ dataDir: t.dataDir }))).toBe('ERR_DATA_DIR_LOCKED');
    await t.close();
    expect(await codeOf(() => t.producer())).toBe('ERR_CLOSED');
  });

  test('open and consumer refuse bad arguments with ERR_INVALID_ARGUMENT naming them; a dataDir that is a file is ENOTDIR', async () => {
    const invalid = (message: string) => ({ code: 'ERR_INVALID_ARGUMENT', message });
    expect(await refusal(() => Tributary.open({} as never))).toEqual(
      invalid('Tributary.open: dataDir must be a non-empty string, got undefined'),
    );
    expect(await refusal(() => Tributary.open(undefined as never))).toEqual(
      invalid('Tributary.open: dataDir must be a non-empty string, got undefined'),
    );
    expect(await refusal(() => Tributary.open('./data' as never))).toEqual(
      invalid("Tributary.open: options must be an object, got string './data'"),
    );
    expect(
      await refusal(() => Tributary.open({ dataDir: tempDir(), topicDefaults: { 'retention.ms': 1 as never } })),
    ).toEqual(invalid("Tributary.open: topicDefaults['retention.ms'] must be a string, got number 1"));
    expect(await refusal(() => Tributary.open({ dataDir: tempDir(), maxPartitions: '3' as never }))).toEqual(
      invalid("Tributary.open: maxPartitions must be a positive integer, got string '3'"),
    );
    expect(await refusal(() => Tributary.open({ dataDir: tempDir(), maxOpenFiles: 0 }))).toEqual(
      invalid('Tributary.open: maxOpenFiles must be a positive integer, got number 0'),
    );
    const file = join(tempDir(), 'a-file');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'not a directory');
    const notDir = await Tributary.open({ dataDir: file }).catch((error: unknown) => error);
    expect(notDir).toMatchObject({ code: 'ENOTDIR', path: file, message: `dataDir ${file} is not a directory` });

    const t = await Tributary.open({ dataDir: tempDir(), topicDefaults: { 'retention.ms': '60000' } });
    expect(await refusal(() => t.consumer('g' as never))).toEqual(
      invalid("consumer: options must be an object, got string 'g'"),
    );
    await t.close();
  });

  test.skipIf(process.getuid?.() !== 0)(
    'a full disk (a small tmpfs) fails a send with ENOSPC, its path and syscall; freed space takes appends again',
    async () => {
      const mount = tempDir();
      mkdirSync(mount, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount]);
      try {
        const t = await Tributary.open({ dataDir: mount });
        await t.admin.createTopic('events', { config: { 'segment.bytes': '262144' } });
        const producer = t.producer({ lingerMs: 0 });
        let failure: unknown = null;
        let acked = 0;
        while (failure === null && acked < 1000) {
          await producer.send('events', [{ value: Buffer.alloc(10_000, 1) }]).then(
            () => acked++,
            (error: unknown) => (failure = error),
          );
        }
        // Kafka turns an IOException on a log into KafkaStorageException (KAFKA_STORAGE_ERROR).
        expect(isTributaryError(failure)).toBe(true);
        const error = failure as TributaryError;
        expect(error).toMatchObject({ code: 'ENOSPC', syscall: 'fallocate', errno: -28, offset: acked });
        expect(error.kafka.name).toBe('KAFKA_STORAGE_ERROR');
        expect(error.path).toMatch(/events-0\/\d{20}\.log$/);
        expect(error.message).toMatch(/^append to events-0 at offset \d+ failed: ENOSPC: /);
        expect(error.message).not.toMatch(/invalid record batch/);

        execFileSync('mount', ['-o', 'remount,size=8m', mount]); // as after an operator frees space
        expect(await producer.send('events', [{ value: 'after' }])).toEqual([
          { topic: 'events', partition: 0, offset: acked },
        ]);
        await t.close();
      } finally {
        execFileSync('umount', ['-l', mount]);
      }
    },
  );

  test('maxPartitions bounds the partitions a data directory holds (ERR_PARTITION_LIMIT, POLICY_VIOLATION on the wire)', async () => {
    const t = await Tributary.open({ dataDir: tempDir(), maxPartitions: 4, maxOpenFiles: 3 });
    await t.admin.createTopic('a', { partitions: 3 });
    const refused = await t.admin.createTopic('b', { partitions: 2 }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ERR_PARTITION_LIMIT' });
    expect((refused as TributaryError).kafka.name).toBe('POLICY_VIOLATION');
    expect(await t.admin.listTopics()).toEqual(['a']);
    // A budget of three descriptors (one partition's active segment) still serves all three partitions.
    const producer = t.producer();
    for (let round = 0; round < 2; round++)
      for (let partition = 0; partition < 3; partition++) await producer.send('a', [{ partition, value: `${round}` }]);
    expect(t.stats().partitions.map((p) => p.logEndOffset)).toEqual([2, 2, 2]);
    await t.close();
  });

  test('every acknowledged record survives SIGKILL mid-produce (durability always)', async () => {
    const dataDir = tempDir();
    let acked = -1;
    for (const killAfterMs of [150, 400, 50]) {
      const run = await runChild(CHILD, [dataDir], killAfterMs);
      expect(run.signal).toBe('SIGKILL');
      acked = Math.max(acked, ...run.acked);
    }
    expect(acked).toBeGreaterThan(0);
    const t = await Tributary.open({ dataDir });
    const values = new Set((await readAll(t, 'events')).map((r) => r.value));
    for (let k = 0; k <= acked; k++) expect(values.has(`value-${k}`), `record ${k}`).toBe(true);
    await t.close();
  });
});
