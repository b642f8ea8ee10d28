/**
 * A follower's copy of its leader's log (Kafka's UnifiedLog.appendAsFollower and
 * truncateTo, UnifiedLogTest's testAppendAsFollower* and testTruncateTo* cases): batches
 * keep their offsets and leader epochs, the epoch cache follows them, producer state is
 * taken as written, and truncation undoes all of it.
 */
import { describe, expect, test } from 'vitest';
import { Log } from '../../src/log/Log.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = 1_700_000_000_000;

/** Everything `log` holds, read in one go. */
const allOf = (log: Log) => log.read(log.logStartOffset, 1 << 24).records;

const txnBatch = (producerId: number, baseSequence: number, value: string) =>
  buildRecordBatch([{ value: Buffer.from(value), timestamp: T0 }], {
    producerId,
    producerEpoch: 0,
    baseSequence,
    transactional: true,
  });

const marker = (type: 'commit' | 'abort', producerId: number) =>
  buildEndTransactionMarkerBatch(type, { producerId, producerEpoch: 0, coordinatorEpoch: 0, timestamp: T0 });

describe('Log as leader and as follower', () => {
  test('a leader stamps its epoch in each batch and the cache; a follower appending its bytes ends byte-identical, with the same epochs', async () => {
    const leader = Log.open({ dir: tempDir() });
    const sent = sampleBatch(0, 3);
    await leader.append(sent, { leaderEpoch: 1 });
    expect(sent.readInt32BE(BatchHeader.partitionLeaderEpoch)).toBe(1); // in place, as LogValidator
    await leader.append(Buffer.concat([sampleBatch(1, 2), sampleBatch(2, 4)]), { leaderEpoch: 3 });
    await leader.append(sampleBatch(3, 1)); // no epoch given: the latest, 3
    expect(leader.latestEpoch).toBe(3);
    expect(leader.endOffsetForEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 3 });
    expect(leader.endOffsetForEpoch(2)).toEqual({ leaderEpoch: 1, endOffset: 3 });
    expect(leader.endOffsetForEpoch(3)).toEqual({ leaderEpoch: 3, endOffset: 10 });

    const follower = Log.open({ dir: tempDir(), hwFollowsLogEnd: false });
    const bytes = Buffer.from(allOf(leader));
    expect(await follower.appendAsFollower(bytes)).toMatchObject({ baseOffset: 0, lastOffset: 9, batches: 4 });
    expect(follower.logEndOffset).toBe(10);
    expect(allOf(follower).equals(allOf(leader))).toBe(true);
    expect(follower.latestEpoch).toBe(3);
    expect(follower.endOffsetForEpoch(1)).toEqual(leader.endOffsetForEpoch(1));
    expect(follower.highWatermark).toBe(0); // the leader tells it
    await Promise.all([leader.close(), follower.close()]);
    const reopened = Log.open({ dir: follower.dir });
    expect(reopened.endOffsetForEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 3 });
    await reopened.close();
  });

  test('below the log end is ERR_UNEXPECTED_APPEND_OFFSET, offsets out of order ERR_OFFSETS_OUT_OF_ORDER, a bad CRC ERR_CORRUPT_BATCH; nothing is written', async () => {
    const follower = Log.open({ dir: tempDir() });
    const at = (offset: number, seed: number, count = 2) =>
      buildRecordBatch(
        Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`v${seed}-${i}`), timestamp: T0 })),
        { baseOffset: offset, partitionLeaderEpoch: 0 },
      );
    await follower.appendAsFollower(at(0, 0));
    await expect(follower.appendAsFollower(at(1, 1))).rejects.toMatchObject({ code: 'ERR_UNEXPECTED_APPEND_OFFSET' });
    await expect(follower.appendAsFollower(Buffer.concat([at(2, 2), at(3, 3)]))).rejects.toMatchObject({
      code: 'ERR_OFFSETS_OUT_OF_ORDER',
    });
    const corrupt = at(2, 4);
    corrupt[corrupt.length - 1]! ^= 1;
    await expect(follower.appendAsFollower(corrupt)).rejects.toMatchObject({ code: 'ERR_CORRUPT_BATCH' });
    expect(follower.logEndOffset).toBe(2);
    // A gap above the log end is taken: the leader's log may start later.
    expect(await follower.appendAsFollower(at(7, 5))).toMatchObject({ baseOffset: 7, lastOffset: 8 });
    expect(follower.logEndOffset).toBe(9);
    expect(follower.read(2, 1 << 20).firstOffset).toBe(7);
    expect(await follower.appendAsFollower(Buffer.alloc(0))).toMatchObject({ batches: 0, baseOffset: 9 });
    // Past what the active segment's index can reach (int32 relative offsets): a new segment at the batch (Kafka's maybeRoll).
    const far = 2 ** 31 + 100;
    await follower.appendAsFollower(at(far, 6));
    expect(follower.segmentBaseOffsets).toEqual([0, far]);
    expect(follower.read(9, 1 << 20).firstOffset).toBe(far);
    await follower.close();
    const reopened = Log.open({ dir: follower.dir });
    expect([reopened.logEndOffset, reopened.read(far + 1, 1 << 20).firstOffset]).toEqual([far + 2, far]);
    await reopened.close();
  });

  test('producer state is taken as written: sequences unchecked, markers allowed, the same aborted transactions and LSO as the leader', async () => {
    const leader = Log.open({ dir: tempDir() });
    await leader.append(txnBatch(7, 0, 'a'));
    await leader.append(txnBatch(8, 0, 'b'));
    await leader.append(marker('abort', 7), { origin: 'coordinator' });
    const follower = Log.open({ dir: tempDir() });
    await follower.appendAsFollower(Buffer.from(allOf(leader)));
    expect(follower.abortedTransactions(0, 10)).toEqual(leader.abortedTransactions(0, 10));
    expect(follower.activeProducers()).toEqual(leader.activeProducers());
    // A sequence gap a client's append would be refused for (OUT_OF_ORDER_SEQUENCE_NUMBER).
    const gap = txnBatch(8, 5, 'c');
    gap.writeBigInt64BE(3n, BatchHeader.baseOffset);
    await expect(leader.append(Buffer.from(gap))).rejects.toMatchObject({ code: 'ERR_OUT_OF_ORDER_SEQUENCE_NUMBER' });
    await follower.appendAsFollower(gap);
    expect(follower.logEndOffset).toBe(4);
    follower.updateHighWatermark(4);
    expect(follower.lastStableOffset).toBe(1); // producer 8's transaction is still open
    await Promise.all([leader.close(), follower.close()]);
  });

  test('truncateTo removes batches, epochs and a high watermark above it; truncateFullyAndStartAt empties the log at an offset', async () => {
    const log = Log.open({ dir: tempDir(), hwFollowsLogEnd: false });
    await log.append(sampleBatch(0, 3), { leaderEpoch: 0 });
    await log.append(sampleBatch(1, 3), { leaderEpoch: 2 });
    await log.append(sampleBatch(2, 3), { leaderEpoch: 4 });
    expect(log.updateHighWatermark(8)).toBe(8);
    log.truncateTo(6);
    expect([log.logEndOffset, log.highWatermark, log.latestEpoch]).toEqual([6, 6, 2]);
    expect(log.endOffsetForEpoch(2)).toEqual({ leaderEpoch: 2, endOffset: 6 });
    // A leader's epoch assigned at its log end with nothing written goes with a truncation to the end (Kafka's truncateTo).
    log.maybeAssignEpochStartOffset(5, 6);
    log.truncateTo(6);
    expect(log.latestEpoch).toBe(2);
    expect(() => log.truncateTo(-1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    log.truncateFullyAndStartAt(20);
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark, log.latestEpoch]).toEqual([20, 20, 20, null]);
    await log.append(sampleBatch(3, 2), { leaderEpoch: 6 });
    expect(log.read(20, 1 << 20).firstOffset).toBe(20);
    await log.close();
  });
});
