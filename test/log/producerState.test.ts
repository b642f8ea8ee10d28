/**
 * Producer state on disk: the `.snapshot` and `.txnindex` files in Kafka's byte layout
 * (built here by hand from the format, not by our encoders), and the state surviving a
 * clean close, a corrupt or truncated snapshot, a truncation, and a SIGKILL.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Log } from '../../src/log/Log.js';
import { logFile, producerSnapshotFile, transactionIndexFile } from '../../src/log/LogFileNames.js';
import { decodeProducerSnapshot, encodeProducerSnapshot } from '../../src/log/ProducerSnapshotFile.js';
import { TransactionIndex } from '../../src/log/TransactionIndex.js';
import { native } from '../../src/native/addon.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { runChild } from '../helpers/childProcess.js';
import { tempDir } from '../helpers/tmp.js';
// @ts-expect-error plain JS fixture shared with the child process
import { idempotentBatch, PRODUCER_ID } from './fixtures/idempotent.mjs';

/** Kafka's PID_SNAPSHOT_MAP_SCHEMA, field by field (ProducerStateManager.writeSnapshot). */
function kafkaSnapshot(entries: bigint[][]): Buffer {
  const body: Buffer[] = [];
  const count = Buffer.alloc(4);
  count.writeInt32BE(entries.length);
  body.push(count);
  for (const [producerId, epoch, lastSeq, lastOffset, offsetDelta, timestamp, coordinatorEpoch, txnFirst] of entries) {
    const e = Buffer.alloc(46);
    e.writeBigInt64BE(producerId!, 0);
    e.writeInt16BE(Number(epoch), 8);
    e.writeInt32BE(Number(lastSeq), 10);
    e.writeBigInt64BE(lastOffset!, 14);
    e.writeInt32BE(Number(offsetDelta), 22);
    e.writeBigInt64BE(timestamp!, 26);
    e.writeInt32BE(Number(coordinatorEpoch), 34);
    e.writeBigInt64BE(txnFirst!, 38);
    body.push(e);
  }
  const rest = Buffer.concat(body);
  const head = Buffer.alloc(6);
  head.writeInt16BE(1, 0); // PRODUCER_SNAPSHOT_VERSION
  head.writeUInt32BE(native.crc32c(rest), 2); // Crc32C over everything after the crc field
  return Buffer.concat([head, rest]);
}

/** Kafka's AbortedTxn: version i16 0, producerId, firstOffset, lastOffset, lastStableOffset (i64 each). */
function kafkaAbortedTxn(producerId: bigint, first: bigint, last: bigint, lso: bigint): Buffer {
  const b = Buffer.alloc(34);
  b.writeInt16BE(0, 0);
  b.writeBigInt64BE(producerId, 2);
  b.writeBigInt64BE(first, 10);
  b.writeBigInt64BE(last, 18);
  b.writeBigInt64BE(lso, 26);
  return b;
}

describe('the .snapshot file (Kafka ProducerStateManager.readSnapshot/writeSnapshot)', () => {
  const kafkaBytes = kafkaSnapshot([
    [9000n, 3n, 41n, 120n, 4n, 1_700_000_000_000n, 7n, -1n],
    [9001n, 0n, -1n, -1n, 0n, 1_700_000_000_500n, 2n, 200n],
  ]);

  test('reads the entries of a file in Kafka layout, and writes the same bytes', () => {
    const entries = decodeProducerSnapshot(kafkaBytes, 'kafka');
    expect(entries.map((e) => [e.producerId, e.producerEpoch, e.lastSeq, e.lastDataOffset, e.lastOffsetDelta])).toEqual(
      [
        [9000, 3, 41, 120, 4],
        [9001, 0, -1, -1, 0],
      ],
    );
    expect(entries[0]!.firstSeq).toBe(37);
    expect(entries.map((e) => [e.lastTimestamp, e.coordinatorEpoch, e.currentTxnFirstOffset])).toEqual([
      [1_700_000_000_000, 7, -1],
      [1_700_000_000_500, 2, 200],
    ]);
    expect(encodeProducerSnapshot(entries)).toEqual(kafkaBytes);
  });

  const flipped = (b: Buffer) => {
    b[20]! ^= 1;
    return b;
  };
  const versioned = (b: Buffer) => {
    b.writeInt16BE(2, 0);
    return b;
  };
  test.each([
    ['a flipped bit', flipped, /CRC is no longer valid/],
    ['another version', versioned, /unknown file version 2/],
    ['a torn tail', (b: Buffer) => b.subarray(0, b.length - 3), /CRC is no longer valid/],
  ])('refuses %s (CorruptSnapshotException)', (_, damage, message) => {
    expect(() => decodeProducerSnapshot(damage(Buffer.from(kafkaBytes)), 'x')).toThrow(message);
  });
});

