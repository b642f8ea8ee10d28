/**
 * What the coordinators' internal topics (`__consumer_offsets`, `__transaction_state`)
 * share: created at first start with the configured partition count (afterwards the
 * topic's own count rules), a key's partition as Kafka picks it, appends of the
 * coordinator's own batches, and a read of every batch at load.
 */
import { RecordBatch } from '../record/RecordBatch.js';
import type { Engine } from './Engine.js';
import { BUILT_IN_PROCESS, type AppendOptions } from './Partition.js';

/** Compaction is not there yet: keep every record forever rather than lose a key's last state to retention. */
export const INTERNAL_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'retention.ms': '-1',
};

/** Kafka's Topic.isInternal: the coordinators' two topics. */
export function isInternalTopic(topic: string): boolean {
  return topic === '__consumer_offsets' || topic === '__transaction_state';
}

const LOAD_READ_BYTES = 8 * 1024 * 1024;

/**
 * The coordinators' batches come from buildRecordBatch, never from a client's bytes: no
 * CRC and record re-check; origin 'coordinator', as Kafka's AppendOrigin.COORDINATOR.
 */
export const BUILT_BY_COORDINATOR: AppendOptions = { [BUILT_IN_PROCESS]: true, origin: 'coordinator' };

/** Creates the topic with `partitions` partitions unless it exists; returns the count it has. */
export function openInternalTopic(engine: Engine, name: string, partitions: number): number {
  if (!engine.hasTopic(name)) engine.createTopic(name, { partitions, config: INTERNAL_TOPIC_CONFIG });
  return engine.partitionCount(name);
}

/** Java's String.hashCode (UTF-16 code units, int32 overflow). */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** Kafka's Utils.abs(key.hashCode()) % partitions: a group's or transactional id's partition. */
export function partitionForKey(key: string, partitions: number): number {
  const hash = javaStringHashCode(key);
  return (hash === -2147483648 ? 0 : Math.abs(hash)) % partitions;
}

/**
 * Calls `visit` with every batch of the partition, from its start to its log end, in offset
 * order: a coordinator loads to the log end, past the high watermark (FetchIsolation.LOG_END in
 * GroupMetadataManager.doLoadGroupsAndOffsets and TransactionStateManager.loadTransactionMetadata),
 * so a new leader whose high watermark has not caught up yet still has every record it holds.
 */
export function forEachBatch(
  engine: Engine,
  topic: string,
  partition: number,
  visit: (batch: RecordBatch) => void,
): void {
  const log = engine.partition(topic, partition);
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records } = log.read(offset, LOAD_READ_BYTES, { isolation: 'log_end' });
    if (records.length === 0) break;
    for (const batch of RecordBatch.all(records)) {
      if (batch.lastOffset >= offset) visit(batch);
      offset = batch.lastOffset + 1;
    }
  }
}
