/**
 * ProducerStateManager: what a partition knows of its idempotent and transactional
 * producers (Kafka's ProducerStateManager, 3.8): each producer id's entry, the ongoing
 * transactions by first offset (the first is the first unstable offset), and the
 * `<offset>.snapshot` files the state is saved to at each roll and clean close.
 *
 * An append is analysed before it is written (the duplicate of a retained batch, or
 * every producer's batches checked into ProducerAppendInfos) and the result taken only
 * once the batches are written, so a refused or failed append leaves the state as it
 * was. Batches without a producer id cost one header read and nothing else.
 */
import { readdirSync, rmSync } from 'node:fs';
import { isTributaryError } from '../errors.js';
import type { BatchInfo } from '../native/BatchScan.js';
import { readEndTransactionMarker } from '../record/ControlRecord.js';
import { RecordBatch } from '../record/RecordBatch.js';
import {
  baseOffsetOf,
  BatchAttributes,
  BatchHeader,
  lastOffsetOf,
  maxTimestampOf,
  producerIdOf,
} from '../record/RecordBatchHeader.js';
import { parseProducerSnapshotName, producerSnapshotFile } from './LogFileNames.js';
import {
  ProducerAppendInfo,
  type CompletedTxn,
  type ProducerMarker,
  type ProducerOrigin,
} from './ProducerAppendInfo.js';
import { readProducerSnapshot, writeProducerSnapshot } from './ProducerSnapshotFile.js';
import { incrementSequence, ProducerStateEntry, type BatchMetadata } from './ProducerStateEntry.js';

/** What an append does to producer state: nothing (no producer id), a duplicate, or updates to take once written. */
export type ProducerStateAnalysis =
  | { duplicate: BatchMetadata }
  | { duplicate: null; producers: Map<number, ProducerAppendInfo>; completedTxns: CompletedTxn[] };

/** An ongoing transaction (Kafka's TxnMetadata): its producer and first offset. */
export interface TxnMetadata {
  producerId: number;
  firstOffset: number;
}

/**
 * The batches of `records` (framed as `batches`) written from `firstOffset` (null: a
 * follower's, at their own offsets), each with its offsets, as `visit` sees them.
 */
function forEachProducerBatch(
  records: Buffer,
  batches: readonly BatchInfo[],
  firstOffset: number | null,
  visit: (bytes: Buffer, producerId: number, first: number, last: number, maxTimestamp: number) => boolean,
): void {
  let offset = firstOffset ?? 0;
  for (const b of batches) {
    const first = firstOffset === null ? b.baseOffset : offset;
    offset = first + b.lastOffset - b.baseOffset + 1;
    const producerId = producerIdOf(records, b.position);
    if (producerId < 0) continue;
    const bytes = b.size === records.length ? records : records.subarray(b.position, b.position + b.size);
    if (!visit(bytes, producerId, first, offset - 1, b.maxTimestamp)) return;
  }
}

/** Whether any batch has a producer id: most appends have none and stop here, one header read per batch. */
function anyProducerId(records: Buffer, batches: readonly BatchInfo[]): boolean {
  for (const b of batches) if (producerIdOf(records, b.position) >= 0) return true;
  return false;
}

