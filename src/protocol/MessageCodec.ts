/**
 * The one encoder/decoder for every message in the table. A message schema is compiled
 * once per version into read/write functions, one per struct: fields outside the version
 * are dropped (decode fills in their default), nullability and the compact (flexible)
 * encodings are resolved up front, and tagged fields go to the section at the end of
 * each struct.
 */
import { invalidArgument } from '../errors.js';
import { invalidRequest } from './ProtocolError.js';
import type { ProtocolReader } from './ProtocolReader.js';
import { ProtocolWriter, type RecordsValue } from './ProtocolWriter.js';
import type { Decoded, Encodable, Struct } from './MessageTypes.js';
import type { Field, MessageSchema, PrimitiveType } from './Schema.js';
import { inVersions } from './Versions.js';

type Read = (r: ProtocolReader) => unknown;
type Write = (w: ProtocolWriter, value: unknown) => void;

interface ValueCodec {
  readonly read: Read;
  readonly write: Write;
  /** The fewest bytes a value takes, to bound array counts before allocating. */
  readonly minSize: number;
}

interface Shape {
  readonly version: number;
  readonly flexible: boolean;
}

type FixedType = Exclude<PrimitiveType, 'string' | 'bytes' | 'records'>;

const FIXED: Record<FixedType, ValueCodec> = {
  int8: { read: (r) => r.int8(), write: (w, v) => w.int8(v as number), minSize: 1 },
  bool: { read: (r) => r.bool(), write: (w, v) => w.bool(v as boolean), minSize: 1 },
  int16: { read: (r) => r.int16(), write: (w, v) => w.int16(v as number), minSize: 2 },
  uint16: { read: (r) => r.uint16(), write: (w, v) => w.uint16(v as number), minSize: 2 },
  int32: { read: (r) => r.int32(), write: (w, v) => w.int32(v as number), minSize: 4 },
  int64: { read: (r) => r.int64(), write: (w, v) => w.int64(v as number | bigint), minSize: 8 },
  float64: { read: (r) => r.float64(), write: (w, v) => w.float64(v as number), minSize: 8 },
  uuid: { read: (r) => r.uuid(), write: (w, v) => w.uuid(v as Buffer), minSize: 16 },
};

const ZERO_UUID_BYTES = 16;

/** Kafka's default for a field where its version lacks it, as a fresh value. */
export function defaultOf(field: Field): unknown {
  if (field.default !== undefined) return field.default;
  if (field.nullableVersions !== undefined) return null;
  return zeroOf(field);
}

function zeroOf(field: Field): unknown {
  switch (field.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return Buffer.alloc(ZERO_UUID_BYTES);
    case 'struct':
      return defaultStruct(field.fields!);
    default:
      return field.type.startsWith('[]') ? [] : 0;
  }
}

function defaultStruct(fields: readonly Field[]): Struct {
  const struct: Struct = {};
  for (const f of fields) struct[f.name] = defaultOf(f);
  return struct;
}

/** Whether a tagged field's value equals its default, so it need not be sent. */
function isDefault(field: Field, value: unknown): boolean {
  const fallback = defaultOf(field);
  if (value === fallback) return true;
  if (Array.isArray(value)) return Array.isArray(fallback) && value.length === 0;
  if (Buffer.isBuffer(value)) return Buffer.isBuffer(fallback) && value.equals(fallback);
  if (field.type === 'struct' && value !== null && typeof value === 'object') {
    return field.fields!.every((f) => {
      const inner = (value as Struct)[f.name];
      return inner === undefined || isDefault(f, inner);
    });
  }
  return false;
}

function notNull(value: unknown, nullable: boolean, path: string, r: ProtocolReader): unknown {
  if (value === null && !nullable)
    throw invalidRequest(`null in non-nullable field ${path} before byte ${r.pos}`, r.pos);
  return value;
}

