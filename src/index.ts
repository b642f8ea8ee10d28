export {
  TributaryError,
  KafkaErrors,
  isTributaryError,
  type KafkaError,
  type ErrorDetails,
  type ErrorCode,
} from './errors.js';
export { Tributary, type TributaryOptions, type TributaryStats } from './client/Tributary.js';
export { Admin, type NewTopic, type RecordsToDelete, type DeletedRecords } from './client/Admin.js';
export {
  Producer,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
  type ProducerHeaders,
  type Bytes,
} from './client/Producer.js';
export {
  Consumer,
  ConsumerRecord,
  type ConsumerOptions,
  type ConsumerBatch,
  type HeaderMap,
  type OffsetSpec,
  type OffsetResetStrategy,
  type TopicPartition,
  type TopicPartitionOffset,
} from './client/Consumer.js';
export {
  GroupConsumer,
  type GroupConsumerOptions,
  type RebalanceListener,
  type TopicPartitionOffsetAndNumber,
} from './client/GroupConsumer.js';
export type { AssignorName } from './group/assignors/PartitionAssignor.js';
export type { TopicDescription, PartitionDescription } from './engine/TopicDescription.js';
export type { PartitionStats } from './engine/Partition.js';
export type { GroupLag } from './group/GroupCoordinator.js';
export type { LatencySummary } from './metrics/LatencyHistogram.js';
export { Log, type AppendInfo, type LogReadResult } from './log/Log.js';
export type { LogOptions } from './log/LogOptions.js';
export { LogManager, type LogManagerOptions } from './log/LogManager.js';
export { DEFAULT_LOG_CONFIG, resolveLogConfig, type LogConfig, type Durability } from './log/LogConfig.js';
export type { Record, RecordHeader, TimestampType } from './record/Record.js';
export { RecordBatch } from './record/RecordBatch.js';
export {
  RecordBatchBuilder,
  buildRecordBatch,
  buildRecordBatchAsync,
  type RecordInput,
  type BatchOptions,
} from './record/RecordBatchBuilder.js';
export {
  validateRecordBatch,
  validateRecordBatchSync,
  type BatchValidationOptions,
  type ValidatedBatch,
} from './record/RecordBatchValidator.js';
export {
  ControlRecordType,
  controlRecordType,
  readEndTransactionMarker,
  buildEndTransactionMarkerBatch,
  type EndTransactionMarker,
} from './record/ControlRecord.js';
export {
  CompressionType,
  compress,
  decompress,
  compressSync,
  decompressSync,
  compressionCodecOf,
  type CompressionCodec,
} from './record/Compression.js';
export { buildMessageSet, messageSetRecords } from './record/MessageSet.js';
export { messageSetToRecordBatches, recordBatchesToMessageSet } from './record/MessageSetConversion.js';
export {
  BuiltInPartitioner,
  murmur2,
  toPositive,
  partitionForKey,
  type BuiltInPartitionerOptions,
} from './record/Partitioner.js';
export { Broker, type BrokerOptions } from './broker/Broker.js';
export { createLogger, type Logger, type LogLevel } from './broker/Logger.js';

import { describeValue } from './client/Arguments.js';
import { invalidArgument } from './errors.js';
import { native } from './native/addon.js';

/** CRC32C (Castagnoli) of bytes[start, end), hardware accelerated where the CPU allows. */
export function crc32c(bytes: Uint8Array, start?: number, end?: number): number {
  if (!(bytes instanceof Uint8Array))
    throw invalidArgument(`crc32c: bytes must be a Buffer or Uint8Array, got ${describeValue(bytes)}`);
  return native.crc32c(bytes, start, end);
}

/**
 * Which CRC32C path is in use: the fastest this CPU runs ('avx512', 'sse4.2', 'armv8' or
 * 'portable'), or the one TRIBUTARY_CRC32C=<path> names if the CPU runs it.
 */
export function crc32cImplementation(): string {
  return native.crc32cImplementation();
}

/** The CRC32C paths this CPU runs, fastest first ('portable' last): the values TRIBUTARY_CRC32C takes. */
export function crc32cImplementations(): string[] {
  return native.crc32cImplementations();
}
