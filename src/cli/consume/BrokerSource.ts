/**
 * `tributary consume --bootstrap`: ListOffsets for where to start, then Fetch long polls
 * over the assigned partitions, decoding the RecordBatches as the embedded consumer does
 * (CompletedFetch: compressed ones too, control batches skipped, read_committed without
 * the aborted transactions the response lists). A group member (BrokerGroupMember)
 * changes the assignment. Each request goes to the partitions' leaders (ClientMetadata):
 * one Fetch in flight per leader, as Kafka's Fetcher keeps (`nodesWithPendingFetchRequests`),
 * and a partition answered NOT_LEADER_OR_FOLLOWER (or another retriable error), or whose
 * leader's connection failed, is fetched from the leader Metadata names next
 * (AbstractFetch.handleInitializeErrors: `metadata.requestUpdate`).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { NO_LEADER_ID } from '../../broker/MetadataCache.js';
import type { BrokerConnection } from '../../network/BrokerConnection.js';
import { isConnectionFailure } from '../../client/ConnectionFailure.js';
import { CompletedFetch } from '../../client/CompletedFetch.js';
import type { IsolationLevel } from '../../client/Consumer.js';
import { isRetriable, KafkaErrors, kafkaResponseError as kafkaError } from '../../errors.js';
import type { ResponseOf } from '../../protocol/index.js';
import { Fetch } from '../../protocol/messages/Fetch.js';
import { ListOffsets } from '../../protocol/messages/ListOffsets.js';
import type { ClientMetadata } from '../ClientMetadata.js';
import {
  clampOffset,
  sourceRecord,
  type AssignmentListener,
  type RecordSource,
  type SourceBatch,
  type SourcePartition,
  type SourceRecord,
  type StartSpec,
} from './RecordSource.js';

/** ListOffsets' special timestamps. */
const LATEST = -1;
const EARLIEST = -2;
/** How long a Fetch waits at the broker for records; stop() takes at most this long. */
const FETCH_MAX_WAIT_MS = 500;
const PARTITION_MAX_BYTES = 1024 * 1024;
const FETCH_MAX_BYTES = 50 * 1024 * 1024;
/** Kafka's retry.backoff.ms: the wait before a partition whose leader was not reached is fetched again. */
const RETRY_BACKOFF_MS = 100;

interface Assigned {
  position: number;
  /** Changes with each assignment, so that a fetch answered after a rebalance is dropped. */
  epoch: number;
}

type FetchedPartition = ResponseOf<typeof Fetch>['responses'][number]['partitions'][number];

/** Kafka's IsolationLevel on the wire (ListOffsets v2+, Fetch v4+). */
const ISOLATION_LEVEL: Record<IsolationLevel, number> = { read_uncommitted: 0, read_committed: 1 };

export interface BrokerSourceOptions {
  checkCrcs: boolean;
  isolationLevel: IsolationLevel;
}

/**
 * The records of a fetch from `position` on, and the offset after its last batch. With
 * `checkCrcs`, a corrupt batch ends the records there, as Kafka's CompletedFetch does:
 * those before it are returned (and the next fetch, from after them, meets it first);
 * with none before it, its ERR_CORRUPT_BATCH is thrown.
 */
async function decode(
  p: FetchedPartition,
  position: number,
  from: { topic: string; options: BrokerSourceOptions },
): Promise<{ records: SourceRecord[]; nextOffset: number }> {
  const { checkCrcs, isolationLevel } = from.options;
  const fetch = new CompletedFetch(
    p.records!,
    position,
    {
      topic: from.topic,
      partition: p.partitionIndex,
      highWatermark: p.highWatermark,
      lastStableOffset: p.lastStableOffset,
    },
    { checkCrcs, abortedTransactions: isolationLevel === 'read_committed' ? (p.abortedTransactions ?? []) : null },
  );
  const records = await fetch.take(Number.MAX_SAFE_INTEGER);
  return { records: records.map(sourceRecord), nextOffset: fetch.nextOffset };
}

