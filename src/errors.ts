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
  UNKNOWN_SERVER_ERROR: kafka(-1, 'UNKNOWN_SERVER_ERROR', false),
  NONE: kafka(0, 'NONE', false),
  OFFSET_OUT_OF_RANGE: kafka(1, 'OFFSET_OUT_OF_RANGE', false),
  CORRUPT_MESSAGE: kafka(2, 'CORRUPT_MESSAGE', true),
  UNKNOWN_TOPIC_OR_PARTITION: kafka(3, 'UNKNOWN_TOPIC_OR_PARTITION', true),
  LEADER_NOT_AVAILABLE: kafka(5, 'LEADER_NOT_AVAILABLE', true),
  NOT_LEADER_OR_FOLLOWER: kafka(6, 'NOT_LEADER_OR_FOLLOWER', true),
  REQUEST_TIMED_OUT: kafka(7, 'REQUEST_TIMED_OUT', true),
  MESSAGE_TOO_LARGE: kafka(10, 'MESSAGE_TOO_LARGE', false),
  OFFSET_METADATA_TOO_LARGE: kafka(12, 'OFFSET_METADATA_TOO_LARGE', false),
  COORDINATOR_LOAD_IN_PROGRESS: kafka(14, 'COORDINATOR_LOAD_IN_PROGRESS', true),
  COORDINATOR_NOT_AVAILABLE: kafka(15, 'COORDINATOR_NOT_AVAILABLE', true),
  NOT_COORDINATOR: kafka(16, 'NOT_COORDINATOR', true),
  INVALID_TOPIC_EXCEPTION: kafka(17, 'INVALID_TOPIC_EXCEPTION', false),
  RECORD_LIST_TOO_LARGE: kafka(18, 'RECORD_LIST_TOO_LARGE', false),
  INVALID_REQUIRED_ACKS: kafka(21, 'INVALID_REQUIRED_ACKS', false),
  ILLEGAL_GENERATION: kafka(22, 'ILLEGAL_GENERATION', false),
  INCONSISTENT_GROUP_PROTOCOL: kafka(23, 'INCONSISTENT_GROUP_PROTOCOL', false),
  INVALID_GROUP_ID: kafka(24, 'INVALID_GROUP_ID', false),
  UNKNOWN_MEMBER_ID: kafka(25, 'UNKNOWN_MEMBER_ID', false),
  INVALID_SESSION_TIMEOUT: kafka(26, 'INVALID_SESSION_TIMEOUT', false),
  REBALANCE_IN_PROGRESS: kafka(27, 'REBALANCE_IN_PROGRESS', false),
  INVALID_COMMIT_OFFSET_SIZE: kafka(28, 'INVALID_COMMIT_OFFSET_SIZE', false),
  CLUSTER_AUTHORIZATION_FAILED: kafka(31, 'CLUSTER_AUTHORIZATION_FAILED', false),
  INVALID_TIMESTAMP: kafka(32, 'INVALID_TIMESTAMP', false),
  UNSUPPORTED_SASL_MECHANISM: kafka(33, 'UNSUPPORTED_SASL_MECHANISM', false),
  UNSUPPORTED_VERSION: kafka(35, 'UNSUPPORTED_VERSION', false),
  TOPIC_ALREADY_EXISTS: kafka(36, 'TOPIC_ALREADY_EXISTS', false),
  INVALID_PARTITIONS: kafka(37, 'INVALID_PARTITIONS', false),
  INVALID_REPLICATION_FACTOR: kafka(38, 'INVALID_REPLICATION_FACTOR', false),
  INVALID_REPLICA_ASSIGNMENT: kafka(39, 'INVALID_REPLICA_ASSIGNMENT', false),
  INVALID_CONFIG: kafka(40, 'INVALID_CONFIG', false),
  INVALID_REQUEST: kafka(42, 'INVALID_REQUEST', false),
  UNSUPPORTED_FOR_MESSAGE_FORMAT: kafka(43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', false),
  POLICY_VIOLATION: kafka(44, 'POLICY_VIOLATION', false),
  INVALID_PRODUCER_EPOCH: kafka(47, 'INVALID_PRODUCER_EPOCH', false),
  INVALID_TXN_STATE: kafka(48, 'INVALID_TXN_STATE', false),
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: kafka(53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', false),
  KAFKA_STORAGE_ERROR: kafka(56, 'KAFKA_STORAGE_ERROR', true),
  NON_EMPTY_GROUP: kafka(68, 'NON_EMPTY_GROUP', false),
  GROUP_ID_NOT_FOUND: kafka(69, 'GROUP_ID_NOT_FOUND', false),
  FETCH_SESSION_ID_NOT_FOUND: kafka(70, 'FETCH_SESSION_ID_NOT_FOUND', true),
  TOPIC_DELETION_DISABLED: kafka(73, 'TOPIC_DELETION_DISABLED', false),
  UNSUPPORTED_COMPRESSION_TYPE: kafka(76, 'UNSUPPORTED_COMPRESSION_TYPE', false),
  OFFSET_NOT_AVAILABLE: kafka(78, 'OFFSET_NOT_AVAILABLE', true),
  MEMBER_ID_REQUIRED: kafka(79, 'MEMBER_ID_REQUIRED', false),
  GROUP_MAX_SIZE_REACHED: kafka(81, 'GROUP_MAX_SIZE_REACHED', false),
  FENCED_INSTANCE_ID: kafka(82, 'FENCED_INSTANCE_ID', false),
  GROUP_SUBSCRIBED_TO_TOPIC: kafka(86, 'GROUP_SUBSCRIBED_TO_TOPIC', false),
  INVALID_RECORD: kafka(87, 'INVALID_RECORD', false),
  UNSTABLE_OFFSET_COMMIT: kafka(88, 'UNSTABLE_OFFSET_COMMIT', true),
  UNKNOWN_TOPIC_ID: kafka(100, 'UNKNOWN_TOPIC_ID', true),
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
  ERR_INVALID_REQUEST: KafkaErrors.INVALID_REQUEST,
  ERR_UNSUPPORTED_VERSION: KafkaErrors.UNSUPPORTED_VERSION,
  ERR_INVALID_REPLICATION_FACTOR: KafkaErrors.INVALID_REPLICATION_FACTOR,
  ERR_INVALID_REPLICA_ASSIGNMENT: KafkaErrors.INVALID_REPLICA_ASSIGNMENT,
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

  /** The Kafka error this becomes on the wire: the mapped one, or the one an ERR_<Kafka name> code names. */
  get kafka(): KafkaError {
    const name = this.code.slice(4);
    const named =
      this.code.startsWith('ERR_') && Object.hasOwn(KafkaErrors, name)
        ? (KafkaErrors as Record<string, KafkaError>)[name]
        : undefined;
    return kafkaErrorOf[this.code] ?? named ?? KafkaErrors.KAFKA_STORAGE_ERROR;
  }
}

function kafkaErrorOfCode(code: number): KafkaError {
  return Object.values(KafkaErrors).find((e) => e.code === code) ?? { code, name: `ERROR_${code}`, retriable: false };
}

/** An error code from a Kafka response as a TributaryError named after Kafka's error (`ERR_REBALANCE_IN_PROGRESS`, ...). */
export function kafkaResponseError(errorCode: number, what: string): TributaryError {
  const { name } = kafkaErrorOfCode(errorCode);
  return new TributaryError(`${what} failed: ${name}`, `ERR_${name}`);
}

export function isTributaryError(error: unknown, code?: string): error is TributaryError {
  return error instanceof TributaryError && (code === undefined || error.code === code);
}

/** A caller passed something the API cannot take (Kafka INVALID_REQUEST on the wire). */
export function invalidArgument(message: string): TributaryError {
  return new TributaryError(message, 'ERR_INVALID_ARGUMENT');
}
