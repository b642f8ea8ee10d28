/**
 * Reads the records section of a RecordBatch v2 (layout in native/record_scan.h) one
 * record at a time. Callers check the framing first (validateRecordBatch, or the
 * broker's validation when the batch came from the log), so a failure here means bytes
 * changed under us: it is reported as ERR_INVALID_RECORD, never as an out-of-bounds read.
 */
import { TributaryError } from '../errors.js';
import type { Record, RecordHeader } from './Record.js';

export interface RecordBase {
  baseOffset: number;
  baseTimestamp: number;
  /** Set for LogAppendTime batches: every record's timestamp is the batch's maxTimestamp. */
  logAppendTime: number | null;
}

export class RecordCursor {
  private position: number;

  constructor(
    private readonly bytes: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.position = start;
  }

  get done(): boolean {
    return this.position >= this.end;
  }

  next(base: RecordBase): Record {
    const length = this.varint();
    const recordEnd = this.position + length;
    if (length < 0 || recordEnd > this.end) this.fail('record length runs past the batch');
    this.position++; // attributes: unused in v2
    const timestampDelta = this.varint();
    const offsetDelta = this.varint();
    const key = this.bytesField();
    const value = this.bytesField();
    const headers = this.headers();
    if (this.position !== recordEnd) this.fail('record fields do not fill its length');
    return {
      offset: base.baseOffset + offsetDelta,
      timestamp: base.logAppendTime ?? base.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    };
  }

  private headers(): RecordHeader[] {
    const count = this.varint();
    if (count < 0 || count > this.end - this.position) this.fail(`bad header count ${count}`);
    const headers: RecordHeader[] = [];
    for (let i = 0; i < count; i++) {
      const key = this.bytesField();
      if (key === null) this.fail('null header key');
      headers.push({ key: key.toString('utf8'), value: this.bytesField() });
    }
    return headers;
  }

  private bytesField(): Buffer | null {
    const length = this.varint();
    if (length === -1) return null;
    const start = this.position;
    if (length < -1 || start + length > this.end) this.fail(`bad field length ${length}`);
    this.position += length;
    return this.bytes.subarray(start, this.position);
  }

  /** Zig-zag varint or varlong, exact within the safe integer range. */
  private varint(): number {
    const bytes = this.bytes;
    let byte = bytes[this.position++]!;
    if (byte < 0x80 && this.position <= this.end) return (byte >>> 1) ^ -(byte & 1);
    this.position--;
    let raw = 0;
    let scale = 1;
    for (let i = 0; i < 10 && this.position < this.end; i++) {
      byte = bytes[this.position++]!;
      raw += (byte & 0x7f) * scale;
      if (byte < 0x80) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      scale *= 128;
    }
    return this.fail('bad varint');
  }

  private fail(what: string): never {
    throw new TributaryError(`invalid record at byte ${this.position}: ${what}`, 'ERR_INVALID_RECORD', { position: this.position });
  }
}
