/** The Kafka protocol: a table of message schemas and the one codec it drives. */
export type { Struct } from './MessageCodec.js';
export { ApiKey, apiName, isSupported, MESSAGES, supportedApis, type SupportedApi } from './Messages.js';
export { ProtocolError, type ProtocolErrorCode } from './ProtocolError.js';
export type { RecordsValue } from './ProtocolWriter.js';
export type { RequestHeader } from './RequestHeader.js';
export {
  decodeRequest,
  decodeResponse,
  encodeApiVersionsFallback,
  encodeRequest,
  encodeResponse,
  type DecodedRequest,
} from './Requests.js';
export type { ApiSchema, Field, FieldType, MessageSchema, PrimitiveType } from './Schema.js';
