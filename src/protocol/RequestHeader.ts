/**
 * The request header's fields (RequestHeader.json), a type of its own: ProtocolError
 * carries one, and the header's codec (HeaderCodec.ts) reads through ProtocolReader, which
 * throws ProtocolError, so the type must not live beside the codec.
 */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}
