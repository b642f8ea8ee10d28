/**
 * The shape of our message table, after Kafka's message specs
 * (clients/src/main/resources/common/message/*.json): a message is a list of fields, a
 * field has a type and the versions it exists in, and may be nullable or tagged in some
 * versions. Versions are written as Kafka writes them: "0+", "3-7", "5", "none".
 */

export type PrimitiveType =
  'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'float64' | 'bool' | 'string' | 'bytes' | 'records' | 'uuid';

/** `struct` and `[]struct` carry their own `fields`, like Kafka's named nested types. */
export type FieldType = PrimitiveType | `[]${PrimitiveType}` | 'struct' | '[]struct';

export interface Field {
  /** camelCase of Kafka's PascalCase name. */
  readonly name: string;
  readonly type: FieldType;
  readonly versions: string;
  readonly nullableVersions?: string;
  readonly taggedVersions?: string;
  readonly tag?: number;
  /** Kafka's "default"; without one: 0, '', false, [], zero uuid, or null when nullable. */
  readonly default?: number | string | boolean | null;
  readonly fields?: readonly Field[];
}

/** 'data': a record format such as the internal topics' keys and values, not an API message. */
export type MessageType = 'request' | 'response' | 'data';

export interface MessageSchema {
  readonly name: string;
  readonly apiKey: number;
  readonly type: MessageType;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly Field[];
}

/** One API: its request and response, which share valid and flexible versions. */
export interface ApiSchema {
  readonly name: string;
  readonly apiKey: number;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

type FieldOptions = Pick<Field, 'nullableVersions' | 'taggedVersions' | 'tag' | 'default'>;

/** A field of a primitive type or an array of one. */
export function field(name: string, type: FieldType, versions = '0+', options: FieldOptions = {}): Field {
  return { name, type, versions, ...options };
}

/** An array of nested structs. */
export function structs(name: string, versions: string, fields: readonly Field[], options: FieldOptions = {}): Field {
  return { name, type: '[]struct', versions, ...options, fields };
}

/** A single nested struct (Kafka uses these for tagged groups such as CurrentLeader). */
export function struct(name: string, versions: string, fields: readonly Field[], options: FieldOptions = {}): Field {
  return { name, type: 'struct', versions, ...options, fields };
}

export interface ApiDefinition {
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly request: readonly Field[];
  readonly response: readonly Field[];
}

export function api(name: string, apiKey: number, definition: ApiDefinition): ApiSchema {
  const { validVersions, flexibleVersions } = definition;
  const message = (type: 'request' | 'response'): MessageSchema => ({
    name: `${name}${type === 'request' ? 'Request' : 'Response'}`,
    apiKey,
    type,
    validVersions,
    flexibleVersions,
    fields: definition[type],
  });
  return { name, apiKey, request: message('request'), response: message('response') };
}

/** A versioned data struct (Kafka's "type": "data"), encoded like a message body. */
export function data(
  name: string,
  validVersions: string,
  flexibleVersions: string,
  fields: readonly Field[],
): MessageSchema {
  return { name, apiKey: -1, type: 'data', validVersions, flexibleVersions, fields };
}
