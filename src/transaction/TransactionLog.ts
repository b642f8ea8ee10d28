/**
 * The records of `__transaction_state`, byte for byte as Kafka writes them
 * (core/src/main/resources/common/message/TransactionLog{Key,Value}.json, TransactionLog.scala):
 * the key is version 0 with the transactional id, the value version 0 (Kafka writes the
 * highest non-flexible version) with the producer, the state id and the partitions; a
 * null value is a tombstone (an expired transactional id).
 */
import { readMessage } from '../protocol/MessageCodec.js';
import type { DataOf } from '../protocol/MessageTypes.js';
import { data, field, structs } from '../protocol/Schema.js';
import { readVersionPrefixed, toVersionPrefixedBytes, versionPrefix } from '../protocol/VersionPrefixed.js';

export const TransactionLogKey = data('TransactionLogKey', '0', 'none', [field('transactionalId', 'string', '0')]);

export const TransactionLogValue = data('TransactionLogValue', '0-1', '1+', [
  field('producerId', 'int64'),
  field('producerEpoch', 'int16'),
  field('transactionTimeoutMs', 'int32'),
  field('transactionStatus', 'int8'),
  structs('transactionPartitions', '0+', [field('topic', 'string'), field('partitionIds', '[]int32')], {
    nullableVersions: '0+',
  }),
  field('transactionLastUpdateTimestampMs', 'int64'),
  field('transactionStartTimestampMs', 'int64'),
]);

const KEY_VERSION = 0;
/** TransactionLog.valueToBytes: the highest non-flexible version until a tagged field is added. */
const VALUE_VERSION = 0;

export type TransactionLogValueData = DataOf<typeof TransactionLogValue>;

export function transactionLogKey(transactionalId: string): Buffer {
  return toVersionPrefixedBytes(TransactionLogKey, KEY_VERSION, { transactionalId });
}

export function transactionLogValue(value: TransactionLogValueData): Buffer {
  return toVersionPrefixedBytes(TransactionLogValue, VALUE_VERSION, value);
}

/** The transactional id of a key; null for a key version this broker does not know (Kafka's UnknownKey). */
export function readTransactionLogKey(bytes: Buffer): string | null {
  const { version, reader } = versionPrefix(bytes);
  if (version !== KEY_VERSION) return null;
  return readMessage(TransactionLogKey, version, reader).transactionalId;
}

export function readTransactionLogValue(bytes: Buffer): TransactionLogValueData {
  return readVersionPrefixed(TransactionLogValue, bytes);
}
