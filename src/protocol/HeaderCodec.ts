/**
 * Reading and writing request and response headers (RequestHeader.json, ResponseHeader.json).
 *
 * Request header v0: apiKey int16, apiVersion int16, correlationId int32; v1 adds
 * clientId (nullable string, never compact); v2 adds a tagged-field section. v0 is used
 * only by ControlledShutdown v0, v2 by flexible request versions, v1 by the rest.
 * Response header v0: correlationId; v1 adds a tagged-field section and is used by
 * flexible response versions, except ApiVersions, whose response header is always v0
 * (KIP-511: a client that does not yet know our versions must be able to read it).
 */
import type { ProtocolReader } from './ProtocolReader.js';
import type { ProtocolWriter } from './ProtocolWriter.js';
import type { RequestHeader } from './RequestHeader.js';

const CONTROLLED_SHUTDOWN = 7;
const API_VERSIONS = 18;

function hasClientId(apiKey: number, apiVersion: number): boolean {
  return !(apiKey === CONTROLLED_SHUTDOWN && apiVersion === 0);
}

/** Reads header v0/v1; the v2 tagged fields come after, once the version is known to be flexible. */
export function readRequestHeader(r: ProtocolReader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = hasClientId(apiKey, apiVersion) ? r.string(false) : null;
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Skips a tagged-field section: no header tag is defined yet. */
export function skipTaggedFields(r: ProtocolReader): void {
  r.taggedFields(null, () => false);
}

export function writeRequestHeader(w: ProtocolWriter, header: RequestHeader, flexible: boolean): void {
  w.int16(header.apiKey);
  w.int16(header.apiVersion);
  w.int32(header.correlationId);
  if (hasClientId(header.apiKey, header.apiVersion)) w.string(header.clientId, false);
  if (flexible) w.unsignedVarint(0);
}

export function hasResponseHeaderTags(apiKey: number, flexible: boolean): boolean {
  return flexible && apiKey !== API_VERSIONS;
}

export function writeResponseHeader(w: ProtocolWriter, apiKey: number, correlationId: number, flexible: boolean): void {
  w.int32(correlationId);
  if (hasResponseHeaderTags(apiKey, flexible)) w.unsignedVarint(0);
}
