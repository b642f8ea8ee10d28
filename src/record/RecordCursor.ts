/**
 * Reads the records section of a RecordBatch v2 (layout in native/record_scan.h) one
 * record at a time. Only offsets, timestamps and field positions are read as the cursor
 * moves; keys, values and headers become objects when first asked for, because making a
 * Buffer view costs more than parsing a whole small record. Callers check the framing
 * first (validateRecordBatch, or the log's validation for fetched bytes), so a failure
 * here means the bytes were never validated: it is an ERR_INVALID_RECORD, never an
 * out-of-bounds read.
 */
import { TributaryError } from '../errors.js';
import { retainShape } from '../retainShape.js';
import type { Record, RecordHeader } from './Record.js';

export interface RecordBase {
  baseOffset: number;
  baseTimestamp: number;
  /** Set for LogAppendTime batches: every record's timestamp is the batch's maxTimestamp. */
  logAppendTime: number | null;
}

function invalid(position: number, what: string): never {
  throw new TributaryError(`invalid record at byte ${position}: ${what}`, 'ERR_INVALID_RECORD', { position });
}

/** Zig-zag varint or varlong at bytes[at] (before `end`), exact within the safe integers. */
function readVarint(bytes: Buffer, at: number, end: number, cursor: { position: number }): number {
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 10 && at < end; i++) {
    const byte = bytes[at++]!;
    raw += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      cursor.position = at;
      return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    scale *= 128;
  }
  return invalid(at, 'bad varint');
}

type BufferConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;

/**
 * Node's own Buffer class (FastBuffer, which Buffer[Symbol.species] returns, as typed
 * arrays' species protocol asks). Constructed over an ArrayBuffer it makes the view
 * Buffer.from(arrayBuffer, offset, length) makes, without that function's argument checks
 * (the cursor has checked every position): 43 ns a view instead of 100. Buffer.from if a
 * Node ever stops handing it out.
 */
function nodeBufferClass(): BufferConstructor | null {
  const species: unknown = (Buffer as unknown as { [Symbol.species]?: unknown })[Symbol.species];
  if (typeof species !== 'function') return null;
  const probe: unknown = new (species as BufferConstructor)(new ArrayBuffer(2), 1, 1);
  return Buffer.isBuffer(probe) && probe.byteOffset === 1 && probe.length === 1 ? (species as BufferConstructor) : null;
}

const NodeBuffer: BufferConstructor =
  nodeBufferClass() ??
  (function (buffer: ArrayBufferLike, byteOffset: number, length: number) {
    return Buffer.from(buffer, byteOffset, length);
  } as unknown as BufferConstructor);

/**
 * Where a record's bytes are, for making its key and value views: a view over the
 * ArrayBuffer costs less than half what subarray does, and reading `bytes.buffer` costs
 * about as much again, so the cursor reads it once per records section.
 */
interface RecordMemory {
  bytes: Buffer;
  buffer: ArrayBufferLike;
  byteOffset: number;
}

class DefaultRecord implements Record {
  private keyView: Buffer | null | undefined;
  private valueView: Buffer | null | undefined;
  private headerList: RecordHeader[] | undefined;

  constructor(
    readonly offset: number,
    readonly timestamp: number,
    private readonly memory: RecordMemory,
    private readonly keyStart: number,
    private readonly keyLength: number,
    private readonly valueStart: number,
    private readonly valueLength: number,
    private readonly headersStart: number,
    private readonly end: number,
  ) {}

  get key(): Buffer | null {
    return (this.keyView ??= this.keyLength < 0 ? null : this.view(this.keyStart, this.keyLength));
  }

  get value(): Buffer | null {
    return (this.valueView ??= this.valueLength < 0 ? null : this.view(this.valueStart, this.valueLength));
  }

  get headers(): RecordHeader[] {
    return (this.headerList ??= readHeaders(this.memory.bytes, this.headersStart, this.end));
  }

  private view(start: number, length: number): Buffer {
    return new NodeBuffer(this.memory.buffer, this.memory.byteOffset + start, length);
  }
}

function readHeaders(bytes: Buffer, start: number, end: number): RecordHeader[] {
  const at = { position: start };
  const count = readVarint(bytes, at.position, end, at);
  if (count < 0 || count > end - at.position) invalid(at.position, `bad header count ${count}`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < count; i++) {
    const keyLength = readVarint(bytes, at.position, end, at);
    if (keyLength < 0 || at.position + keyLength > end) invalid(at.position, `bad header key length ${keyLength}`);
    const key = bytes.toString('utf8', at.position, (at.position += keyLength));
    const valueLength = readVarint(bytes, at.position, end, at);
    if (valueLength < -1 || at.position + valueLength > end)
      invalid(at.position, `bad header value length ${valueLength}`);
    const value = valueLength < 0 ? null : bytes.subarray(at.position, (at.position += valueLength));
    headers.push({ key, value });
  }
  if (at.position !== end) invalid(at.position, 'record fields do not fill its length');
  return headers;
}

export class RecordCursor {
  position: number;
  private readonly memory: RecordMemory;

  constructor(
    private readonly bytes: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.position = start;
    this.memory = { bytes, buffer: bytes.buffer, byteOffset: bytes.byteOffset };
  }

  get done(): boolean {
    return this.position >= this.end;
  }

  next(base: RecordBase): Record {
    const length = this.varint(this.end);
    const recordEnd = this.position + length;
    if (length < 0 || recordEnd > this.end) invalid(this.position, 'record length runs past the batch');
    this.position++; // attributes: unused in v2
    const timestampDelta = this.varint(recordEnd);
    const offsetDelta = this.varint(recordEnd);
    const keyLength = this.fieldLength(recordEnd);
    const keyStart = this.position;
    this.position += Math.max(keyLength, 0);
    const valueLength = this.fieldLength(recordEnd);
    const valueStart = this.position;
    this.position = recordEnd;
    return new DefaultRecord(
      base.baseOffset + offsetDelta,
      base.logAppendTime ?? base.baseTimestamp + timestampDelta,
      this.memory,
      keyStart,
      keyLength,
      valueStart,
      valueLength,
      valueStart + Math.max(valueLength, 0),
      recordEnd,
    );
  }

  private fieldLength(recordEnd: number): number {
    const length = this.varint(recordEnd);
    if (length < -1 || this.position + length > recordEnd) invalid(this.position, `bad field length ${length}`);
    return length;
  }

  private varint(end: number): number {
    const byte = this.bytes[this.position]!;
    if (byte < 0x80 && this.position < end) {
      this.position++;
      return (byte >>> 1) ^ -(byte & 1);
    }
    return readVarint(this.bytes, this.position, end, this);
  }
}

/**
 * The base of the kept exemplars (see retainShape): offset and timestamp beyond V8's small
 * integers, as the log's int64 fields read. A field that held a small integer first would
 * change its representation, and so its shape, with the first real record.
 */
export const EXEMPLAR_BASE: RecordBase = { baseOffset: 2 ** 40, baseTimestamp: Date.now(), logAppendTime: null };

const exemplarCursor = new RecordCursor(Buffer.from([0x0c, 0, 0, 0, 1, 1, 0]), 0, 7);
/** A record (null key and value, no headers) as a cursor makes one, kept with its cursor for their shapes. */
export const EXEMPLAR_RECORD: Record = exemplarCursor.next(EXEMPLAR_BASE);
retainShape(exemplarCursor);
retainShape(EXEMPLAR_RECORD);
