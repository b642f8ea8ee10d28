/** One record as Kafka's clients see it (Kafka's Record / ConsumerRecord payload). */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  offset: number;
  timestamp: number;
  /** Views into the batch (or into its decompressed records) — no copy. */
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export type TimestampType = 'CreateTime' | 'LogAppendTime';
