/**
 * The TypeScript types of messages, derived from the schema table: the builders in
 * Schema.ts keep each field's literal name, type, versions and options in its type, and
 * the mapped types here turn a field list into the object the codec reads or writes. One
 * table, so a handler or client that disagrees with the schema fails `tsc`; nothing here
 * exists at run time.
 *
 * Two views of each message, because the codec treats the directions differently:
 * - Decoded: what readMessage returns. Every field is there: one outside the version or a
 *   tagged one not sent is filled with its default.
 * - Encodable: what writeMessage takes. The codec writes the default for a field left out,
 *   so a field with a Kafka default, a tagged field and a field not in every version of its
 *   struct may be omitted; the rest must be given.
 */
import type { RecordsValue } from './ProtocolWriter.js';
import type { ApiSchema, Field, MessageSchema } from './Schema.js';

/** A message or nested struct whose schema is known only at run time: camelCase field names to values. */
export type Struct = { [field: string]: unknown };

type Numeric = 'int8' | 'int16' | 'int32' | 'uint16' | 'float64';

/** What ProtocolReader gives (int64 is a number, exact within ±2^53; records a view of the frame). */
type DecodedPrimitive<T> = T extends Numeric | 'int64'
  ? number
  : T extends 'bool'
    ? boolean
    : T extends 'string'
      ? string
      : T extends 'bytes' | 'uuid'
        ? Buffer
        : T extends 'records'
          ? Buffer | null
          : never;

/** What ProtocolWriter takes: int64 also as a bigint, records as one buffer or several. */
type EncodablePrimitive<T> = T extends 'int64'
  ? number | bigint
  : T extends 'records'
    ? RecordsValue
    : DecodedPrimitive<T>;

/** `| null` for a field with nullableVersions (null outside them is refused by the codec). */
type Nullable<F> = F extends { readonly nullableVersions: string } ? null : never;

type FieldsOf<F> = F extends { readonly fields: infer Fs extends readonly Field[] } ? Fs : readonly Field[];

/** A field list whose names are not literals (a schema typed only as MessageSchema) is a plain Struct. */
type Untyped<Fs extends readonly Field[]> = string extends Fs[number]['name'] ? true : false;

type DecodedValue<F extends Field> =
  | (F['type'] extends 'struct'
      ? DecodedStruct<FieldsOf<F>>
      : F['type'] extends '[]struct'
        ? DecodedStruct<FieldsOf<F>>[]
        : F['type'] extends `[]${infer E}`
          ? DecodedPrimitive<E>[]
          : DecodedPrimitive<F['type']>)
  | Nullable<F>;

export type DecodedStruct<Fs extends readonly Field[]> =
  Untyped<Fs> extends true ? Struct : { [F in Fs[number] as F['name']]: DecodedValue<F> };

/** Whether a writer may leave F out of a struct whose own versions are V. */
type MayOmit<F, V extends string> = F extends { readonly default: unknown } | { readonly taggedVersions: string }
  ? true
  : F extends { readonly versions: '0+' | V }
    ? false
    : true;

type EncodableValue<F extends Field> =
  | (F['type'] extends 'struct'
      ? EncodableStruct<FieldsOf<F>, F['versions']>
      : F['type'] extends '[]struct'
        ? readonly EncodableStruct<FieldsOf<F>, F['versions']>[]
        : F['type'] extends `[]${infer E}`
          ? readonly EncodablePrimitive<E>[]
          : EncodablePrimitive<F['type']>)
  | Nullable<F>;

/** Flattens an intersection so editors and errors show one object type. */
type Flat<T> = { [K in keyof T]: T[K] };

export type EncodableStruct<Fs extends readonly Field[], V extends string = '0+'> =
  Untyped<Fs> extends true
    ? Struct
    : Flat<
        { [F in Fs[number] as MayOmit<F, V> extends true ? never : F['name']]: EncodableValue<F> } & {
          [F in Fs[number] as MayOmit<F, V> extends true ? F['name'] : never]?: EncodableValue<F>;
        }
      >;

export type Decoded<S extends MessageSchema> = DecodedStruct<S['fields']>;
export type Encodable<S extends MessageSchema> = EncodableStruct<S['fields']>;

export type RequestOf<A extends ApiSchema> = Decoded<A['request']>;
export type ResponseOf<A extends ApiSchema> = Decoded<A['response']>;
export type EncodableRequest<A extends ApiSchema> = Encodable<A['request']>;
export type EncodableResponse<A extends ApiSchema> = Encodable<A['response']>;
/** A 'data' schema's record (the internal topics' keys and values, the consumer protocol). */
export type DataOf<S extends MessageSchema> = Decoded<S>;
export type EncodableData<S extends MessageSchema> = Encodable<S>;

/**
 * T with every property its schema type S lacks turned to `never`, at every depth.
 * TypeScript checks excess properties only on an object literal assigned to a declared
 * type, not on one an arrow function returns; a builder typed `T & NoExtraFields<T, S>`
 * (T inferred from the value) makes a misspelled field fail there too.
 */
export type NoExtraFields<T, S> = T extends Buffer | bigint | string | number | boolean | null
  ? T
  : T extends readonly (infer TE)[]
    ? S extends readonly (infer SE)[]
      ? readonly NoExtraFields<TE, SE>[]
      : S
    : S extends object
      ? { [K in keyof T]: K extends keyof S ? NoExtraFields<T[K], NonNullable<S[K]>> : never }
      : S;
