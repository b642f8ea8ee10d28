/**
 * kafkajs 2.2.4's own protocol code, as an independent implementation to check ours
 * against: its request encoders (with the v1 header it always sends) and its response
 * decoders, which read the body after the correlation id.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<unknown>;
}

interface KafkajsResponse {
  decode(payload: Buffer): Promise<unknown>;
}

interface KafkajsProtocol {
  protocol(options: { version: number }): (args: object) => { request: KafkajsRequest; response: KafkajsResponse };
}

interface KafkajsEncoder {
  buffer: Buffer;
}

const encodeRequest = require('kafkajs/src/protocol/request.js') as (options: {
  correlationId: number;
  clientId: string;
  request: KafkajsRequest;
}) => Promise<KafkajsEncoder>;

const KafkajsDecoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;
const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as (
  decoder: unknown,
) => Promise<unknown[]>;
const MessageSet = require('kafkajs/src/protocol/messageSet/index.js') as (options: {
  messageVersion: number;
  entries: { key: string; value: string }[];
}) => KafkajsEncoder;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(options: {
    records: unknown[];
    firstTimestamp: number;
    maxTimestamp: number;
    lastOffsetDelta: number;
  }): Promise<KafkajsEncoder>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: {
  offsetDelta: number;
  key: string;
  value: string;
}) => unknown;

export const CLIENT_ID = 'kafkajs-interop';

export function kafkajsApi(
  name: string,
  version: number,
  args: object,
): { request: KafkajsRequest; response: KafkajsResponse } {
  const api = require(`kafkajs/src/protocol/requests/${name}/index.js`) as KafkajsProtocol;
  return api.protocol({ version })(args);
}

/** A request as kafkajs frames it, without the 4-byte size. */
export async function kafkajsFrame(request: KafkajsRequest, correlationId: number): Promise<Buffer> {
  const encoded = await encodeRequest({ correlationId, clientId: CLIENT_ID, request });
  const bytes = Buffer.from(encoded.buffer);
  if (bytes.readInt32BE(0) !== bytes.length - 4) throw new Error('kafkajs frame size mismatch');
  return bytes.subarray(4);
}

/** Messages kafkajs finds in a records field (a legacy message set or record batches). */
export function kafkajsMessages(records: Buffer): Promise<unknown[]> {
  const sized = Buffer.alloc(4 + records.length);
  sized.writeInt32BE(records.length, 0);
  records.copy(sized, 4);
  return decodeMessages(new KafkajsDecoder(sized));
}

export interface Entry {
  key: string;
  value: string;
}

/** A legacy message set (magic 0) as kafkajs writes it. */
export function kafkajsMessageSet(entries: Entry[]): Buffer {
  return Buffer.from(MessageSet({ messageVersion: 0, entries }).buffer);
}

/** A RecordBatch v2 as kafkajs writes it. */
export async function kafkajsRecordBatch(entries: Entry[]): Promise<Buffer> {
  const records = entries.map((entry, offsetDelta) => Record({ ...entry, offsetDelta }));
  const timestamp = 1_700_000_000_000;
  const batch = await RecordBatch({
    records,
    firstTimestamp: timestamp,
    maxTimestamp: timestamp,
    lastOffsetDelta: records.length - 1,
  });
  return Buffer.from(batch.buffer);
}