describe('the .txnindex file (Kafka TransactionIndex/AbortedTxn)', () => {
  test('reads a file in Kafka layout; a torn last entry is cut; truncateTo drops from an offset', () => {
    const dir = tempDir();
    const path = transactionIndexFile(dir, 100);
    const torn = kafkaAbortedTxn(3n, 130n, 140n, 141n).subarray(0, 20);
    writeFileSync(
      path,
      Buffer.concat([kafkaAbortedTxn(1n, 100n, 110n, 111n), kafkaAbortedTxn(2n, 105n, 120n, 121n), torn]),
    );
    const index = new TransactionIndex(path, 100);
    expect(index.all()).toEqual([
      { producerId: 1, firstOffset: 100, lastOffset: 110, lastStableOffset: 111 },
      { producerId: 2, firstOffset: 105, lastOffset: 120, lastStableOffset: 121 },
    ]);
    expect(readFileSync(path).length).toBe(68);
    expect(index.collect(111, 200).map((t) => t.producerId)).toEqual([2]);
    expect(index.collect(0, 105).map((t) => t.producerId)).toEqual([1]);
    index.append({ producerId: 4, firstOffset: 122, lastOffset: 125, lastStableOffset: 126 });
    expect(readFileSync(path).subarray(68)).toEqual(kafkaAbortedTxn(4n, 122n, 125n, 126n));
    expect(() => index.append({ producerId: 5, firstOffset: 1, lastOffset: 125, lastStableOffset: 126 })).toThrow(
      /must increase sequentially/,
    );
    index.truncateTo(120);
    expect(readFileSync(path).length).toBe(34);
    index.truncateTo(0);
    expect(existsSync(path)).toBe(false);
  });
});

const retry = (seq: number) => idempotentBatch(seq) as Buffer;
const snapshots = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.snapshot'));

