/**
 * What a request handler works with: the engine (the broker never reaches around it),
 * the broker's settings and identity, and the request with a signal that aborts when
 * its connection closes or the broker shuts down.
 */
import type { Engine } from '../engine/Engine.js';
import type { GroupCoordinator } from '../group/GroupCoordinator.js';
import { TributaryError } from '../errors.js';
import type { TransactionCoordinator } from '../transaction/TransactionCoordinator.js';
import type {
  ApiSchema,
  EncodableResponse,
  NoExtraFields,
  RequestHeader,
  RequestOf,
  Struct,
} from '../protocol/index.js';
import type { BrokerConfig } from './BrokerConfig.js';
import type { DynamicBrokerConfig } from './DynamicBrokerConfig.js';
import type { BrokerMetadata } from './BrokerMetadata.js';
import type { BrokerMetrics } from './BrokerMetrics.js';
import type { Logger } from './Logger.js';
import type { Partition } from '../engine/Partition.js';
import type { MetadataCache } from './MetadataCache.js';
import type { ReplicaManager } from './ReplicaManager.js';
import type { KafkaServer } from './KafkaServer.js';

/** A broker in cluster mode: the controller decides what it leads and tells it about the cluster. */
export interface ClusterContext {
  readonly replicaManager: ReplicaManager;
  readonly metadataCache: MetadataCache;
  /** The listener clients reach this broker by: the endpoints Metadata lists are the brokers' on it. */
  readonly listenerName: string;
  /** This broker's epoch: the czxid of its /brokers/ids/<id> znode (KafkaController.brokerEpoch). */
  readonly brokerEpoch: () => number;
  /** A broker started with ZooKeeper: its session and controller (absent for a broker driven by hand, as in tests). */
  readonly kafkaServer: KafkaServer | undefined;
}

export interface BrokerContext {
  readonly engine: Engine;
  /** Every group's coordinator: one node coordinates them all. */
  readonly groups: GroupCoordinator;
  /** Every transactional id's coordinator: one node coordinates them all. */
  readonly transactions: TransactionCoordinator;
  /** The broker's settings as its file and options set them (STATIC_BROKER_CONFIG). */
  readonly config: BrokerConfig;
  /** The configs AlterConfigs changed, and the config the broker runs with (dynamicConfig.current). */
  readonly dynamicConfig: DynamicBrokerConfig;
  readonly metadata: BrokerMetadata;
  readonly logger: Logger;
  /** Where requests are counted and timed, when the broker serves metrics. */
  readonly metrics: BrokerMetrics | undefined;
  /** The port clients are told to connect to (the bound one when the config asked for 0). */
  readonly advertisedPort: () => number;
  /** The handler of each API served. */
  readonly handlers: ReadonlyMap<number, RequestHandler>;
  /** Set in cluster mode; undefined for the single node, which leads every partition. */
  readonly cluster: ClusterContext | undefined;
  /** What ApiVersions advertises: the APIs and versions both the schema table and a handler cover. */
  readonly apiVersions: readonly { apiKey: number; minVersion: number; maxVersion: number }[];
}

export interface RequestContext extends BrokerContext {
  readonly header: RequestHeader;
  readonly signal: AbortSignal;
  /** The client's address, as group members are described. */
  readonly clientHost: string;
}

type Awaitable<T> = T | Promise<T>;

/**
 * One API's handler with the schema its requests are decoded by: it returns the response
 * body, or null when the request gets none (Produce with acks=0). Built by handler(),
 * which types both by the schema; here the API is known only at run time.
 */
export interface RequestHandler {
  readonly api: ApiSchema;
  // A method (bivariant in its parameter), so that any API's handler is one: Connection
  // calls it only with a body it decoded by the same `api`.
  handle(context: RequestContext, request: Struct): Awaitable<Struct | null>;
}

/** What a handler of `A` is: its request decoded by A's request schema, its result A's response or null. */
type HandlerOf<A extends ApiSchema> = (
  context: RequestContext,
  request: RequestOf<A>,
) => Awaitable<EncodableResponse<A> | null>;

/** H, checked to return no field A's response schema lacks (see NoExtraFields). */
type Checked<A extends ApiSchema, H extends HandlerOf<A>> = (
  context: RequestContext,
  request: RequestOf<A>,
) => Awaitable<NoExtraFields<Exclude<Awaited<ReturnType<H>>, null>, EncodableResponse<A>> | null>;

/**
 * Registers `handle` for `api`: its request is typed by the request schema and whatever
 * it returns must be the response schema's, with no field the schema lacks.
 */
export function handler<A extends ApiSchema, H extends HandlerOf<A>>(
  api: A,
  handle: H & Checked<A, H>,
): RequestHandler {
  return { api, handle };
}

/** UNKNOWN_SERVER_ERROR: what an error that is not ours becomes on the wire. */
const UNKNOWN_SERVER_ERROR = -1;

/** The Kafka error code an error becomes; an unexpected one is logged. */
export function errorCodeOf(context: Pick<BrokerContext, 'logger'>, error: unknown): number {
  if (error instanceof TributaryError) return error.kafka.code;
  context.logger.error('unexpected error in a request', { error: String((error as Error)?.stack ?? error) });
  return UNKNOWN_SERVER_ERROR;
}

/** Kafka's Uuid bytes of a topic id kept as its base64url string. */
export function topicIdBytes(id: string): Buffer {
  return Buffer.from(id, 'base64url');
}

/**
 * The partition a client's read or write goes to: the single node leads every partition; in
 * cluster mode, one this broker does not lead is NOT_LEADER_OR_FOLLOWER (ReplicaManager).
 */
export function leaderPartition(context: BrokerContext, topic: string, partition: number): Partition {
  return context.cluster === undefined
    ? context.engine.partition(topic, partition)
    : context.cluster.replicaManager.leaderPartition(topic, partition);
}
