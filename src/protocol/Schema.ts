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

export interface MessageSchema<Fields extends readonly Field[] = readonly Field[]> {
  readonly name: string;
  readonly apiKey: number;
  readonly type: MessageType;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: Fields;
}

/** One API: its request and response, which share valid and flexible versions. */
export interface ApiSchema<
  RequestFields extends readonly Field[] = readonly Field[],
  ResponseFields extends readonly Field[] = readonly Field[],
> {
  readonly name: string;
  readonly apiKey: number;
  readonly request: MessageSchema<RequestFields>;
  readonly response: MessageSchema<ResponseFields>;
}

export type FieldOptions = Pick<Field, 'nullableVersions' | 'taggedVersions' | 'tag' | 'default'>;

/** No options given. */
type Plain = Record<never, never>;

/*
 * The builders below keep each field's literal name, type, versions and options in its
 * type (const type parameters), so MessageTypes.ts can derive a message's TypeScript type
 * from the very table the codec runs on. At run time they build plain Field objects.
 */

/** A field of a primitive type or an array of one, as written in the table. */
export type ValueField<N extends string, T extends FieldType, V extends string, O extends FieldOptions> = {
  readonly name: N;
  readonly type: T;
  readonly versions: V;
} & O;

/** A `struct` or `[]struct` field with its nested fields. */
export type StructField<
  N extends string,
  T extends 'struct' | '[]struct',
  V extends string,
  F extends readonly Field[],
  O extends FieldOptions,
> = ValueField<N, T, V, O> & { readonly fields: F };

type ValueType = Exclude<FieldType, 'struct' | '[]struct'>;

/** A field of a primitive type or an array of one. */
export function field<const N extends string, const T extends ValueType>(
  name: N,
  type: T,
): ValueField<N, T, '0+', Plain>;
export function field<
  const N extends string,
  const T extends ValueType,
  const V extends string,
  const O extends FieldOptions = Plain,
>(name: N, type: T, versions: V, options?: O): ValueField<N, T, V, NoInfer<O>>;
export function field(name: string, type: ValueType, versions = '0+', options: FieldOptions = {}): Field {
  return { name, type, versions, ...options };
}

/** An array of nested structs. */
export function structs<
  const N extends string,
  const V extends string,
  const F extends readonly Field[],
  const O extends FieldOptions = Plain,
>(name: N, versions: V, fields: F, options?: O): StructField<N, '[]struct', V, F, NoInfer<O>>;
export function structs(name: string, versions: string, fields: readonly Field[], options: FieldOptions = {}): Field {
  return { name, type: '[]struct', versions, ...options, fields };
}

/** A single nested struct (Kafka uses these for tagged groups such as CurrentLeader). */
export function struct<
  const N extends string,
  const V extends string,
  const F extends readonly Field[],
  const O extends FieldOptions = Plain,
>(name: N, versions: V, fields: F, options?: O): StructField<N, 'struct', V, F, NoInfer<O>>;
export function struct(name: string, versions: string, fields: readonly Field[], options: FieldOptions = {}): Field {
  return { name, type: 'struct', versions, ...options, fields };
}

export interface ApiDefinition<
  RequestFields extends readonly Field[] = readonly Field[],
  ResponseFields extends readonly Field[] = readonly Field[],
> {
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly request: RequestFields;
  readonly response: ResponseFields;
}

export function api<const Request extends readonly Field[], const Response extends readonly Field[]>(
  name: string,
  apiKey: number,
  definition: ApiDefinition<Request, Response>,
): ApiSchema<Request, Response> {
  const { validVersions, flexibleVersions } = definition;
  const message = <F extends readonly Field[]>(type: 'request' | 'response', fields: F): MessageSchema<F> => ({
    name: `${name}${type === 'request' ? 'Request' : 'Response'}`,
    apiKey,
    type,
    validVersions,
    flexibleVersions,
    fields,
  });
  return {
    name,
    apiKey,
    request: message('request', definition.request),
    response: message('response', definition.response),
  };
}

/** A versioned data struct (Kafka's "type": "data"), encoded like a message body. */
export function data<const F extends readonly Field[]>(
  name: string,
  validVersions: string,
  flexibleVersions: string,
  fields: F,
): MessageSchema<F> {
  return { name, apiKey: -1, type: 'data', validVersions, flexibleVersions, fields };
}
