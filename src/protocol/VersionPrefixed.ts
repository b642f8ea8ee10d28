/**
 * Kafka's MessageUtil.toVersionPrefixedBytes: an int16 version followed by the struct at
 * that version, the form of the records coordinators keep in their internal topics
 * (`__consumer_offsets`, `__transaction_state`).
 */
import { readMessage, writeMessage } from './MessageCodec.js';
import type { DataOf, EncodableData } from './MessageTypes.js';
import { ProtocolReader } from './ProtocolReader.js';
import { ProtocolWriter } from './ProtocolWriter.js';
import type { MessageSchema } from './Schema.js';

export function toVersionPrefixedBytes<S extends MessageSchema>(
  schema: S,
  version: number,
  body: EncodableData<S>,
): Buffer {
  const writer = new ProtocolWriter(128);
  writer.int16(version);
  writeMessage(schema, version, writer, body);
  const chunks = writer.finish();
  // A struct without records fields is one chunk: no copy (Buffer.concat copies even one).
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** The version a record starts with, and a reader at the struct after it. */
export function versionPrefix(bytes: Buffer): { version: number; reader: ProtocolReader } {
  const reader = new ProtocolReader(bytes);
  return { version: reader.int16(), reader };
}

/** The struct of a version-prefixed record, read at the version it carries. */
export function readVersionPrefixed<S extends MessageSchema>(schema: S, bytes: Buffer): DataOf<S> {
  const { version, reader } = versionPrefix(bytes);
  return readMessage(schema, version, reader);
}