describe('producer state across restarts', () => {
  test('a clean close writes a snapshot at the log end; reopened, a retry is still a duplicate', async () => {
    const dir = tempDir();
    let log = Log.open({ dir });
    for (let seq = 0; seq < 3; seq++) await log.append(retry(seq));
    await log.close();
    expect(snapshots(dir)).toEqual(['00000000000000000003.snapshot']);
    log = Log.open({ dir, hadCleanShutdown: true });
    expect(await log.append(retry(2))).toMatchObject({ baseOffset: 2, duplicate: true });
    await expect(log.append(retry(5))).rejects.toMatchObject({ code: 'ERR_OUT_OF_ORDER_SEQUENCE_NUMBER' });
    expect(log.logEndOffset).toBe(3);
    await log.close();
  });

  // Where Kafka's rebuildProducerState reads nothing (no snapshot after a clean shutdown), the log is read.
  test('a log with no snapshot (written before them) is read from its start, even after a clean shutdown', async () => {
    const dir = tempDir();
    let log = Log.open({ dir, config: { segmentBytes: 1024 } });
    for (let seq = 0; seq < 12; seq++) await log.append(retry(seq));
    await log.close();
    for (const name of snapshots(dir)) rmSync(join(dir, name));
    log = Log.open({ dir, config: { segmentBytes: 1024 }, hadCleanShutdown: true });
    expect(await log.append(retry(11))).toMatchObject({ baseOffset: 11, duplicate: true });
    expect(snapshots(dir)).toEqual(['00000000000000000012.snapshot']);
    await log.close();
  });

  // ProducerStateManager.loadFromSnapshot: a CorruptSnapshotException deletes the file and tries the next older one.
  test.each([
    ['corrupt', (path: string) => writeFileSync(path, Buffer.alloc(30, 7))],
    ['truncated', (path: string) => truncateSync(path, 9)],
  ])('a %s snapshot is deleted and the state rebuilt from further back', async (_, damage) => {
    const dir = tempDir();
    let log = Log.open({ dir, config: { segmentBytes: 1024 } });
    for (let seq = 0; seq < 20; seq++) await log.append(retry(seq));
    await log.close();
    const latest = snapshots(dir).at(-1)!;
    expect(latest).toBe('00000000000000000020.snapshot');
    expect(snapshots(dir).length).toBeGreaterThan(2);
    damage(join(dir, latest));
    log = Log.open({ dir, config: { segmentBytes: 1024 } });
    // Written again, whole, after the rebuild.
    expect(decodeProducerSnapshot(readFileSync(join(dir, latest)), latest)).toHaveLength(1);
    expect(await log.append(retry(19))).toMatchObject({ baseOffset: 19, duplicate: true });
    expect(await log.append(retry(20))).toMatchObject({ baseOffset: 20 });
    await log.close();
  });

  test('truncateTo rebuilds the state: a truncated batch is no longer a duplicate', async () => {
    const dir = tempDir();
    const log = Log.open({ dir, config: { segmentBytes: 1024 } });
    for (let seq = 0; seq < 12; seq++) await log.append(retry(seq));
    log.truncateTo(10);
    expect(await log.append(retry(9))).toMatchObject({ baseOffset: 9, duplicate: true });
    expect(await log.append(retry(10))).toMatchObject({ baseOffset: 10 });
    expect(log.logEndOffset).toBe(11);
    await log.close();
  });

  // ProducerStateManager.removeExpiredProducers: idle past producer.id.expiration.ms, no ongoing transaction.
  test('expired producers are forgotten, those in a transaction kept', async () => {
    const dir = tempDir();
    const log = Log.open({ dir, config: { producerIdExpirationMs: 1000 } });
    const now = Date.now();
    await log.append(
      buildRecordBatch([{ value: null, timestamp: now }], { producerId: 1, producerEpoch: 0, baseSequence: 0 }),
    );
    const txn = { producerId: 2, producerEpoch: 0, baseSequence: 0, transactional: true };
    await log.append(buildRecordBatch([{ value: null, timestamp: now }], txn));
    log.removeExpiredProducers(now + 999);
    expect(log.activeProducers().map((p) => p.producerId)).toEqual([1, 2]);
    log.removeExpiredProducers(now + 1000);
    expect(log.activeProducers().map((p) => p.producerId)).toEqual([2]);
    await log.close();
  });

  test('an aborted transaction is indexed in its marker segment, kept across a restart, and goes with its segment', async () => {
    const dir = tempDir();
    let log = Log.open({ dir });
    const txn = { producerId: 2, producerEpoch: 0, baseSequence: 0, transactional: true };
    await log.append(buildRecordBatch([{ value: null }, { value: null }], txn));
    const abort = buildEndTransactionMarkerBatch('abort', { producerId: 2, producerEpoch: 0, coordinatorEpoch: 1 });
    await log.append(abort, { origin: 'coordinator' });
    expect(readFileSync(transactionIndexFile(dir, 0))).toEqual(kafkaAbortedTxn(2n, 0n, 2n, 3n));
    log.roll();
    await log.close();
    log = Log.open({ dir });
    expect(log.abortedTransactions(0, 3)).toEqual([
      { producerId: 2, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 },
    ]);
    log.deleteRecordsBefore(3);
    expect(existsSync(transactionIndexFile(dir, 0))).toBe(false);
    expect(log.abortedTransactions(0, 3)).toEqual([]);
    await log.close();
  });

  test('a marker cut from the log by recovery: its index entry goes, the transaction is open again', async () => {
    const dir = tempDir();
    let log = Log.open({ dir });
    const txn = { producerId: 2, producerEpoch: 0, baseSequence: 0, transactional: true };
    await log.append(buildRecordBatch([{ value: null }, { value: null }], txn));
    const abort = buildEndTransactionMarkerBatch('abort', { producerId: 2, producerEpoch: 0, coordinatorEpoch: 1 });
    await log.append(abort, { origin: 'coordinator' });
    await log.close();
    truncateSync(logFile(dir, 0), statSync(logFile(dir, 0)).size - abort.length);
    log = Log.open({ dir });
    expect([log.logEndOffset, log.lastStableOffset]).toEqual([2, 0]);
    expect(log.abortedTransactions(0, 10)).toEqual([]);
    expect(existsSync(transactionIndexFile(dir, 0))).toBe(false);
    await log.close();
  });

  test('an open transaction survives a restart: the LSO stays at its first offset', async () => {
    const dir = tempDir();
    let log = Log.open({ dir });
    await log.append(buildRecordBatch([{ value: null }]));
    await log.append(
      buildRecordBatch([{ value: null }], { producerId: 3, producerEpoch: 0, baseSequence: 0, transactional: true }),
    );
    await log.close();
    log = Log.open({ dir, hadCleanShutdown: true });
    expect([log.lastStableOffset, log.logEndOffset]).toEqual([1, 2]);
    await log.append(
      buildEndTransactionMarkerBatch('commit', { producerId: 3, producerEpoch: 0, coordinatorEpoch: 0 }),
      {
        origin: 'coordinator',
      },
    );
    expect(log.lastStableOffset).toBe(3);
    await log.close();
  });

  test('after a SIGKILL of a process appending as an idempotent producer, its retry is recognised', async () => {
    const dir = tempDir();
    const run = await runChild(join(import.meta.dirname, 'fixtures', 'idempotent-child.mjs'), [dir], 300);
    expect(run.signal).toBe('SIGKILL');
    const last = run.acked.at(-1)!;
    expect(last).toBeGreaterThan(20);
    expect(existsSync(producerSnapshotFile(dir, 0)) || snapshots(dir).length > 0).toBe(true);
    const log = Log.open({ dir, config: { segmentBytes: 2048 } });
    const end = log.logEndOffset;
    expect(end).toBeGreaterThan(last);
    // The last batch written (acknowledged or not) is answered with its offset, nothing appended.
    expect(await log.append(retry(end - 1))).toMatchObject({ baseOffset: end - 1, duplicate: true });
    expect(log.logEndOffset).toBe(end);
    expect(log.activeProducers()).toEqual([
      expect.objectContaining({ producerId: PRODUCER_ID, lastSequence: end - 1 }),
    ]);
    await expect(log.append(retry(end + 1))).rejects.toMatchObject({ code: 'ERR_OUT_OF_ORDER_SEQUENCE_NUMBER' });
    await log.close();
  });
});