/** The commit or abort marker of a control batch, null for an empty one (its transaction cleaned away, as Kafka skips it). */
function markerOf(bytes: Buffer, offset: number): ProducerMarker | null {
  // The batch's reader, not its records() generator: one record is read, once per marker appended.
  const record = RecordBatch.from(bytes).reader().next();
  if (record === null) return null;
  const { type, coordinatorEpoch } = readEndTransactionMarker(record);
  return {
    type,
    coordinatorEpoch,
    epoch: bytes.readInt16BE(BatchHeader.producerEpoch),
    offset,
    timestamp: record.timestamp,
  };
}

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
  /** Ongoing transactions, by first offset ascending. */
  private ongoingTxns: TxnMetadata[] = [];
  /**
   * Transactions whose marker is written but not yet below the high watermark (Kafka's
   * unreplicatedTxns), by first offset: they hold the last stable offset back until it
   * passes, so a read_committed reader never reads a transaction whose outcome a replica
   * might lose.
   */
  private unreplicatedTxns: (TxnMetadata & { lastOffset: number })[] = [];
  /** Offsets of the snapshot files, ascending. */
  private snapshots: number[];
  /** The offset the state is up to (Kafka's lastMapOffset), and that of the last snapshot. */
  private _mapEndOffset = 0;
  private lastSnapOffset = 0;

  constructor(
    private readonly dir: string,
    /** `<topic>-<partition>`, for Kafka's messages. */
    private readonly partition: string,
  ) {
    this.snapshots = this.listSnapshots();
  }

  private listSnapshots(): number[] {
    const offsets: number[] = [];
    for (const name of readdirSync(this.dir)) {
      const offset = parseProducerSnapshotName(name);
      if (offset !== null) offsets.push(offset);
    }
    return offsets.sort((a, b) => a - b);
  }

  /**
   * Checks the batches of an append written from `firstOffset` (Kafka's
   * UnifiedLog.analyzeAndValidateProducerState): null when none has a producer id; the
   * retained batch a client's batch repeats (nothing is to be written); else each
   * producer's checked update. Throws what Kafka's ProducerAppendInfo throws. Origin
   * 'replication' (a follower's append, the log read back) checks nothing and takes each
   * batch at its own offsets.
   */
  analyze(
    records: Buffer,
    batches: readonly BatchInfo[],
    firstOffset: number,
    origin: ProducerOrigin,
  ): ProducerStateAnalysis | null {
    if (!anyProducerId(records, batches)) return null;
    let duplicate: BatchMetadata | undefined;
    let producers: Map<number, ProducerAppendInfo> | null = null;
    const completedTxns: CompletedTxn[] = [];
    const at = origin === 'replication' ? null : firstOffset;
    forEachProducerBatch(records, batches, at, (bytes, producerId, first, last, maxTimestamp) => {
      if (origin === 'client') duplicate = this.findDuplicate(bytes, producerId);
      if (duplicate !== undefined) return false;
      producers ??= new Map();
      const txn = this.appendBatch(producers, bytes, producerId, first, last, maxTimestamp, origin);
      if (txn !== null) completedTxns.push(txn);
      return true;
    });
    if (duplicate !== undefined) return { duplicate };
    return producers === null ? null : { duplicate: null, producers, completedTxns };
  }

  private findDuplicate(bytes: Buffer, producerId: number): BatchMetadata | undefined {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return undefined;
    const firstSeq = bytes.readInt32BE(BatchHeader.baseSequence);
    const lastSeq = incrementSequence(firstSeq, bytes.readInt32BE(BatchHeader.lastOffsetDelta));
    return entry.findDuplicateBatch(bytes.readInt16BE(BatchHeader.producerEpoch), firstSeq, lastSeq);
  }

  /** Kafka's UnifiedLog.updateProducers: the batch added to its producer's ProducerAppendInfo. */
  private appendBatch(
    producers: Map<number, ProducerAppendInfo>,
    bytes: Buffer,
    producerId: number,
    first: number,
    last: number,
    maxTimestamp: number,
    origin: ProducerOrigin,
  ): CompletedTxn | null {
    let info = producers.get(producerId);
    if (info === undefined) {
      const current = this.producers.get(producerId) ?? ProducerStateEntry.empty(producerId);
      info = new ProducerAppendInfo(this.partition, producerId, current, origin);
      producers.set(producerId, info);
    }
    const attributes = bytes.readInt16BE(BatchHeader.attributes);
    if ((attributes & BatchAttributes.control) !== 0) {
      const marker = markerOf(bytes, first);
      return marker === null ? null : info.appendEndTxnMarker(marker);
    }
    const firstSeq = bytes.readInt32BE(BatchHeader.baseSequence);
    info.appendDataBatch({
      epoch: bytes.readInt16BE(BatchHeader.producerEpoch),
      firstSeq,
      lastSeq: incrementSequence(firstSeq, bytes.readInt32BE(BatchHeader.lastOffsetDelta)),
      maxTimestamp,
      firstOffset: first,
      lastOffset: last,
      transactional: (attributes & BatchAttributes.transactional) !== 0,
    });
    return null;
  }

  /** Takes each producer's update (Kafka's update(ProducerAppendInfo)); completed transactions are ended by completeTxn. */
  update(producers: Map<number, ProducerAppendInfo>): void {
    for (const info of producers.values()) {
      const current = this.producers.get(info.producerId);
      if (current === undefined) this.producers.set(info.producerId, info.updated);
      else current.update(info.updated);
      for (const firstOffset of info.startedTransactions) this.addOngoing({ producerId: info.producerId, firstOffset });
    }
  }

  private addOngoing(txn: TxnMetadata): void {
    this.ongoingTxns.push(txn);
    const n = this.ongoingTxns.length;
    if (n > 1 && this.ongoingTxns[n - 2]!.firstOffset > txn.firstOffset)
      this.ongoingTxns.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** The LSO an aborted transaction's index entry records: the next other ongoing transaction's start, else after its marker. */
  lastStableOffset(txn: CompletedTxn): number {
    return this.ongoingTxns.find((t) => t.producerId !== txn.producerId)?.firstOffset ?? txn.lastOffset + 1;
  }

  /** Kafka's completeTxn: no longer ongoing, but unreplicated until the high watermark passes its marker. */
  completeTxn(txn: CompletedTxn): void {
    this.ongoingTxns = this.ongoingTxns.filter((t) => t.firstOffset !== txn.firstOffset);
    const { producerId, firstOffset, lastOffset } = txn;
    this.unreplicatedTxns.push({ producerId, firstOffset, lastOffset });
    this.unreplicatedTxns.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** The high watermark moved (Kafka's onHighWatermarkUpdated): the transactions whose marker is below it are stable. */
  onHighWatermarkUpdated(highWatermark: number): void {
    if (this.unreplicatedTxns.length > 0)
      this.unreplicatedTxns = this.unreplicatedTxns.filter((t) => t.lastOffset >= highWatermark);
  }

  /** The first offset of the earliest ongoing transaction, or null (Kafka's firstUndecidedOffset). */
  get firstUndecidedOffset(): number | null {
    return this.ongoingTxns[0]?.firstOffset ?? null;
  }

  /**
   * The first offset of the earliest transaction ongoing or completed above the high
   * watermark, or null (Kafka's firstUnstableOffset): the last stable offset stops there.
   */
  get firstUnstableOffset(): number | null {
    const undecided = this.firstUndecidedOffset;
    const unreplicated = this.unreplicatedTxns[0]?.firstOffset ?? null;
    if (undecided === null || unreplicated === null) return undecided ?? unreplicated;
    return Math.min(undecided, unreplicated);
  }

  activeProducers(): ReadonlyMap<number, ProducerStateEntry> {
    return this.producers;
  }

  get mapEndOffset(): number {
    return this._mapEndOffset;
  }

  updateMapEndOffset(offset: number): void {
    this._mapEndOffset = offset;
  }

  /**
   * Saves the state as of mapEndOffset, unless a snapshot already holds it (Kafka's
   * takeSnapshot); `sync` at a clean close, not at a roll (as Kafka's roll).
   */
  takeSnapshot(sync: boolean): void {
    if (this._mapEndOffset <= this.lastSnapOffset) return;
    writeProducerSnapshot(producerSnapshotFile(this.dir, this._mapEndOffset), this.producers.values(), sync);
    if (!this.snapshots.includes(this._mapEndOffset)) {
      this.snapshots.push(this._mapEndOffset);
      this.snapshots.sort((a, b) => a - b);
    }
    this.lastSnapOffset = this._mapEndOffset;
  }

  get snapshotOffsets(): readonly number[] {
    return this.snapshots;
  }

  /** Forgets producers idle for `expirationMs` with no ongoing transaction (Kafka's removeExpiredProducers). */
  removeExpiredProducers(now: number, expirationMs: number): void {
    for (const [id, entry] of this.producers) {
      if (isExpired(entry, now, expirationMs)) this.producers.delete(id);
    }
  }

  /** Deletes the snapshot at `offset` (a deleted segment's base: Kafka's removeAndMarkSnapshotForDeletion). */
  deleteSnapshot(offset: number): void {
    const i = this.snapshots.indexOf(offset);
    if (i < 0) return;
    this.snapshots.splice(i, 1);
    rmSync(producerSnapshotFile(this.dir, offset), { force: true });
  }

  /** Deletes the snapshots at or after `offset` (those a failed append took at its rolls). */
  deleteSnapshotsFrom(offset: number): void {
    for (const snapshot of this.snapshots.filter((o) => o >= offset)) this.deleteSnapshot(snapshot);
  }

  /** Forgets everything, every snapshot too; the state starts at `offset` (Kafka's truncateFullyAndStartAt). */
  truncateFullyAndStartAt(offset: number): void {
    for (const snapshot of [...this.snapshots]) this.deleteSnapshot(snapshot);
    this.clear();
    this.lastSnapOffset = 0;
    this._mapEndOffset = offset;
  }

  private clear(): void {
    this.producers.clear();
    this.ongoingTxns = [];
    this.unreplicatedTxns = [];
  }

  /**
   * Kafka's truncateAndReload: snapshots outside (logStartOffset, logEndOffset] are
   * deleted, and the state reloaded from the latest that reads back (a corrupt one is
   * deleted and the next older tried, as loadFromSnapshot does); expired producers are
   * left out. The caller then rebuilds from mapEndOffset to the log end with loadBatch.
   */
  truncateAndReload(logStartOffset: number, logEndOffset: number, now: number, expirationMs: number): void {
    for (const snapshot of [...this.snapshots]) {
      if (snapshot > logEndOffset || snapshot <= logStartOffset) this.deleteSnapshot(snapshot);
    }
    this.clear();
    for (;;) {
      const latest = this.snapshots.at(-1);
      if (latest === undefined) {
        this.lastSnapOffset = this._mapEndOffset = logStartOffset;
        return;
      }
      try {
        for (const entry of readProducerSnapshot(producerSnapshotFile(this.dir, latest))) {
          if (!isExpired(entry, now, expirationMs)) this.loadProducerEntry(entry);
        }
        this.lastSnapOffset = this._mapEndOffset = latest;
        return;
      } catch (error) {
        if (!isTributaryError(error, 'ERR_CORRUPT_SNAPSHOT')) throw error;
        this.clear();
        this.deleteSnapshot(latest);
      }
    }
  }

  private loadProducerEntry(entry: ProducerStateEntry): void {
    this.producers.set(entry.producerId, entry);
    if (entry.currentTxnFirstOffset >= 0)
      this.addOngoing({ producerId: entry.producerId, firstOffset: entry.currentTxnFirstOffset });
  }

  /**
   * Rebuilds from a batch already in the log (Kafka's loadProducersFromRecords, origin
   * REPLICATION: nothing refused); returns the transaction its marker completes, if any.
   */
  loadBatch(bytes: Buffer): CompletedTxn[] {
    const b = {
      position: 0,
      size: bytes.length,
      baseOffset: baseOffsetOf(bytes),
      lastOffset: lastOffsetOf(bytes),
      maxTimestamp: maxTimestampOf(bytes),
    };
    let analysis: ProducerStateAnalysis | null;
    try {
      analysis = this.analyze(bytes, [b], b.baseOffset, 'replication');
    } catch {
      // A control batch whose record is no marker: Kafka's EndTransactionMarker refuses
      // it too; the rest of the log is still read.
      return [];
    }
    if (analysis === null || analysis.duplicate !== null) return [];
    this.update(analysis.producers);
    return analysis.completedTxns;
  }
}

function isExpired(entry: ProducerStateEntry, now: number, expirationMs: number): boolean {
  return entry.currentTxnFirstOffset < 0 && now - entry.lastTimestamp >= expirationMs;
}