function variableCodec(
  type: 'string' | 'bytes' | 'records',
  compact: boolean,
  nullable: boolean,
  path: string,
): ValueCodec {
  const minSize = compact ? 1 : type === 'string' ? 2 : 4;
  switch (type) {
    case 'string':
      return {
        read: (r) => notNull(r.string(compact), nullable, path, r),
        write: (w, v) => w.string(v as string | null, compact),
        minSize,
      };
    case 'bytes':
      // A copy: bytes fields (group metadata, SASL tokens) outlive the frame.
      return {
        read: (r) => {
          const view = notNull(r.bytes(compact), nullable, path, r) as Buffer | null;
          return view === null ? null : Buffer.from(view);
        },
        write: (w, v) => w.bytes(v as Buffer | null, compact),
        minSize,
      };
    case 'records':
      return {
        read: (r) => notNull(r.bytes(compact), nullable, path, r),
        write: (w, v) => w.records(v as RecordsValue, compact),
        minSize,
      };
  }
}

function arrayCodec(element: ValueCodec, compact: boolean, nullable: boolean, path: string): ValueCodec {
  return {
    read: (r) => {
      const count = r.arrayLength(compact, element.minSize);
      if (count < 0) return notNull(null, nullable, path, r);
      const out = new Array<unknown>(count);
      for (let i = 0; i < count; i++) out[i] = element.read(r);
      return out;
    },
    write: (w, v) => {
      if (v === null) return w.arrayLength(-1, compact);
      if (!Array.isArray(v)) throw invalidArgument(`${path} must be an array`);
      w.arrayLength(v.length, compact);
      for (const item of v) element.write(w, item);
    },
    minSize: compact ? 1 : 4,
  };
}

function valueCodec(field: Field, shape: Shape, path: string): ValueCodec {
  const nullable = inVersions(field.nullableVersions, shape.version);
  const { type } = field;
  if (type === 'struct') return new StructCodec(field.fields!, shape, path);
  if (type.startsWith('[]')) {
    const element: Field = {
      name: field.name,
      type: type.slice(2) as PrimitiveType | 'struct',
      versions: field.versions,
    };
    const elementCodec =
      type === '[]struct' ? new StructCodec(field.fields!, shape, path) : valueCodec(element, shape, path);
    return arrayCodec(elementCodec, shape.flexible, nullable, path);
  }
  if (type === 'string' || type === 'bytes' || type === 'records')
    return variableCodec(type, shape.flexible, nullable, path);
  return FIXED[type as FixedType];
}

interface FieldPlan {
  readonly field: Field;
  readonly name: string;
  readonly nullable: boolean;
  readonly read: Read;
  readonly write: Write;
  readonly minSize: number;
}

function planField(field: Field, shape: Shape, path: string): FieldPlan | undefined {
  if (!inVersions(field.versions, shape.version)) return undefined;
  const codec = valueCodec(field, shape, `${path}.${field.name}`);
  const nullable = inVersions(field.nullableVersions, shape.version);
  return { field, name: field.name, nullable, read: codec.read, write: codec.write, minSize: codec.minSize };
}

type ReadTag = (struct: Struct, tag: number, r: ProtocolReader) => boolean;

const property = (name: string) => JSON.stringify(name);

/*
 * A struct's read and write are compiled to straight-line code: with constant property
 * names every decoded struct gets one object shape and every field access its own inline
 * cache (a loop over names goes megamorphic), about twice as fast.
 */
function compileRead(names: readonly string[], reads: readonly Read[], readTag: ReadTag | null): Read {
  const fields = names.map((name, i) => `${property(name)}: reads[${i}](r)`).join(', ');
  const tags = readTag === null ? '' : 'r.taggedFields(struct, readTag);';
  return new Function('reads', 'readTag', `return (r) => { const struct = { ${fields} }; ${tags} return struct; };`)(
    reads,
    readTag,
  ) as Read;
}

type Missing = (index: number, value: null | undefined) => unknown;

function compileWrite(
  plans: readonly FieldPlan[],
  missing: Missing,
  notObject: () => never,
  tail: Write | null,
): Write {
  const fields = plans
    .map(
      ({ name }, i) =>
        `v = s[${property(name)}]; writes[${i}](w, v === undefined || v === null ? missing(${i}, v) : v);`,
    )
    .join(' ');
  const body = `if (s === null || typeof s !== 'object') notObject(); let v; ${fields} ${tail === null ? '' : 'tail(w, s);'}`;
  const writes = plans.map((plan) => plan.write);
  return new Function('writes', 'missing', 'notObject', 'tail', `return (w, s) => { ${body} };`)(
    writes,
    missing,
    notObject,
    tail,
  ) as Write;
}

