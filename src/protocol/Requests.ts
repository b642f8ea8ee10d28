/**
 * Whole requests and responses: header plus body, sans I/O. A frame is what follows the
 * 4-byte size on the wire; encoders return the size-prefixed chunks to write in order.
 */
import { KafkaErrors } from '../errors.js';
import { isFlexible, readMessage, writeMessage, type Struct } from './MessageCodec.js';
import { ApiKey, apiSchema, isSupported, supportedApis, type SupportedApi } from './Messages.js';
import { invalidRequest, ProtocolError } from './ProtocolError.js';
import { ProtocolReader } from './ProtocolReader.js';
import { ProtocolWriter } from './ProtocolWriter.js';
import {
  hasResponseHeaderTags,
  readRequestHeader,
  skipTaggedFields,
  writeRequestHeader,
  writeResponseHeader,
  type RequestHeader,
} from './RequestHeader.js';
import type { MessageSchema } from './Schema.js';

export interface DecodedRequest {
  header: RequestHeader;
  body: Struct;
}

function unsupported(apiKey: number, apiVersion: number): ProtocolError {
  const api = apiSchema(apiKey);
  const what = api === undefined ? `API key ${apiKey}` : `${api.name} v${apiVersion}`;
  return new ProtocolError(`${what} is not supported`, 'ERR_UNSUPPORTED_VERSION');
}

function schemaOf(apiKey: number, apiVersion: number, type: 'request' | 'response'): MessageSchema {
  const api = apiSchema(apiKey);
  if (api === undefined || !isSupported(apiKey, apiVersion)) throw unsupported(apiKey, apiVersion);
  return api[type];
}

/** Reads a body that must fill the rest of the frame; errors name the message. */
function readBody(schema: MessageSchema, version: number, r: ProtocolReader): Struct {
  try {
    const body = readMessage(schema, version, r);
    if (r.remaining > 0) throw invalidRequest(`${r.remaining} bytes left after the body at byte ${r.pos}`, r.pos);
    return body;
  } catch (error) {
    if (error instanceof ProtocolError) error.message = `${schema.name} v${version}: ${error.message}`;
    throw error;
  }
}

/**
 * Decodes one request frame. Throws ProtocolError: ERR_UNSUPPORTED_VERSION for an API
 * key or version not in the table, ERR_INVALID_REQUEST for malformed bytes; `header` is
 * set on either once the header could be read.
 */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const r = new ProtocolReader(frame);
  const header = readRequestHeader(r);
  try {
    const schema = schemaOf(header.apiKey, header.apiVersion, 'request');
    if (isFlexible(schema, header.apiVersion)) skipTaggedFields(r);
    return { header, body: readBody(schema, header.apiVersion, r) };
  } catch (error) {
    if (error instanceof ProtocolError) error.header = header;
    throw error;
  }
}

/** Prefixes the chunks with the size of the rest (the first chunk holds 4 bytes for it). */
function framed(w: ProtocolWriter): Buffer[] {
  const size = w.size - 4;
  const chunks = w.finish();
  chunks[0]!.writeInt32BE(size, 0);
  return chunks;
}

/** The response to `header`'s request, size prefix included, as chunks to write in order. */
export function encodeResponse(header: RequestHeader, body: Struct): Buffer[] {
  const { apiKey, apiVersion, correlationId } = header;
  const schema = schemaOf(apiKey, apiVersion, 'response');
  const w = new ProtocolWriter();
  w.int32(0);
  writeResponseHeader(w, apiKey, correlationId, isFlexible(schema, apiVersion));
  writeMessage(schema, apiVersion, w, body);
  return framed(w);
}

export function encodeRequest(header: RequestHeader, body: Struct): Buffer[] {
  const schema = schemaOf(header.apiKey, header.apiVersion, 'request');
  const w = new ProtocolWriter();
  w.int32(0);
  writeRequestHeader(w, header, isFlexible(schema, header.apiVersion));
  writeMessage(schema, header.apiVersion, w, body);
  return framed(w);
}

/** Decodes a response frame to a request of `apiKey` at `apiVersion`. */
export function decodeResponse(
  apiKey: number,
  apiVersion: number,
  frame: Buffer,
): { correlationId: number; body: Struct } {
  const schema = schemaOf(apiKey, apiVersion, 'response');
  const r = new ProtocolReader(frame);
  const correlationId = r.int32();
  if (hasResponseHeaderTags(apiKey, isFlexible(schema, apiVersion))) skipTaggedFields(r);
  return { correlationId, body: readBody(schema, apiVersion, r) };
}

/**
 * The answer to an ApiVersions request of a version newer than ours (KIP-511): an
 * ApiVersions v0 response with UNSUPPORTED_VERSION and the versions we do support, from
 * which the client picks one and asks again. A broker passes the APIs it serves.
 */
export function encodeApiVersionsFallback(
  header: RequestHeader,
  apiKeys: readonly SupportedApi[] = supportedApis(),
): Buffer[] {
  return encodeResponse(
    { ...header, apiKey: ApiKey.ApiVersions, apiVersion: 0 },
    { errorCode: KafkaErrors.UNSUPPORTED_VERSION.code, apiKeys },
  );
}
