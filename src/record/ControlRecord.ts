/**
 * Control records (Kafka's ControlRecordType, EndTransactionMarker): the single record
 * of a control batch (attribute bit 5), written by the transaction coordinator to end a
 * transaction. Key: version i16 (0) + type i16; value of a commit/abort marker: version
 * i16 (0) + coordinatorEpoch i32.
 */
import { TributaryError } from '../errors.js';
import type { Record } from './Record.js';
import { buildRecordBatch } from './RecordBatchBuilder.js';

export const ControlRecordType = { abort: 0, commit: 1 } as const;
export type ControlRecordTypeName = keyof typeof ControlRecordType;

const CONTROL_KEY_VERSION = 0;
const MARKER_VALUE_VERSION = 0;

export interface EndTransactionMarker {
  type: ControlRecordTypeName;
  coordinatorEpoch: number;
}

function invalid(message: string): TributaryError {
  return new TributaryError(`invalid control record: ${message}`, 'ERR_INVALID_RECORD');
}

/** The control record type in `key`; types this broker does not know (KRaft's) are `unknown`. */
export function controlRecordType(key: Buffer | null): ControlRecordTypeName | 'unknown' {
  if (key === null || key.length < 4) throw invalid(`key of ${key?.length ?? 'null'} bytes`);
  const version = key.readInt16BE(0);
  if (version < 0) throw invalid(`key version ${version}`);
  const type = key.readInt16BE(2);
  return type === ControlRecordType.abort ? 'abort' : type === ControlRecordType.commit ? 'commit' : 'unknown';
}

/** Reads a commit or abort marker from the control record of a control batch. */
export function readEndTransactionMarker(record: Record): EndTransactionMarker {
  const type = controlRecordType(record.key);
  if (type === 'unknown') throw invalid('not a commit or abort marker');
  const value = record.value;
  if (value === null || value.length < 6) throw invalid(`marker value of ${value?.length ?? 'null'} bytes`);
  const version = value.readInt16BE(0);
  if (version < 0) throw invalid(`marker value version ${version}`);
  return { type, coordinatorEpoch: value.readInt32BE(2) };
}

export interface MarkerBatchOptions {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  timestamp?: number;
  partitionLeaderEpoch?: number;
}

function controlRecordKey(type: ControlRecordTypeName): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(ControlRecordType[type], 2);
  return key;
}

/** The two marker keys, built once (the builder copies them into each batch). */
const MARKER_KEYS: { readonly [type in ControlRecordTypeName]: Buffer } = {
  abort: controlRecordKey('abort'),
  commit: controlRecordKey('commit'),
};

/** A control batch holding one commit or abort marker for the producer's transaction. */
export function buildEndTransactionMarkerBatch(type: ControlRecordTypeName, options: MarkerBatchOptions): Buffer {
  const value = Buffer.allocUnsafe(6);
  value.writeInt16BE(MARKER_VALUE_VERSION, 0);
  value.writeInt32BE(options.coordinatorEpoch, 2);
  return buildRecordBatch([{ key: MARKER_KEYS[type], value, timestamp: options.timestamp ?? Date.now() }], {
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    transactional: true,
    control: true,
    partitionLeaderEpoch: options.partitionLeaderEpoch,
  });
}