/** One struct (or a whole message) at one version. */
class StructCodec implements ValueCodec {
  private readonly inline: FieldPlan[] = [];
  /** Tagged fields of this version, by tag. */
  private readonly tagged: FieldPlan[] = [];
  private readonly byTag = new Map<number, FieldPlan>();
  readonly flexible: boolean;
  readonly minSize: number;
  readonly read: Read;
  readonly write: Write;

  constructor(
    fields: readonly Field[],
    shape: Shape,
    private readonly path: string,
  ) {
    this.flexible = shape.flexible;
    const reads: Read[] = [];
    for (const field of fields) {
      const plan = planField(field, shape, path);
      const tagged = plan !== undefined && inVersions(field.taggedVersions, shape.version);
      if (tagged) this.tagged.push(plan);
      else if (plan !== undefined) this.inline.push(plan);
      reads.push(plan !== undefined && !tagged ? plan.read : () => defaultOf(field));
    }
    this.tagged.sort((a, b) => a.field.tag! - b.field.tag!);
    for (const plan of this.tagged) this.byTag.set(plan.field.tag!, plan);
    this.minSize = this.inline.reduce((sum, p) => sum + p.minSize, this.flexible ? 1 : 0);
    const names = fields.map((f) => f.name);
    this.read = compileRead(names, reads, this.flexible ? this.readTag : null);
    const missing: Missing = (index, value) => this.missing(this.inline[index]!, value);
    const notObject = () => {
      throw invalidArgument(`${path} must be an object`);
    };
    this.write = compileWrite(
      this.inline,
      missing,
      notObject,
      this.flexible ? (w, s) => this.writeTagged(w, s as Struct) : null,
    );
  }

  private readonly readTag: ReadTag = (struct, tag, r) => {
    const plan = this.byTag.get(tag);
    if (plan === undefined) return false;
    struct[plan.name] = plan.read(r);
    return true;
  };

  /** The value to write for an undefined (missing) or null field. */
  private missing(plan: FieldPlan, value: undefined | null): unknown {
    if (value === null) {
      if (!plan.nullable) throw invalidArgument(`${this.path}.${plan.name} is not nullable in this version`);
      return null;
    }
    const fallback = defaultOf(plan.field);
    return fallback === null && !plan.nullable ? zeroOf(plan.field) : fallback;
  }

  private writeTagged(w: ProtocolWriter, struct: Struct): void {
    let count = 0;
    for (let i = 0; i < this.tagged.length; i++) if (this.sends(this.tagged[i]!, struct)) count++;
    w.unsignedVarint(count);
    if (count === 0) return;
    for (const plan of this.tagged) {
      if (!this.sends(plan, struct)) continue;
      const data = new ProtocolWriter(64);
      plan.write(data, struct[plan.name]);
      w.unsignedVarint(plan.field.tag!);
      w.unsignedVarint(data.size);
      for (const chunk of data.finish()) w.raw(chunk);
    }
  }

  /** A tagged field goes on the wire only when it differs from its default. */
  private sends(plan: FieldPlan, struct: Struct): boolean {
    const value = struct[plan.name];
    return value !== undefined && !isDefault(plan.field, value);
  }
}

const compiled = new WeakMap<MessageSchema, StructCodec[]>();

/** The codec of `schema` at `version` (compiled on first use). */
function codecOf(schema: MessageSchema, version: number): StructCodec {
  let byVersion = compiled.get(schema);
  if (byVersion === undefined) compiled.set(schema, (byVersion = []));
  return (byVersion[version] ??= new StructCodec(
    schema.fields,
    { version, flexible: inVersions(schema.flexibleVersions, version) },
    schema.name,
  ));
}

export function isFlexible(schema: MessageSchema, version: number): boolean {
  return codecOf(schema, version).flexible;
}

/**
 * The one place where the table's types meet the bytes: the compiled read builds exactly
 * the object Decoded<S> describes (MessageTypes.ts derives both from `schema`).
 */
export function readMessage<S extends MessageSchema>(schema: S, version: number, r: ProtocolReader): Decoded<S> {
  return codecOf(schema, version).read(r) as Decoded<S>;
}

export function writeMessage<S extends MessageSchema>(
  schema: S,
  version: number,
  w: ProtocolWriter,
  body: Encodable<S>,
): void {
  codecOf(schema, version).write(w, body);
}
