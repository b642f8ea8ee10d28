/**
 * One error registry: every failure tributary reports carries a `code` (an errno name
 * such as `ENOSPC`, or an `ERR_...` name) and, where one fits, the Kafka error it
 * becomes on the wire (Kafka's `Errors.java`: code, name, retriable).
 */

export interface KafkaError {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
}

const kafka = (code: number, name: string, retriable: boolean): KafkaError => ({ code, name, retriable });

export const KafkaErrors = {
  OFFSET_OUT_OF_RANGE: kafka(1, 'OFFSET_OUT_OF_RANGE', false),
  CORRUPT_MESSAGE: kafka(2, 'CORRUPT_MESSAGE', true),
  UNKNOWN_TOPIC_OR_PARTITION: kafka(3, 'UNKNOWN_TOPIC_OR_PARTITION', true),
  MESSAGE_TOO_LARGE: kafka(10, 'MESSAGE_TOO_LARGE', false),
  INVALID_TOPIC_EXCEPTION: kafka(17, 'INVALID_TOPIC_EXCEPTION', false),
  RECORD_LIST_TOO_LARGE: kafka(18, 'RECORD_LIST_TOO_LARGE', false),
  INVALID_TIMESTAMP: kafka(32, 'INVALID_TIMESTAMP', false),
  TOPIC_ALREADY_EXISTS: kafka(36, 'TOPIC_ALREADY_EXISTS', false),
  INVALID_PARTITIONS: kafka(37, 'INVALID_PARTITIONS', false),
  INVALID_CONFIG: kafka(40, 'INVALID_CONFIG', false),
  INVALID_REQUEST: kafka(42, 'INVALID_REQUEST', false),
  KAFKA_STORAGE_ERROR: kafka(56, 'KAFKA_STORAGE_ERROR', true),
  UNSUPPORTED_COMPRESSION_TYPE: kafka(76, 'UNSUPPORTED_COMPRESSION_TYPE', false),
  INVALID_RECORD: kafka(87, 'INVALID_RECORD', false),
} as const;

/** Which Kafka error each tributary code becomes; codes not listed are storage errors. */
const kafkaErrorOf: Readonly<Record<string, KafkaError>> = {
  ERR_CORRUPT_BATCH: KafkaErrors.CORRUPT_MESSAGE,
  ERR_TRUNCATED: KafkaErrors.CORRUPT_MESSAGE,
  ERR_OFFSET_OUT_OF_RANGE: KafkaErrors.OFFSET_OUT_OF_RANGE,
  ERR_MESSAGE_TOO_LARGE: KafkaErrors.MESSAGE_TOO_LARGE,
  ERR_RECORD_BATCH_TOO_LARGE: KafkaErrors.RECORD_LIST_TOO_LARGE,
  ERR_INVALID_CONFIG: KafkaErrors.INVALID_CONFIG,
  ERR_INVALID_RECORD: KafkaErrors.INVALID_RECORD,
  ERR_INVALID_TIMESTAMP: KafkaErrors.INVALID_TIMESTAMP,
  ERR_INVALID_PARTITIONS: KafkaErrors.INVALID_PARTITIONS,
  ERR_UNKNOWN_TOPIC: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION,
  ERR_UNKNOWN_TOPIC_OR_PARTITION: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION,
  ERR_INVALID_TOPIC: KafkaErrors.INVALID_TOPIC_EXCEPTION,
  ERR_TOPIC_EXISTS: KafkaErrors.TOPIC_ALREADY_EXISTS,
  ERR_UNSUPPORTED_COMPRESSION_TYPE: KafkaErrors.UNSUPPORTED_COMPRESSION_TYPE,
  ERR_CODEC_UNAVAILABLE: KafkaErrors.UNSUPPORTED_COMPRESSION_TYPE,
  ERR_CORRUPT_COMPRESSED: KafkaErrors.CORRUPT_MESSAGE,
  ERR_DECOMPRESSED_TOO_LARGE: KafkaErrors.CORRUPT_MESSAGE,
  ERR_INVALID_ARGUMENT: KafkaErrors.INVALID_REQUEST,
  ERR_CONSUMER_CLOSED: KafkaErrors.INVALID_REQUEST,
};

export interface ErrorDetails {
  path?: string;
  syscall?: string;
  errno?: number;
  offset?: number;
  position?: number;
  /** The process holding a lock (ERR_DATA_DIR_LOCKED). */
  pid?: number;
}

export class TributaryError extends Error {
  readonly code: string;
  readonly path?: string;
  readonly syscall?: string;
  readonly errno?: number;
  readonly offset?: number;
  readonly position?: number;
  readonly pid?: number;

  constructor(message: string, code: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'TributaryError';
    this.code = code;
    Object.assign(this, details);
  }

  /** The Kafka error this becomes on the wire. */
  get kafka(): KafkaError {
    return kafkaErrorOf[this.code] ?? KafkaErrors.KAFKA_STORAGE_ERROR;
  }
}

export function isTributaryError(error: unknown, code?: string): error is TributaryError {
  return error instanceof TributaryError && (code === undefined || error.code === code);
}

/** A caller passed something the API cannot take (Kafka INVALID_REQUEST on the wire). */
export function invalidArgument(message: string): TributaryError {
  return new TributaryError(message, 'ERR_INVALID_ARGUMENT');
}
