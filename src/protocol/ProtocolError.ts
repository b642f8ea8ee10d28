import { type ErrorCode, TributaryError } from '../errors.js';
import type { RequestHeader } from './RequestHeader.js';

export type ProtocolErrorCode = Extract<ErrorCode, 'ERR_INVALID_REQUEST' | 'ERR_UNSUPPORTED_VERSION'>;

/**
 * Bytes that are not a valid message (ERR_INVALID_REQUEST, Kafka INVALID_REQUEST) or an
 * API key or version we do not implement (ERR_UNSUPPORTED_VERSION, Kafka
 * UNSUPPORTED_VERSION). `header` is set once the request header was read, so the broker
 * can still answer with the request's correlation id.
 */
export class ProtocolError extends TributaryError {
  declare readonly code: ProtocolErrorCode;
  header?: RequestHeader;

  constructor(message: string, code: ProtocolErrorCode, position?: number) {
    super(message, code, position === undefined ? {} : { position });
    this.name = 'ProtocolError';
  }
}

export function invalidRequest(message: string, position?: number): ProtocolError {
  return new ProtocolError(message, 'ERR_INVALID_REQUEST', position);
}
