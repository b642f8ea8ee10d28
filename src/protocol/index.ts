/** The Kafka protocol: a table of message schemas and the one codec it drives. */
export { ApiKey, apiName, apiSchema, isSupported, MESSAGES, supportedApis, type SupportedApi } from './Messages.js';
export type {
  DataOf,
  Decoded,
  Encodable,
  EncodableData,
  EncodableRequest,
  EncodableResponse,
  NoExtraFields,
  RequestOf,
  ResponseOf,
  Struct,
} from './MessageTypes.js';
export { ProtocolError, type ProtocolErrorCode } from './ProtocolError.js';
export type { RecordsValue } from './ProtocolWriter.js';
export type { RequestHeader } from './RequestHeader.js';
export {
  decodeRequest,
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponse,
  encodeApiVersionsFallback,
  encodeRequest,
  encodeResponse,
  type DecodedRequest,
  type RequestFrame,
} from './Requests.js';
export type { ApiSchema, Field, FieldType, MessageSchema, PrimitiveType } from './Schema.js';
