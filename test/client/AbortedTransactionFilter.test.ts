/**
 * read_committed filtering of a fetch, as Kafka's consumer does it (CompletedFetch.nextFetchedRecord
 * with READ_COMMITTED): each case is one of Kafka's FetcherTest / CompletedFetchTest cases,
 * named after it. The fetched bytes are built here, batch by batch with their offsets, from
 * the record builders: no log, no broker, no consumer.
 */
import { describe, expect, test } from 'vitest';
import type { AbortedTransaction } from '../../src/client/AbortedTransactionFilter.js';
import { CompletedFetch } from '../../src/client/CompletedFetch.js';
import { buildEndTransactionMarkerBatch, type ControlRecordTypeName } from '../../src/record/ControlRecord.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';

const T0 = 1_700_000_000_000;

/** A transactional batch of `producerId` at `baseOffset`, one record per key (its value the key too). */
function transactional(producerId: number, baseOffset: number, ...keys: string[]): Buffer {
  return buildRecordBatch(
    keys.map((k) => ({ key: Buffer.from(k), value: Buffer.from(k), timestamp: T0 })),
    { baseOffset, producerId, producerEpoch: 0, baseSequence: 0, transactional: true },
  );
}

function marker(type: ControlRecordTypeName, producerId: number, offset: number): Buffer {
  const batch = buildEndTransactionMarkerBatch(type, {
    producerId,
    producerEpoch: 0,
    coordinatorEpoch: 0,
    timestamp: T0,
  });
  batch.writeBigInt64BE(BigInt(offset), 0);
  return batch;
}

const commit = (producerId: number, offset: number) => marker('commit', producerId, offset);
const abort = (producerId: number, offset: number) => marker('abort', producerId, offset);

interface Read {
  keys: string[];
  offsets: number[];
  nextOffset: number;
}

/** Everything a consumer at `position` gets from the fetch, read_committed with `aborted` (null: read_uncommitted). */
async function consume(batches: Buffer[], aborted: AbortedTransaction[] | null, position = 0): Promise<Read> {
  const end = 1_000;
  const fetch = new CompletedFetch(
    Buffer.concat(batches),
    position,
    { topic: 't', partition: 0, highWatermark: end, lastStableOffset: end },
    { checkCrcs: true, abortedTransactions: aborted },
  );
  const records = await fetch.take(1_000);
  return {
    keys: records.map((r) => r.key!.toString()),
    offsets: records.map((r) => r.offset),
    nextOffset: fetch.nextOffset,
  };
}

