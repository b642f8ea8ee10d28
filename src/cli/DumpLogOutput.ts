/**
 * What `tributary dump-log` prints: lines modelled on kafka-dump-log's, or one JSON
 * object per line (each with a `type`). Output is gathered and written in large pieces,
 * as a segment can hold millions of records.
 */
import type { OffsetIndexEntry, SegmentProblem, TimeIndexEntry, CheckedBatch } from '../log/SegmentCheck.js';
import type { Record } from '../record/Record.js';

const FLUSH_AT = 64 * 1024;

export type PayloadEncoding = 'utf8' | 'hex';

function batchFields(checked: CheckedBatch) {
  const b = checked.batch;
  let compression: string;
  try {
    compression = b.compression;
  } catch {
    compression = `unknown (${b.attributes & 7})`;
  }
  return {
    baseOffset: b.baseOffset,
    lastOffset: b.lastOffset,
    count: b.recordCount,
    position: checked.position,
    size: b.sizeInBytes,
    magic: b.magic,
    crc: b.crc,
    crcValid: checked.crcValid,
    compression,
    timestampType: b.timestampType,
    isTransactional: b.isTransactional,
    isControl: b.isControl,
    producerId: b.producerId,
    producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence,
    partitionLeaderEpoch: b.partitionLeaderEpoch,
    firstTimestamp: b.baseTimestamp,
    maxTimestamp: b.maxTimestamp,
  };
}

function textFields(fields: object): string {
  return Object.entries(fields)
    .map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

export class DumpLogOutput {
  private pending = '';

  constructor(
    private readonly json: boolean,
    private readonly encoding: PayloadEncoding,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  private emit(type: string, fields: object, text: string): void {
    this.pending += this.json ? `${JSON.stringify({ type, ...fields })}\n` : `${text}\n`;
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.pending === '') return;
    this.out.write(this.pending);
    this.pending = '';
  }

  file(path: string): void {
    this.emit('file', { file: path }, `Dumping ${path}`);
  }

  batch(checked: CheckedBatch): void {
    const fields = batchFields(checked);
    this.emit('batch', fields, textFields(fields));
    for (const record of checked.records ?? []) this.record(record);
    for (const p of checked.problems) this.problem(p);
  }

  private payload(bytes: Buffer | null): string | null {
    return bytes === null ? null : bytes.toString(this.encoding);
  }

  private record(record: Record): void {
    const fields = {
      offset: record.offset,
      timestamp: record.timestamp,
      key: this.payload(record.key),
      value: this.payload(record.value),
      headers: record.headers.map((h) => ({ key: h.key, value: this.payload(h.value) })),
    };
    const headers = fields.headers.map((h) => `${h.key}=${h.value ?? 'null'}`).join(',');
    this.emit(
      'record',
      fields,
      `| offset: ${fields.offset} timestamp: ${fields.timestamp} key: ${fields.key ?? 'null'} headers: [${headers}] payload: ${fields.value ?? 'null'}`,
    );
  }

  problem(p: SegmentProblem, file?: string): void {
    const where = `${p.offset === null ? '' : ` offset ${p.offset}`}${p.position === null ? '' : ` position ${p.position}`}`;
    this.emit(
      'problem',
      { ...(file === undefined ? {} : { file }), ...p },
      `PROBLEM${file === undefined ? '' : ` in ${file}`}${where}: ${p.message}`,
    );
  }

  indexEntry(entry: OffsetIndexEntry | TimeIndexEntry): void {
    const problem = entry.problem === null ? '' : ` PROBLEM: ${entry.problem}`;
    if ('position' in entry)
      this.emit('index-entry', entry, `offset: ${entry.offset} position: ${entry.position}${problem}`);
    else this.emit('time-index-entry', entry, `timestamp: ${entry.timestamp} offset: ${entry.offset}${problem}`);
  }

  summary(fields: { file: string; batches?: number; records?: number; entries?: number; problems: number }): void {
    const { file, ...counts } = fields;
    this.emit('summary', fields, `Summary of ${file}: ${textFields(counts)}`);
  }

  repaired(file: string, action: string): void {
    this.emit('repair', { file, action }, `Repaired: ${action}`);
  }
}
