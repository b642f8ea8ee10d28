/**
 * The records a log read holds from a position on (Kafka's CompletedFetch): reads are
 * whole batches, so the first may start before the position and its earlier records are
 * skipped; control batches (transaction markers) are never handed out.
 */
import { RecordBatch } from '../record/RecordBatch.js';
import { ConsumerRecord } from './ConsumerRecord.js';

export interface FetchedRecords {
  records: ConsumerRecord[];
  /** The position after these batches: past the last batch even when its tail or the whole of it was skipped. */
  nextOffset: number;
}

export async function fetchedRecords(bytes: Buffer, position: number, topic: string, partition: number): Promise<FetchedRecords> {
  const records: ConsumerRecord[] = [];
  let nextOffset = position;
  for (const batch of RecordBatch.all(bytes)) {
    if (!batch.isControl) {
      const section = batch.compression === 'none' ? batch.recordsSection() : await batch.recordsSectionAsync();
      batch.forEachRecord((record) => {
        if (record.offset >= position) records.push(new ConsumerRecord(topic, partition, record));
      }, section);
    }
    nextOffset = Math.max(nextOffset, batch.lastOffset + 1);
  }
  return { records, nextOffset };
}