describe('AbortedTransactionFilter through CompletedFetch', () => {
  test('CompletedFetchTest.testAbortedTransactionRecordsRemoved: an aborted transaction yields nothing read_committed; the position passes its marker', async () => {
    const batches = [transactional(1, 0, 'a', 'b'), abort(1, 2)];
    expect(await consume(batches, [{ producerId: 1, firstOffset: 0 }])).toEqual({
      keys: [],
      offsets: [],
      nextOffset: 3,
    });
  });

  test('CompletedFetchTest.testCommittedTransactionRecordsIncluded: a committed transaction is handed out whole', async () => {
    const batches = [transactional(1, 0, 'a', 'b'), commit(1, 2)];
    expect(await consume(batches, [])).toEqual({ keys: ['a', 'b'], offsets: [0, 1], nextOffset: 3 });
  });

  test('FetcherTest.testReturnAbortedTransactionsInUncommittedMode: read_uncommitted hands out aborted records, never the marker', async () => {
    const batches = [transactional(1, 0, 'a', 'b'), abort(1, 2)];
    expect(await consume(batches, null)).toEqual({ keys: ['a', 'b'], offsets: [0, 1], nextOffset: 3 });
  });

  test('FetcherTest.testReadCommittedWithCommittedAndAbortedTransactions: interleaved producers, each committing and aborting', async () => {
    const batches = [
      transactional(1, 0, 'commit1-1', 'commit1-2'),
      transactional(2, 2, 'abort2-1'),
      commit(1, 3),
      transactional(2, 4, 'abort2-2'),
      abort(2, 5),
      transactional(1, 6, 'abort1-1'),
      transactional(2, 7, 'commit2-1'),
      transactional(1, 8, 'abort1-2'),
      abort(1, 9),
      commit(2, 10),
    ];
    // Listed out of order: the consumer orders them by first offset (Kafka's PriorityQueue).
    const aborted = [
      { producerId: 1, firstOffset: 6 },
      { producerId: 2, firstOffset: 2 },
    ];
    expect(await consume(batches, aborted)).toEqual({
      keys: ['commit1-1', 'commit1-2', 'commit2-1'],
      offsets: [0, 1, 7],
      nextOffset: 11,
    });
  });

  test('FetcherTest.testMultipleAbortMarkers: a producer aborts (a duplicate abort marker ignored), then commits in sequence', async () => {
    const batches = [
      transactional(1, 0, 'abort1-1', 'abort1-2'),
      abort(1, 2),
      abort(1, 3),
      transactional(1, 4, 'commit1-1', 'commit1-2'),
      commit(1, 6),
    ];
    expect(await consume(batches, [{ producerId: 1, firstOffset: 0 }])).toEqual({
      keys: ['commit1-1', 'commit1-2'],
      offsets: [4, 5],
      nextOffset: 7,
    });
  });

  test('a producer commits, then aborts its next transaction: only the first is handed out', async () => {
    const batches = [transactional(1, 0, 'c1', 'c2'), commit(1, 2), transactional(1, 3, 'x1'), abort(1, 4)];
    expect(await consume(batches, [{ producerId: 1, firstOffset: 3 }])).toEqual({
      keys: ['c1', 'c2'],
      offsets: [0, 1],
      nextOffset: 5,
    });
  });

  test('FetcherTest.testReadCommittedAbortMarkerWithNoData: an aborted transaction starting before the fetch, only its marker in it', async () => {
    const batches = [abort(1, 5), transactional(1, 6, '6', '7', '8'), commit(1, 9)];
    expect(await consume(batches, [{ producerId: 1, firstOffset: 0 }], 5)).toEqual({
      keys: ['6', '7', '8'],
      offsets: [6, 7, 8],
      nextOffset: 10,
    });
  });

  test('FetcherTest.testSkippingAbortedTransactions over several fetches: the aborted transaction is listed by each fetch it overlaps', async () => {
    // Offsets 0-1 and 3 an aborted transaction of producer 1, 2 a committed record of producer 2; 4 the abort, 5 producer 2's commit.
    const first = [transactional(1, 0, 'x1', 'x2'), transactional(2, 2, 'ok')];
    const second = [transactional(1, 3, 'x3'), abort(1, 4), commit(2, 5)];
    // The broker lists the transaction for each fetch whose range it overlaps (its lastOffset 4 >= the fetch offset).
    const aborted = [{ producerId: 1, firstOffset: 0 }];
    const one = await consume(first, aborted, 0);
    const two = await consume(second, aborted, one.nextOffset);
    expect([one, two]).toEqual([
      { keys: ['ok'], offsets: [2], nextOffset: 3 },
      { keys: [], offsets: [], nextOffset: 6 },
    ]);
  });

  test('FetcherTest.testFetcherIgnoresControlRecords: a control batch at the end of the fetch moves the position past it, nothing handed out for it', async () => {
    const batches = [transactional(1, 0, 'a'), commit(1, 1)];
    const read = await consume(batches, [], 1);
    expect(read).toEqual({ keys: [], offsets: [], nextOffset: 2 });
  });

  test('a non-transactional batch of an aborted producer id is not aborted (isBatchAborted requires isTransactional)', async () => {
    const plain = buildRecordBatch([{ key: Buffer.from('p'), value: null, timestamp: T0 }], {
      baseOffset: 1,
      producerId: 1,
      producerEpoch: 0,
      baseSequence: 0,
    });
    const batches = [transactional(1, 0, 'x'), plain, abort(1, 2)];
    expect((await consume(batches, [{ producerId: 1, firstOffset: 0 }])).keys).toEqual(['p']);
  });
});
