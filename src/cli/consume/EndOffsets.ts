/**
 * Whether `tributary consume` without --follow is done: every assigned partition read up
 * to its end offset, the end moving with each fetch's (the high watermark, or the last
 * stable offset read_committed; as kcat -e).
 */
import type { SourceBatch, SourcePartition } from './RecordSource.js';

export class EndOffsets {
  private readonly partitions = new Map<number, { position: number; endOffset: number }>();
  /** Between a group's revocation and its next assignment (or before the first) the end is not reached. */
  private settled = false;

  assign(partitions: readonly SourcePartition[]): void {
    this.settled = true;
    for (const { partition, position, endOffset } of partitions)
      this.partitions.set(partition, { position, endOffset });
  }

  revoke(partitions: readonly number[]): void {
    this.settled = false;
    for (const partition of partitions) this.partitions.delete(partition);
  }

  /** Records up to and including `lastOffset` of the batch's partition have been handed out. */
  advance(batch: SourceBatch, lastOffset: number): void {
    const p = this.partitions.get(batch.partition);
    if (p === undefined) return;
    p.position = lastOffset + 1;
    p.endOffset = batch.endOffset;
  }

  get reached(): boolean {
    return this.settled && [...this.partitions.values()].every((p) => p.position >= p.endOffset);
  }
}
