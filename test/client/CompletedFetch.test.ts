import { describe, expect, test } from 'vitest';
import { CompletedFetch } from '../../src/client/CompletedFetch.js';
import type { ConsumerRecord } from '../../src/client/ConsumerRecord.js';
import { Log } from '../../src/log/Log.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import { buildRecordBatch, type BatchOptions } from '../../src/record/RecordBatchBuilder.js';
import { tempDir } from '../helpers/tmp.js';

const values = (records: ConsumerRecord[]): string[] => records.map((r) => r.value!.toString());

const T0 = 1_700_000_000_000;
const from = { topic: 't', partition: 0, highWatermark: 6, lastStableOffset: 6 };
const uncommitted = { checkCrcs: true, abortedTransactions: null };

function batchOf(names: string[], options: BatchOptions = {}): Buffer {
  return buildRecordBatch(
    names.map((n) => ({ value: Buffer.from(n), timestamp: T0 })),
    options,
  );
}

/** Offsets 0-2 a, b, c; 3 a commit marker; 4-5 d, e (gzip): the bytes a log read from 0 returns (one segment: the same timestamps, so no time roll). */
async function readOfThreeBatches(): Promise<{ log: Log; bytes: Buffer }> {
  const log = Log.open({ dir: tempDir() });
  const producer = { producerId: 7, producerEpoch: 0, baseSequence: 0, transactional: true };
  await log.append(batchOf(['a', 'b', 'c'], producer));
  await log.append(
    buildEndTransactionMarkerBatch('commit', { producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, timestamp: T0 }),
    { origin: 'coordinator' },
  );
  await log.append(batchOf(['d', 'e'], { compression: 'gzip' }));
  return { log, bytes: log.read(0, 1 << 20).records };
}

describe('CompletedFetch', () => {
  test('hands out records from the position on, at most `max` a call, past the marker; nextOffset follows what was handed out', async () => {
    const { log, bytes } = await readOfThreeBatches();
    const fetch = new CompletedFetch(bytes, 1, from, uncommitted);
    const calls: { values: string[]; nextOffset: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const records = await fetch.take(2);
      calls.push({ values: values(records), nextOffset: fetch.nextOffset });
    }
    expect(calls).toEqual([
      { values: ['b', 'c'], nextOffset: 3 },
      { values: ['d', 'e'], nextOffset: 6 },
      { values: [], nextOffset: 6 },
      { values: [], nextOffset: 6 },
    ]);
    expect(fetch).toMatchObject({ topic: 't', partition: 0, highWatermark: 6 });
    await log.close();
  });

  test('a read cut inside its last batch: that batch is left for the next read, nextOffset stops before it', async () => {
    const { log, bytes } = await readOfThreeBatches();
    const fetch = new CompletedFetch(bytes.subarray(0, bytes.length - 1), 2, from, uncommitted);
    expect(values(await fetch.take(10))).toEqual(['c']);
    expect(fetch.nextOffset).toBe(4);
    await log.close();
  });
});
