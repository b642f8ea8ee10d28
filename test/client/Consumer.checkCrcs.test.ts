/**
 * checkCrcs (Kafka's check.crcs, default true): a byte flipped in a stored batch, on disk
 * after a clean close, reaches no consumer as a record. As Kafka's CompletedFetch
 * (maybeEnsureValid -> DefaultRecordBatch.ensureValid, then fetchRecords' cached
 * exception) the records before the bad batch are handed out, then a typed error names
 * the topic, partition and the batch's base offset, and it is raised again at the same
 * position on the next poll. checkCrcs: false hands the records out as stored.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { ConsumerOptions, ConsumerRecord } from '../../src/client/Consumer.js';
import { Tributary } from '../../src/client/Tributary.js';
import { isTributaryError, type TributaryError } from '../../src/errors.js';
import { corruptBatchMessage, corruptedLog, TOPIC, type CorruptedLog } from '../helpers/corruptBatch.js';
import { tempDir } from '../helpers/tmp.js';

const open: Tributary[] = [];

afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

async function reopen(dataDir: string): Promise<Tributary> {
  const t = await Tributary.open({ dataDir });
  open.push(t);
  return t;
}

/** Records from the iteration until it ends or fails; the failure, if any. */
async function readUntilError(
  records: AsyncIterable<ConsumerRecord>,
  count: number,
): Promise<{ read: ConsumerRecord[]; error: unknown }> {
  const read: ConsumerRecord[] = [];
  try {
    for await (const record of records) {
      read.push(record);
      if (read.length === count) break;
    }
  } catch (error) {
    return { read, error };
  }
  return { read, error: null };
}

function expectCorruptBatchError(error: unknown, bad: CorruptedLog['bad']): void {
  expect(isTributaryError(error, 'ERR_CORRUPT_BATCH')).toBe(true);
  const e = error as TributaryError;
  const { baseOffset: offset, storedCrc, computedCrc } = bad;
  expect(e).toMatchObject({ topic: TOPIC, partition: 0, offset, storedCrc, computedCrc });
  expect(e.kafka.name).toBe('CORRUPT_MESSAGE');
  expect(e.message).toBe(corruptBatchMessage(bad));
}

function consumerFrom(t: Tributary, options: ConsumerOptions = {}) {
  const consumer = t.consumer(options);
  consumer.assign([{ topic: TOPIC, partition: 0, offset: 'earliest' }]);
  return consumer;
}

describe('Consumer checkCrcs', () => {
  test('by default a flipped byte is ERR_CORRUPT_BATCH naming topic, partition and offset, after the records before it; raised again at the same position', async () => {
    const { dataDir, written, bad } = await corruptedLog('none');
    const consumer = consumerFrom(await reopen(dataDir));
    const first = await readUntilError(consumer, written.length);
    expect(first.read.map((r) => r.value!.toString())).toEqual(written.slice(0, bad.baseOffset));
    expectCorruptBatchError(first.error, bad);
    // Not skipped past: the position stays at the bad batch and the next poll raises it again.
    expect(consumer.position({ topic: TOPIC, partition: 0 })).toBe(bad.baseOffset);
    const again = await readUntilError(consumer, written.length);
    expect(again.read).toEqual([]);
    expectCorruptBatchError(again.error, bad);
    // Seeking past it (what Kafka's message says to do) reads on.
    consumer.seek({ topic: TOPIC, partition: 0, offset: bad.lastOffset + 1 });
    const after = await readUntilError(consumer, written.length - bad.lastOffset - 1);
    expect(after.read.map((r) => r.value!.toString())).toEqual(written.slice(bad.lastOffset + 1));
  });

  test('checkCrcs: false hands out the records as stored, one value different from what was written', async () => {
    const { dataDir, written, bad } = await corruptedLog('none');
    const t = await reopen(dataDir);
    expect((await readUntilError(consumerFrom(t), written.length)).read).toHaveLength(bad.baseOffset);
    const { read, error } = await readUntilError(consumerFrom(t, { checkCrcs: false }), written.length);
    expect(error).toBeNull();
    expect(read.map((r) => r.offset)).toEqual(written.map((_, i) => i));
    const differing = read.filter((r, i) => r.value!.toString() !== written[i]).map((r) => r.offset);
    expect(differing).toEqual([bad.lastOffset]);
  });

  test('a compressed (snappy) batch is checked before it is decompressed; batches() hands out those before it', async () => {
    const { dataDir, written, bad } = await corruptedLog('snappy');
    const consumer = consumerFrom(await reopen(dataDir));
    const values: string[] = [];
    let error: unknown = null;
    try {
      for await (const batch of consumer.batches()) {
        values.push(...batch.records.map((r) => r.value!.toString()));
        if (batch.records.at(-1)!.offset + 1 === batch.highWatermark) break;
      }
    } catch (e) {
      error = e;
    }
    expect(values).toEqual(written.slice(0, bad.baseOffset));
    expectCorruptBatchError(error, bad);
  });

  test('a group consumer checks too, and takes checkCrcs: false', async () => {
    const { dataDir, written, bad } = await corruptedLog('none');
    const t = await reopen(dataDir);
    const group = { heartbeatIntervalMs: 50, autoOffsetReset: 'earliest' as const, autoCommit: false };
    const checked = t.consumer({ ...group, groupId: 'checked' });
    checked.subscribe([TOPIC]);
    const { read, error } = await readUntilError(checked, written.length);
    expect(read).toHaveLength(bad.baseOffset);
    expectCorruptBatchError(error, bad);
    await checked.close();
    const unchecked = t.consumer({ ...group, groupId: 'unchecked', checkCrcs: false });
    unchecked.subscribe([TOPIC]);
    expect((await readUntilError(unchecked, written.length)).read).toHaveLength(written.length);
    await unchecked.close();
  });

  test('checkCrcs must be a boolean', async () => {
    const t = await reopen(tempDir());
    expect(() => t.consumer({ checkCrcs: 'no' as never })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: "checkCrcs must be a boolean, got string 'no'",
      }),
    );
  });
});
