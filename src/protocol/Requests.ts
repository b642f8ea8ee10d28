/**
 * Whole requests and responses: header plus body, sans I/O. A frame is what follows the
 * 4-byte size on the wire; encoders return the size-prefixed chunks to write in order.
 */
import { KafkaErrors } from '../errors.js';
import { isFlexible, readMessage, writeMessage } from './MessageCodec.js';
import type { Decoded, EncodableRequest, EncodableResponse, RequestOf, ResponseOf } from './MessageTypes.js';
import { ApiVersions } from './messages/ApiVersions.js';
import { ApiKey, apiSchema, isSupported, supportedApis, type SupportedApi } from './Messages.js';
import { ProtocolError } from './ProtocolError.js';
import { ProtocolReader } from './ProtocolReader.js';
import { ProtocolWriter } from './ProtocolWriter.js';
import {
  hasResponseHeaderTags,
  readRequestHeader,
  skipTaggedFields,
  writeRequestHeader,
  writeResponseHeader,
} from './HeaderCodec.js';
import type { RequestHeader } from './RequestHeader.js';
import type { ApiSchema, MessageSchema } from './Schema.js';

/** A request decoded by the table: the body's type is the API's, when the API is known statically. */
export interface DecodedRequest<A extends ApiSchema = ApiSchema> {
  header: RequestHeader;
  body: RequestOf<A>;
}

/** A request frame whose header is read; its body follows at the reader's position. */
export interface RequestFrame {
  readonly header: RequestHeader;
  readonly reader: ProtocolReader;
}

function unsupported(apiKey: number, apiVersion: number): ProtocolError {
  const api = apiSchema(apiKey);
  const what = api === undefined ? `API key ${apiKey}` : `${api.name} v${apiVersion}`;
  return new ProtocolError(`${what} is not supported`, 'ERR_UNSUPPORTED_VERSION');
}

/** `api`'s message of `type`, once `apiVersion` is one the table supports (and `api` is the table's). */
function schemaOf<A extends ApiSchema, T extends 'request' | 'response'>(api: A, apiVersion: number, type: T): A[T] {
  if (apiSchema(api.apiKey) !== api || !isSupported(api.apiKey, apiVersion)) throw unsupported(api.apiKey, apiVersion);
  return api[type];
}

/**
 * Reads a body's fields; errors name the message. Bytes after the fields the version
 * defines are left unread, as Kafka's parsers do (AbstractRequest.parseRequest and
 * AbstractResponse.parseResponse read the generated message from a ByteBufferAccessor and
 * never look at what remains): clients such as librdkafka 2.x send some. A body cut short
 * still throws.
 */
function readBody<S extends MessageSchema>(schema: S, version: number, r: ProtocolReader): Decoded<S> {
  try {
    return readMessage(schema, version, r);
  } catch (error) {
    if (error instanceof ProtocolError) error.message = `${schema.name} v${version}: ${error.message}`;
    throw error;
  }
}

/** Sets `header` on a ProtocolError thrown by `read`, so the broker can still answer it. */
function withHeader<T>(header: RequestHeader, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ProtocolError) error.header = header;
    throw error;
  }
}

/**
 * Reads one request frame's header. Throws ProtocolError: ERR_UNSUPPORTED_VERSION for an
 * API key or version not in the table, ERR_INVALID_REQUEST for malformed bytes; `header`
 * is set on either once the header could be read.
 */
export function decodeRequestHeader(frame: Buffer): RequestFrame {
  const reader = new ProtocolReader(frame);
  const header = readRequestHeader(reader);
  withHeader(header, () => {
    const api = apiSchema(header.apiKey);
    if (api === undefined) throw unsupported(header.apiKey, header.apiVersion);
    if (isFlexible(schemaOf(api, header.apiVersion, 'request'), header.apiVersion)) skipTaggedFields(reader);
  });
  return { header, reader };
}

/**
 * Reads the body of a frame whose header is read, with `api`'s schema (the header's API).
 * Bytes after the body are ignored; `reader.remaining` counts them afterwards.
 */
export function decodeRequestBody<A extends ApiSchema>(api: A, { header, reader }: RequestFrame): RequestOf<A> {
  return withHeader(header, () => readBody(schemaOf(api, header.apiVersion, 'request'), header.apiVersion, reader));
}

/** Decodes one request frame with the table's schema of its API (untyped: the API is known only at run time). */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const request = decodeRequestHeader(frame);
  return { header: request.header, body: decodeRequestBody(apiSchema(request.header.apiKey)!, request) };
}

/** Prefixes the chunks with the size of the rest (the first chunk holds 4 bytes for it). */
function framed(w: ProtocolWriter): Buffer[] {
  const size = w.size - 4;
  const chunks = w.finish();
  chunks[0]!.writeInt32BE(size, 0);
  return chunks;
}

/** The response of `api` to `header`'s request, size prefix included, as chunks to write in order. */
export function encodeResponse<A extends ApiSchema>(
  api: A,
  header: RequestHeader,
  body: EncodableResponse<A>,
): Buffer[] {
  const { apiVersion, correlationId } = header;
  const schema = schemaOf(api, apiVersion, 'response');
  const w = new ProtocolWriter();
  w.int32(0);
  writeResponseHeader(w, api.apiKey, correlationId, isFlexible(schema, apiVersion));
  writeMessage(schema, apiVersion, w, body);
  return framed(w);
}

/** A request of `api`; the header's apiKey is `api`'s. */
export function encodeRequest<A extends ApiSchema>(api: A, header: RequestHeader, body: EncodableRequest<A>): Buffer[] {
  const schema = schemaOf(api, header.apiVersion, 'request');
  const w = new ProtocolWriter();
  w.int32(0);
  writeRequestHeader(w, { ...header, apiKey: api.apiKey }, isFlexible(schema, header.apiVersion));
  writeMessage(schema, header.apiVersion, w, body);
  return framed(w);
}

/** Decodes a response frame to a request of `api` at `apiVersion`. */
export function decodeResponse<A extends ApiSchema>(
  api: A,
  apiVersion: number,
  frame: Buffer,
): { correlationId: number; body: ResponseOf<A> } {
  const schema = schemaOf(api, apiVersion, 'response');
  const r = new ProtocolReader(frame);
  const correlationId = r.int32();
  if (hasResponseHeaderTags(api.apiKey, isFlexible(schema, apiVersion))) skipTaggedFields(r);
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
    ApiVersions,
    { ...header, apiKey: ApiKey.ApiVersions, apiVersion: 0 },
    { errorCode: KafkaErrors.UNSUPPORTED_VERSION.code, apiKeys },
  );
}