export class BrokerSource implements RecordSource {
  private readonly assigned = new Map<number, Assigned>();
  private epoch = 0;
  private stopped = false;
  private failure: unknown = null;
  private wake: (() => void) | null = null;
  /** Set by a group member: commits and leaving go through it. */
  member: { commit(offsets: { partition: number; offset: number }[]): Promise<void>; leave(): Promise<void> } | null =
    null;

  /** The fetch in flight to each leader, resolving with its batches. */
  private readonly inFlight = new Map<number, Promise<{ leader: number; batches: SourceBatch[] }>>();
  private readonly topic: string;

  constructor(
    private readonly metadata: ClientMetadata,
    private readonly listener: AssignmentListener,
    private readonly options: BrokerSourceOptions,
  ) {
    this.topic = metadata.topic;
  }

  /** Each partition's offset for a ListOffsets timestamp (LATEST, EARLIEST or a time); -1 where no record is that recent. */
  async listOffsets(partitions: number[], timestamp: number): Promise<Map<number, number>> {
    return this.metadata.toLeaders(partitions, 'listing offsets of', async (connection, led) => {
      const response = await connection.request(ListOffsets, {
        replicaId: -1,
        isolationLevel: ISOLATION_LEVEL[this.options.isolationLevel],
        topics: [{ name: this.topic, partitions: led.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
      });
      return response.topics[0]!.partitions.map((p) => ({
        partition: p.partitionIndex,
        errorCode: p.errorCode,
        value: p.offset,
      }));
    });
  }

  /** Where each partition starts: at `known` offsets (a group's commits) where given, else at `start`. */
  async startPositions(
    partitions: number[],
    start: StartSpec,
    known = new Map<number, number>(),
  ): Promise<SourcePartition[]> {
    if (partitions.length === 0) return [];
    const ends = await this.listOffsets(partitions, LATEST);
    const fresh = partitions.filter((p) => !known.has(p));
    const starts =
      fresh.length === 0
        ? new Map<number, number>()
        : await this.listOffsets(fresh, typeof start === 'object' && 'timestamp' in start ? start.timestamp : EARLIEST);
    const positionOf = (partition: number): number => {
      const end = ends.get(partition)!;
      const committed = known.get(partition);
      if (committed !== undefined) return committed;
      if (start === 'latest') return end;
      // The log start offset, or the first offset at the time (-1: no record that recent).
      const found = starts.get(partition)!;
      if (typeof start === 'object' && 'offset' in start) return clampOffset(start.offset, found, end);
      return found < 0 ? end : found;
    };
    return partitions.map((partition) => ({
      partition,
      position: positionOf(partition),
      endOffset: ends.get(partition)!,
    }));
  }

  assign(partitions: SourcePartition[]): void {
    this.epoch++;
    for (const p of partitions) this.assigned.set(p.partition, { position: p.position, epoch: this.epoch });
    this.listener.onAssigned(partitions);
    this.wake?.();
  }

  /** Gives up every partition (a group's eager rebalance). */
  revokeAll(): void {
    const revoked = [...this.assigned.keys()];
    this.assigned.clear();
    if (revoked.length > 0) this.listener.onRevoked(revoked);
  }

  positions(): { partition: number; offset: number }[] {
    return [...this.assigned].map(([partition, a]) => ({ partition, offset: a.position }));
  }

  async *batches(): AsyncGenerator<SourceBatch> {
    while (!this.stopped) {
      if (this.assigned.size === 0) {
        await this.assignment();
        continue;
      }
      this.sendFetches();
      const { leader, batches } = await Promise.race(this.inFlight.values());
      this.inFlight.delete(leader);
      yield* batches;
    }
    if (this.failure !== null) throw this.failure;
  }

  /**
   * A Fetch to each leader of assigned partitions that has none in flight. Partitions without a
   * leader (the controller between removing a dead leader and electing the next, or none
   * left to elect) ask Metadata again after a backoff, as AbstractFetch.prepareFetchRequests
   * requests an update for a position missing its leader: else, while the other leaders go
   * on answering, nothing would ever ask again and those partitions would not be read.
   */
  private sendFetches(): void {
    for (const [leader, partitions] of this.metadata.byLeader(this.assigned.keys())) {
      if (this.inFlight.has(leader)) continue;
      const sent =
        leader === NO_LEADER_ID
          ? this.refreshMetadata().then((): SourceBatch[] => [])
          : this.fetchFrom(leader, partitions);
      this.inFlight.set(
        leader,
        sent.then((batches) => ({ leader, batches })),
      );
    }
  }

  /** A failed connection or a retriable error: after a backoff, Metadata again, and the next fetch goes where it says. */
  private async fetchFrom(leader: number, partitions: number[]): Promise<SourceBatch[]> {
    try {
      const { batches, retry } = await this.fetch(await this.metadata.connectionTo(leader), partitions);
      if (retry) await this.refreshMetadata();
      return batches;
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      this.metadata.disconnected(leader);
      await this.refreshMetadata();
      return [];
    }
  }

  private async refreshMetadata(): Promise<void> {
    await delay(RETRY_BACKOFF_MS);
    await this.metadata.update();
  }

  private async assignment(): Promise<void> {
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** The group cannot go on: the iteration ends with `error`. */
  fail(error: unknown): void {
    this.failure ??= error;
    this.stop();
  }

  async commit(offsets: { partition: number; offset: number }[]): Promise<void> {
    await this.member?.commit(offsets);
  }

  async close(): Promise<void> {
    this.stop();
    try {
      await this.member?.leave();
    } finally {
      await this.metadata.close();
    }
  }

  /**
   * One Fetch over assigned `partitions` on `connection` (their leader's): the batches of
   * those still assigned as they were, and whether one wants Metadata asked again.
   */
  private async fetch(
    connection: BrokerConnection,
    partitions: number[],
  ): Promise<{ batches: SourceBatch[]; retry: boolean }> {
    const requested = partitions.flatMap((partition) => {
      const a = this.assigned.get(partition);
      return a === undefined ? [] : [{ partition, assigned: a, position: a.position, epoch: a.epoch }];
    });
    const response = await connection.request(Fetch, {
      replicaId: -1,
      maxWaitMs: FETCH_MAX_WAIT_MS,
      minBytes: 1,
      maxBytes: FETCH_MAX_BYTES,
      isolationLevel: ISOLATION_LEVEL[this.options.isolationLevel],
      topics: [
        {
          topic: this.topic,
          partitions: requested.map((r) => ({
            partition: r.partition,
            fetchOffset: r.position,
            partitionMaxBytes: PARTITION_MAX_BYTES,
          })),
        },
      ],
      forgottenTopicsData: [],
    });
    if (response.errorCode !== KafkaErrors.NONE.code)
      throw kafkaError(response.errorCode, `fetching from ${this.topic}`);
    const fetched = response.responses.flatMap((t) => t.partitions);
    const batches: SourceBatch[] = [];
    let retry = false;
    for (const p of fetched) {
      const r = requested.find((q) => q.partition === p.partitionIndex);
      if (
        r === undefined ||
        this.assigned.get(r.partition) !== r.assigned ||
        r.assigned.epoch !== r.epoch ||
        r.assigned.position !== r.position
      )
        continue;
      if (isRetriable(p.errorCode)) {
        retry = true;
        continue;
      }
      const batch = await this.fetched(p, r.assigned);
      if (batch !== null) batches.push(batch);
    }
    return { batches, retry };
  }

  private async fetched(p: FetchedPartition, assigned: Assigned): Promise<SourceBatch | null> {
    if (p.errorCode === KafkaErrors.OFFSET_OUT_OF_RANGE.code) {
      // Retention deleted the records under the position: go on from the earliest, as auto.offset.reset=earliest.
      assigned.position = (await this.listOffsets([p.partitionIndex], EARLIEST)).get(p.partitionIndex)!;
      return null;
    }
    if (p.errorCode !== KafkaErrors.NONE.code)
      throw kafkaError(p.errorCode, `fetching from ${this.topic}-${p.partitionIndex}`);
    if (p.records === null || p.records.length === 0) return null;
    const { records, nextOffset } = await decode(p, assigned.position, { topic: this.topic, options: this.options });
    assigned.position = nextOffset;
    const endOffset = this.options.isolationLevel === 'read_committed' ? p.lastStableOffset : p.highWatermark;
    return records.length === 0 ? null : { partition: p.partitionIndex, records, endOffset };
  }
}
