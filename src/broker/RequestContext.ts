/**
 * What a request handler works with: the engine (the broker never reaches around it),
 * the broker's settings and identity, and the request with a signal that aborts when
 * its connection closes or the broker shuts down.
 */
import type { Engine } from '../engine/Engine.js';
import type { GroupCoordinator } from '../group/GroupCoordinator.js';
import { TributaryError } from '../errors.js';
import type { RequestHeader, Struct } from '../protocol/index.js';
import type { BrokerConfig } from './BrokerConfig.js';
import type { BrokerMetadata } from './BrokerMetadata.js';
import type { BrokerMetrics } from './BrokerMetrics.js';
import type { Logger } from './Logger.js';
import type { ProducerIdManager } from './ProducerIdManager.js';

export interface BrokerContext {
  readonly engine: Engine;
  /** Every group's coordinator: one node coordinates them all. */
  readonly groups: GroupCoordinator;
  readonly config: BrokerConfig;
  readonly metadata: BrokerMetadata;
  readonly producerIds: ProducerIdManager;
  readonly log: Logger;
  /** Where requests are counted and timed, when the broker serves metrics. */
  readonly metrics: BrokerMetrics | undefined;
  /** The port clients are told to connect to (the bound one when the config asked for 0). */
  readonly advertisedPort: () => number;
  /** The handler of each API served. */
  readonly handlers: ReadonlyMap<number, RequestHandler>;
  /** What ApiVersions advertises: the APIs and versions both the schema table and a handler cover. */
  readonly apiVersions: readonly { apiKey: number; minVersion: number; maxVersion: number }[];
}

export interface RequestContext extends BrokerContext {
  readonly header: RequestHeader;
  readonly signal: AbortSignal;
  /** The client's address, as group members are described. */
  readonly clientHost: string;
}

/** A handler's response body, or null when the request gets none (Produce with acks=0). */
export type RequestHandler = (context: RequestContext, body: Struct) => Struct | null | Promise<Struct | null>;

/** UNKNOWN_SERVER_ERROR: what an error that is not ours becomes on the wire. */
const UNKNOWN_SERVER_ERROR = -1;

/** The Kafka error code an error becomes; an unexpected one is logged. */
export function errorCodeOf(context: Pick<BrokerContext, 'log'>, error: unknown): number {
  if (error instanceof TributaryError) return error.kafka.code;
  context.log.error('unexpected error in a request', { error: String((error as Error)?.stack ?? error) });
  return UNKNOWN_SERVER_ERROR;
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Kafka's Uuid bytes of a topic id kept as its base64url string. */
export function topicIdBytes(id: string): Buffer {
  return Buffer.from(id, 'base64url');
}
