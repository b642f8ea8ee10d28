/**
 * One error registry: every failure tributary reports carries a `code` from a closed list
 * (ErrorCode: an errno name such as `ENOSPC`, or an `ERR_...` name), and each code the
 * Kafka error it becomes on the wire (Kafka's `Errors.java`: code, name, retriable).
 * tsc holds TypeScript to the list; test/errors.test.ts holds native/ to it.
 */

export interface KafkaError {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
}

const kafka = <Name extends string>(
  code: number,
  name: Name,
  retriable: boolean,
): KafkaError & { readonly name: Name } => ({ code, name, retriable });

export const KafkaErrors = {
  UNKNOWN_SERVER_ERROR: kafka(-1, 'UNKNOWN_SERVER_ERROR', false),
  NONE: kafka(0, 'NONE', false),
  OFFSET_OUT_OF_RANGE: kafka(1, 'OFFSET_OUT_OF_RANGE', false),
  CORRUPT_MESSAGE: kafka(2, 'CORRUPT_MESSAGE', true),
  UNKNOWN_TOPIC_OR_PARTITION: kafka(3, 'UNKNOWN_TOPIC_OR_PARTITION', true),
  LEADER_NOT_AVAILABLE: kafka(5, 'LEADER_NOT_AVAILABLE', true),
  NOT_LEADER_OR_FOLLOWER: kafka(6, 'NOT_LEADER_OR_FOLLOWER', true),
  REQUEST_TIMED_OUT: kafka(7, 'REQUEST_TIMED_OUT', true),
  // AdminZkClient.validateReplicaAssignment: a manual assignment naming a broker not in the cluster.
  BROKER_NOT_AVAILABLE: kafka(8, 'BROKER_NOT_AVAILABLE', false),
  REPLICA_NOT_AVAILABLE: kafka(9, 'REPLICA_NOT_AVAILABLE', true),
  MESSAGE_TOO_LARGE: kafka(10, 'MESSAGE_TOO_LARGE', false),
  // The ZooKeeper-mode controller's fencing (ControllerMovedException, NotControllerException,
  // FencedLeaderEpochException, StaleBrokerEpochException) and the metadata cache's
  // (ListenerNotFoundException, InconsistentTopicIdException).
  STALE_CONTROLLER_EPOCH: kafka(11, 'STALE_CONTROLLER_EPOCH', false),
  LISTENER_NOT_FOUND: kafka(72, 'LISTENER_NOT_FOUND', true),
  FENCED_LEADER_EPOCH: kafka(74, 'FENCED_LEADER_EPOCH', true),
  // OffsetForLeaderEpoch's and Fetch's fencing (KIP-320, Partition.checkCurrentLeaderEpoch): a
  // current leader epoch newer than the broker's.
  UNKNOWN_LEADER_EPOCH: kafka(75, 'UNKNOWN_LEADER_EPOCH', true),
  INCONSISTENT_TOPIC_ID: kafka(103, 'INCONSISTENT_TOPIC_ID', true),
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
  NOT_CONTROLLER: kafka(41, 'NOT_CONTROLLER', true),
  INVALID_REQUEST: kafka(42, 'INVALID_REQUEST', false),
  UNSUPPORTED_FOR_MESSAGE_FORMAT: kafka(43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', false),
  POLICY_VIOLATION: kafka(44, 'POLICY_VIOLATION', false),
  // Producer state (Kafka's ProducerAppendInfo): OutOfOrderSequenceException, InvalidProducerEpochException,
  // InvalidTxnStateException, TransactionCoordinatorFencedException.
  OUT_OF_ORDER_SEQUENCE_NUMBER: kafka(45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false),
  INVALID_PRODUCER_EPOCH: kafka(47, 'INVALID_PRODUCER_EPOCH', false),
  INVALID_TXN_STATE: kafka(48, 'INVALID_TXN_STATE', false),
  // The transaction coordinator's (TransactionCoordinator.scala, KafkaApis AddPartitionsToTxn).
  INVALID_PRODUCER_ID_MAPPING: kafka(49, 'INVALID_PRODUCER_ID_MAPPING', false),
  INVALID_TRANSACTION_TIMEOUT: kafka(50, 'INVALID_TRANSACTION_TIMEOUT', false),
  CONCURRENT_TRANSACTIONS: kafka(51, 'CONCURRENT_TRANSACTIONS', true),
  OPERATION_NOT_ATTEMPTED: kafka(55, 'OPERATION_NOT_ATTEMPTED', false),
  PRODUCER_FENCED: kafka(90, 'PRODUCER_FENCED', false),
  TRANSACTIONAL_ID_NOT_FOUND: kafka(105, 'TRANSACTIONAL_ID_NOT_FOUND', false),
  TRANSACTION_COORDINATOR_FENCED: kafka(52, 'TRANSACTION_COORDINATOR_FENCED', false),
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: kafka(53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', false),
  KAFKA_STORAGE_ERROR: kafka(56, 'KAFKA_STORAGE_ERROR', true),
  NON_EMPTY_GROUP: kafka(68, 'NON_EMPTY_GROUP', false),
  GROUP_ID_NOT_FOUND: kafka(69, 'GROUP_ID_NOT_FOUND', false),
  FETCH_SESSION_ID_NOT_FOUND: kafka(70, 'FETCH_SESSION_ID_NOT_FOUND', true),
  TOPIC_DELETION_DISABLED: kafka(73, 'TOPIC_DELETION_DISABLED', false),
  UNSUPPORTED_COMPRESSION_TYPE: kafka(76, 'UNSUPPORTED_COMPRESSION_TYPE', false),
  // KafkaController.doControlledShutdown: a request from an older registration of the broker (KIP-380).
  STALE_BROKER_EPOCH: kafka(77, 'STALE_BROKER_EPOCH', false),
  // AlterPartition refused by the controller (KafkaController.processAlterPartition): an ISR
  // change under a partition epoch (znode version) that moved, and one naming a replica that is
  // not alive or is shutting down (KIP-841). Neither retriable: the leader waits for the controller's word.
  INVALID_UPDATE_VERSION: kafka(95, 'INVALID_UPDATE_VERSION', false),
  INELIGIBLE_REPLICA: kafka(107, 'INELIGIBLE_REPLICA', false),
  OFFSET_NOT_AVAILABLE: kafka(78, 'OFFSET_NOT_AVAILABLE', true),
  MEMBER_ID_REQUIRED: kafka(79, 'MEMBER_ID_REQUIRED', false),
  GROUP_MAX_SIZE_REACHED: kafka(81, 'GROUP_MAX_SIZE_REACHED', false),
  FENCED_INSTANCE_ID: kafka(82, 'FENCED_INSTANCE_ID', false),
  // ElectLeaders' per-partition answers (KafkaController.processReplicaLeaderElection; all
  // InvalidMetadataExceptions, so retriable).
  PREFERRED_LEADER_NOT_AVAILABLE: kafka(80, 'PREFERRED_LEADER_NOT_AVAILABLE', true),
  ELIGIBLE_LEADERS_NOT_AVAILABLE: kafka(83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', true),
  ELECTION_NOT_NEEDED: kafka(84, 'ELECTION_NOT_NEEDED', true),
  // AlterPartitionReassignments cancelling a partition that is not being reassigned (KafkaController.maybeBuildReassignment).
  NO_REASSIGNMENT_IN_PROGRESS: kafka(85, 'NO_REASSIGNMENT_IN_PROGRESS', false),
  GROUP_SUBSCRIBED_TO_TOPIC: kafka(86, 'GROUP_SUBSCRIBED_TO_TOPIC', false),
  INVALID_RECORD: kafka(87, 'INVALID_RECORD', false),
  UNSTABLE_OFFSET_COMMIT: kafka(88, 'UNSTABLE_OFFSET_COMMIT', true),
  UNKNOWN_TOPIC_ID: kafka(100, 'UNKNOWN_TOPIC_ID', true),
  // Replication's leader side (Partition.appendRecordsToLeader and checkEnoughReplicasReachOffset:
  // NotEnoughReplicasException and NotEnoughReplicasAfterAppendException).
  NOT_ENOUGH_REPLICAS: kafka(19, 'NOT_ENOUGH_REPLICAS', true),
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: kafka(20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', true),
  // InconsistentClusterIdException (an ApiException, not retriable); also a data directory whose
  // meta.properties names another cluster than ZooKeeper's /cluster/id (BrokerMetadata).
  INCONSISTENT_CLUSTER_ID: kafka(104, 'INCONSISTENT_CLUSTER_ID', false),
} as const;

export type KafkaErrorName = keyof typeof KafkaErrors;

const storage = KafkaErrors.KAFKA_STORAGE_ERROR;

/**
 * tributary's own codes, each with the Kafka error it becomes on the wire. Where no Kafka
 * error names the failure, it is KAFKA_STORAGE_ERROR ("Disk error when trying to access log
 * file on the disk", retriable): what Kafka answers when a log directory cannot serve
 * (KafkaStorageException). Codes only the client side raises (a connection, a closed
 * producer) never reach a response; their entry decides what the cli's in-process admin
 * reports, and stays what it always was.
 */
const tributaryCodes = {
  // A batch that fails its framing or CRC32C, a torn tail, compressed bytes that do not
  // decode: Kafka's CorruptRecordException (CORRUPT_MESSAGE).
  ERR_CORRUPT_BATCH: KafkaErrors.CORRUPT_MESSAGE,
  ERR_TRUNCATED: KafkaErrors.CORRUPT_MESSAGE,
  ERR_CORRUPT_COMPRESSED: KafkaErrors.CORRUPT_MESSAGE,
  ERR_DECOMPRESSED_TOO_LARGE: KafkaErrors.CORRUPT_MESSAGE,
  // Kafka's RecordBatchTooLargeException is RECORD_LIST_TOO_LARGE.
  ERR_RECORD_BATCH_TOO_LARGE: KafkaErrors.RECORD_LIST_TOO_LARGE,
  ERR_CODEC_UNAVAILABLE: KafkaErrors.UNSUPPORTED_COMPRESSION_TYPE,
  ERR_COMPRESSION_FAILED: storage,
  ERR_OFFSET_OVERFLOW: storage,
  ERR_UNKNOWN_TOPIC: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION,
  // Kafka's InvalidTopicException and TopicExistsException.
  ERR_INVALID_TOPIC: KafkaErrors.INVALID_TOPIC_EXCEPTION,
  ERR_TOPIC_EXISTS: KafkaErrors.TOPIC_ALREADY_EXISTS,
  // A creation past the engine's partition limit (max.broker.partitions, KIP-578, which
  // Kafka never adopted): POLICY_VIOLATION, what Kafka answers when its create-topic
  // policy refuses a topic (ReplicationControlManager.createTopic), and what a Metadata
  // response carries for a topic auto-creation refused (AutoTopicCreationManager passes
  // the creation's error through).
  ERR_PARTITION_LIMIT: KafkaErrors.POLICY_VIOLATION,
  ERR_INVALID_ARGUMENT: KafkaErrors.INVALID_REQUEST,
  // The controller's own failures, which Kafka raises as exceptions that are no ApiException
  // (AdminOperationException, StateChangeFailedException, an IllegalStateException of the
  // request batch, a topic id that changed): ApiError.fromThrowable makes each UNKNOWN_SERVER_ERROR.
  ERR_ADMIN_OPERATION: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_STATE_CHANGE_FAILED: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_CONTROLLER_ILLEGAL_STATE: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_CONSUMER_CLOSED: KafkaErrors.INVALID_REQUEST,
  // The log, the engine and the data directory.
  ERR_LOG_OFFLINE: storage,
  ERR_LOG_CLOSED: storage,
  ERR_ENGINE_CLOSED: storage,
  ERR_DATA_DIR_LOCKED: storage,
  ERR_CORRUPT_CHECKPOINT: storage,
  ERR_CORRUPT_TOPIC_REGISTRY: storage,
  ERR_CORRUPT_PRODUCER_ID_BLOCK: storage,
  ERR_CORRUPT_META_PROPERTIES: storage,
  ERR_CORRUPT_BROKER_CONFIGS: storage,
  ERR_INCONSISTENT_NODE_ID: storage,
  // A znode whose bytes are not the JSON Kafka's ZkData writes there: Kafka's decoders throw a
  // KafkaException (or a Jackson error), which a request handler answers as UNKNOWN_SERVER_ERROR.
  ERR_MALFORMED_ZNODE: KafkaErrors.UNKNOWN_SERVER_ERROR,
  // No block of producer ids left in /latest_producer_id_block: Kafka's KafkaException("Have
  // exhausted all producerIds."), no ApiException, so InitProducerId answers UNKNOWN_SERVER_ERROR.
  ERR_PRODUCER_IDS_EXHAUSTED: KafkaErrors.UNKNOWN_SERVER_ERROR,
  // The native segment and indexes (native/*.cc). ERR_OUT_OF_RANGE is a read of bytes
  // past the segment's end (a position, not an offset: OFFSET_OUT_OF_RANGE would tell a
  // consumer to reset); ERR_INVALID_OFFSET an index entry not above the last one.
  ERR_SEGMENT_FULL: storage,
  ERR_SEGMENT_CLOSED: storage,
  ERR_OUT_OF_RANGE: storage,
  ERR_NO_INDEXES: storage,
  ERR_INDEX_FULL: storage,
  ERR_INDEX_CLOSED: storage,
  ERR_INVALID_OFFSET: storage,
  ERR_CORRUPT_INDEX: storage,
  // A producer state snapshot or transaction index that fails its checks (Kafka's
  // CorruptSnapshotException, CorruptIndexException): deleted and rebuilt from the log.
  ERR_CORRUPT_SNAPSHOT: storage,
  // A follower's append whose offsets the log cannot take (Kafka's UnexpectedAppendOffsetException
  // and OffsetsOutOfOrderException, no ApiExceptions: the replica fetcher handles them, no client sees one).
  ERR_UNEXPECTED_APPEND_OFFSET: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_OFFSETS_OUT_OF_ORDER: KafkaErrors.UNKNOWN_SERVER_ERROR,
  // ZooKeeper (src/zk/ZooKeeperClient.ts). Kafka's ZooKeeperClientTimeoutException,
  // ZooKeeperClientExpiredException and KeeperException are no ApiException: a request
  // that fails on them is answered UNKNOWN_SERVER_ERROR (Errors.forException).
  ERR_ZK_TIMEOUT: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_ZK_SESSION_EXPIRED: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_ZK_CLOSED: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_ZK_NO_NODE: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_ZK_NODE_EXISTS: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_ZK_BAD_VERSION: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_ZK_NOT_EMPTY: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_ZK_NO_CHILDREN_FOR_EPHEMERALS: KafkaErrors.UNKNOWN_SERVER_ERROR,
  ERR_ZK_ERROR: KafkaErrors.UNKNOWN_SERVER_ERROR,
  // Raised on the client side only.
  ERR_CLOSED: storage,
  ERR_PRODUCER_CLOSED: storage,
  // A transactional producer's method called in a state it has no transition from (Kafka's
  // client-side IllegalStateException, never on the wire): what the coordinator would
  // answer such a request, INVALID_TXN_STATE.
  ERR_ILLEGAL_STATE: KafkaErrors.INVALID_TXN_STATE,
  ERR_CONNECTION_FAILED: storage,
  ERR_CONNECTION_CLOSED: storage,
  ERR_INVALID_RESPONSE: storage,
  ERR_ADDON_NOT_FOUND: storage,
} as const satisfies Record<`ERR_${string}`, KafkaError>;

/**
 * OS errors keep their errno name as the code, as Node's fs and net errors do (with
 * `path`, `syscall`, `errno`): the names native/status.cc reports (any other errno is
 * EIO there), and those a broker connection fails with. All are KAFKA_STORAGE_ERROR on
 * the wire: Kafka turns an IOException on a log into a KafkaStorageException.
 */
export const errnoCodes = [
  'ENOENT',
  'EEXIST',
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EDQUOT',
  'EFBIG',
  'EIO',
  'EINVAL',
  'ENOMEM',
  'EMFILE',
  'ENFILE',
  'EROFS',
  'EISDIR',
  'ENOTDIR',
  'EBADF',
  'EINTR',
  'EAGAIN',
  'EOPNOTSUPP',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
] as const;

export type ErrnoCode = (typeof errnoCodes)[number];

/** A code that names a Kafka error: what the client side makes of a response's error code. */
export type KafkaErrorCode = `ERR_${KafkaErrorName}`;

/** Every code a TributaryError can carry. */
export type ErrorCode = KafkaErrorCode | keyof typeof tributaryCodes | ErrnoCode;

/** The one table that decides which Kafka error each code becomes on the wire. */
export const errorRegistry: Readonly<Record<ErrorCode, KafkaError>> = {
  ...(Object.fromEntries(Object.entries(KafkaErrors).map(([name, error]) => [`ERR_${name}`, error])) as Record<
    KafkaErrorCode,
    KafkaError
  >),
  ...(Object.fromEntries(errnoCodes.map((code) => [code, storage])) as Record<ErrnoCode, KafkaError>),
  ...tributaryCodes,
};

export interface ErrorDetails {
  path?: string;
  syscall?: string;
  errno?: number;
  offset?: number;
  position?: number;
  /** The process holding a lock (ERR_DATA_DIR_LOCKED). */
  pid?: number;
  /** Where a consumer read a corrupt batch (ERR_CORRUPT_BATCH; `offset` is its base offset). */
  topic?: string;
  partition?: number;
  /** A batch's CRC32C as stored in it and as computed over its bytes (ERR_CORRUPT_BATCH). */
  storedCrc?: number;
  computedCrc?: number;
}

export class TributaryError extends Error {
  readonly code: ErrorCode;
  readonly path?: string;
  readonly syscall?: string;
  readonly errno?: number;
  readonly offset?: number;
  readonly position?: number;
  readonly pid?: number;
  readonly topic?: string;
  readonly partition?: number;
  readonly storedCrc?: number;
  readonly computedCrc?: number;

  constructor(message: string, code: ErrorCode, details: ErrorDetails = {}) {
    super(message);
    this.name = 'TributaryError';
    this.code = code;
    Object.assign(this, details);
  }

  /** The Kafka error this becomes on the wire. */
  get kafka(): KafkaError {
    // tsc checks the codes TypeScript raises, a test those native code raises; anything
    // else that arrives as a code is a storage error, as an unlisted errno is.
    return Object.hasOwn(errorRegistry, this.code) ? errorRegistry[this.code] : storage;
  }
}

/** Is `code` one of the registry's errno names (a Node fs or net error's code)? */
export function isErrnoCode(code: string | undefined): code is ErrnoCode {
  return (errnoCodes as readonly (string | undefined)[]).includes(code);
}

type RegisteredKafkaError = (typeof KafkaErrors)[keyof typeof KafkaErrors];

const kafkaErrorsByCode: ReadonlyMap<number, RegisteredKafkaError> = new Map(
  Object.values(KafkaErrors).map((e) => [e.code, e]),
);

/** Kafka's Errors.forCode: the registry's error of a wire code, undefined for one this side does not know. */
export function kafkaErrorOfCode(errorCode: number): RegisteredKafkaError | undefined {
  return kafkaErrorsByCode.get(errorCode);
}

/**
 * An error code from a Kafka response as a TributaryError named after Kafka's error
 * (`ERR_REBALANCE_IN_PROGRESS`, ...). A code this side does not know is
 * UNKNOWN_SERVER_ERROR, as Kafka's Errors.forCode makes it.
 */
export function kafkaResponseError(errorCode: number, what: string): TributaryError {
  const name = kafkaErrorOfCode(errorCode)?.name;
  if (name === undefined) return new TributaryError(`${what} failed: ERROR_${errorCode}`, 'ERR_UNKNOWN_SERVER_ERROR');
  return new TributaryError(`${what} failed: ${name}`, `ERR_${name}`);
}

/** Whether Kafka's error `errorCode` is retriable (Errors.forCode(code).exception() instanceof RetriableException). */
export function isRetriable(errorCode: number): boolean {
  return kafkaErrorOfCode(errorCode)?.retriable ?? false;
}

export function isTributaryError(error: unknown, code?: ErrorCode): error is TributaryError {
  return error instanceof TributaryError && (code === undefined || error.code === code);
}

/** A Node fs failure (or one of ours, as it is) as a TributaryError keeping its errno code, path and syscall. */
export function fileSystemError(what: string, error: unknown): TributaryError {
  if (error instanceof TributaryError) return error;
  const { code, path, syscall, errno, message } = error as NodeJS.ErrnoException;
  return new TributaryError(`${what} failed: ${message}`, isErrnoCode(code) ? code : 'EIO', { path, syscall, errno });
}

/** A caller passed something the API cannot take (Kafka INVALID_REQUEST on the wire). */
/** An error's message for a reply or a log line; a thrown non-Error as its string. */
export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function invalidArgument(message: string): TributaryError {
  return new TributaryError(message, 'ERR_INVALID_ARGUMENT');
}
