/**
 * RemoteLeaderEndPoint: a follower's requests to one leader broker (Kafka 3.8's
 * RemoteLeaderEndPoint over BrokerBlockingSender). One connection on the inter-broker
 * listener, opened on first use and again after any failure (BrokerBlockingSender closes it
 * when a send fails; the fetcher backs off meanwhile). Versions are fixed, as an inter-broker
 * channel's are (no ApiVersions): Fetch v12 (the last naming topics, as Kafka falls back to
 * when it has no topic ids), OffsetForLeaderEpoch v4, ListOffsets v7. Every request carries
 * this broker's id as the replica id, so the leader reads to its log end and counts the
 * fetch as this replica's.
 */
import { TributaryError, kafkaResponseError } from '../errors.js';
import { BrokerConnection, type Leased } from '../network/BrokerConnection.js';
import type { ApiSchema, EncodableRequest, ResponseOf } from '../protocol/index.js';
import { Fetch } from '../protocol/messages/Fetch.js';
import { ListOffsets } from '../protocol/messages/ListOffsets.js';
import { OffsetForLeaderEpoch } from '../protocol/messages/OffsetForLeaderEpoch.js';

const FETCH_VERSION = 12;
const OFFSET_FOR_LEADER_EPOCH_VERSION = 4;
const LIST_OFFSETS_VERSION = 7;
/** ListOffsetsRequest.EARLIEST_TIMESTAMP and LATEST_TIMESTAMP. */
const EARLIEST_TIMESTAMP = -2;
const LATEST_TIMESTAMP = -1;
/** FetchRequest.FINAL_EPOCH: a full fetch that opens no fetch session (KIP-227 is not served). */
const NO_SESSION_EPOCH = -1;
/** Room in a kept fetch response's buffer for what is not records: headers, per-partition fields, aborted transactions. */
const FETCH_RESPONSE_OVERHEAD = 64 * 1024;

/** BrokerEndPoint: a leader as the fetchers know it, at its inter-broker endpoint. */
export interface BrokerEndPoint {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** The replica.* settings a follower fetches with (Kafka's defaults in BrokerConfigDef). */
export interface ReplicaFetcherSettings {
  /** broker.id: the replica id of every request. */
  readonly brokerId: number;
  /** replica.fetch.wait.max.ms (500), replica.fetch.min.bytes (1), replica.fetch.response.max.bytes (10 MiB). */
  readonly fetchWaitMaxMs: number;
  readonly fetchMinBytes: number;
  readonly fetchResponseMaxBytes: number;
  /** replica.fetch.max.bytes (1 MiB): each partition's share of a fetch. */
  readonly fetchMaxBytes: number;
  /** replica.fetch.backoff.ms (1000): the pause after an error before a partition is fetched again. */
  readonly fetchBackoffMs: number;
  /** replica.socket.timeout.ms (30000): connecting, and each answer on top of the fetch's own wait. */
  readonly socketTimeoutMs: number;
}

/** One partition of a fetch (FetchRequest.PartitionData). */
export interface FetchPartition {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  readonly logStartOffset: number;
  readonly currentLeaderEpoch: number;
}

/** One partition of an OffsetForLeaderEpoch (OffsetForLeaderPartition): our latest epoch, fenced by the current one. */
export interface EpochData {
  readonly topic: string;
  readonly partition: number;
  readonly currentLeaderEpoch: number;
  readonly leaderEpoch: number;
}

export type FetchResponse = ResponseOf<typeof Fetch>;
export type FetchData = FetchResponse['responses'][number]['partitions'][number];
/** OffsetForLeaderEpochResponseData.EpochEndOffset. */
export type EpochEndOffset = ResponseOf<typeof OffsetForLeaderEpoch>['topics'][number]['partitions'][number];

/** The partitions of `items` grouped by topic, in first-seen order, as each request lists them. */
function byTopic<T extends { topic: string }>(items: readonly T[]): { topic: string; items: T[] }[] {
  const topics = new Map<string, T[]>();
  for (const item of items) {
    const list = topics.get(item.topic);
    if (list === undefined) topics.set(item.topic, [item]);
    else list.push(item);
  }
  return [...topics].map(([topic, list]) => ({ topic, items: list }));
}

export class RemoteLeaderEndPoint {
  private connection: BrokerConnection | undefined;
  private closed = false;

  constructor(
    readonly broker: BrokerEndPoint,
    private readonly settings: ReplicaFetcherSettings,
  ) {}

  private async send<A extends ApiSchema>(api: A, body: EncodableRequest<A>, version: number): Promise<ResponseOf<A>> {
    const { response, release } = await this.sendLeased(api, body, version);
    release();
    return response;
  }

  /**
   * BrokerBlockingSender.sendRequest: connects if needed; a failed exchange closes the
   * connection. The response's frame is leased (BrokerConnection.requestLeased).
   */
  private async sendLeased<A extends ApiSchema>(
    api: A,
    body: EncodableRequest<A>,
    version: number,
  ): Promise<Leased<ResponseOf<A>>> {
    if (this.closed) throw new TributaryError(`the fetcher to broker ${this.broker.id} is closed`, 'ERR_CLOSED');
    if (this.connection?.closed === true) this.connection = undefined;
    this.connection ??= await BrokerConnection.open(this.broker, {
      clientId: `broker-${this.settings.brokerId}-fetcher-0`,
      // The answer to a fetch comes after its wait at the leader: the timeout is on top of it.
      timeoutMs: this.settings.socketTimeoutMs + this.settings.fetchWaitMaxMs,
      discoverVersions: false,
      // A fetch response is about replica.fetch.response.max.bytes: their buffers are reused.
      keptFrameBytes: this.settings.fetchResponseMaxBytes + FETCH_RESPONSE_OVERHEAD,
    });
    // Closed while connecting: the connection opened is not kept.
    if (this.closed) this.connection.close();
    try {
      return await this.connection.requestLeased(api, body, version);
    } catch (error) {
      this.connection?.close();
      this.connection = undefined;
      throw error;
    }
  }

  /**
   * RemoteLeaderEndPoint.buildFetch and fetch: one full fetch of `partitions` at this
   * leader. Its records are views of a leased frame: `release()` once they are appended.
   */
  fetch(partitions: readonly FetchPartition[]): Promise<Leased<FetchResponse>> {
    const { brokerId, fetchWaitMaxMs, fetchMinBytes, fetchResponseMaxBytes, fetchMaxBytes } = this.settings;
    return this.sendLeased(
      Fetch,
      {
        clusterId: null,
        replicaId: brokerId,
        maxWaitMs: fetchWaitMaxMs,
        minBytes: fetchMinBytes,
        maxBytes: fetchResponseMaxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: NO_SESSION_EPOCH,
        topics: byTopic(partitions).map(({ topic, items }) => ({
          topic,
          partitions: items.map((p) => ({
            partition: p.partition,
            currentLeaderEpoch: p.currentLeaderEpoch,
            fetchOffset: p.fetchOffset,
            // Truncation goes through OffsetForLeaderEpoch, not the fetch (isTruncationOnFetchSupported false).
            lastFetchedEpoch: -1,
            logStartOffset: p.logStartOffset,
            partitionMaxBytes: fetchMaxBytes,
          })),
        })),
        forgottenTopicsData: [],
        rackId: '',
      },
      FETCH_VERSION,
    );
  }

  /**
   * RemoteLeaderEndPoint.fetchEpochEndOffsets: each partition's end offset at the leader for
   * our latest epoch, by `topic-partition`. A failed request gives every partition the error
   * it maps to (Errors.forException), so each is retried after the backoff.
   */
  async fetchEpochEndOffsets(partitions: readonly EpochData[]): Promise<Map<string, EpochEndOffset>> {
    const answers = new Map<string, EpochEndOffset>();
    try {
      const response = await this.send(
        OffsetForLeaderEpoch,
        {
          replicaId: this.settings.brokerId,
          topics: byTopic(partitions).map(({ topic, items }) => ({
            topic,
            partitions: items.map(({ partition, currentLeaderEpoch, leaderEpoch }) => ({
              partition,
              currentLeaderEpoch,
              leaderEpoch,
            })),
          })),
        },
        OFFSET_FOR_LEADER_EPOCH_VERSION,
      );
      for (const t of response.topics) for (const p of t.partitions) answers.set(`${t.topic}-${p.partition}`, p);
    } catch (error) {
      const errorCode = error instanceof TributaryError ? error.kafka.code : -1;
      for (const p of partitions)
        answers.set(`${p.topic}-${p.partition}`, { errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 });
    }
    return answers;
  }

  /** fetchEarliestOffset: the leader's log start offset; a partition error is thrown as its Kafka error. */
  fetchEarliestOffset(topic: string, partition: number, currentLeaderEpoch: number): Promise<number> {
    return this.fetchOffset(topic, partition, currentLeaderEpoch, EARLIEST_TIMESTAMP);
  }

  /** fetchLatestOffset: the leader's log end offset (a replica's ListOffsets is not bounded by the high watermark). */
  fetchLatestOffset(topic: string, partition: number, currentLeaderEpoch: number): Promise<number> {
    return this.fetchOffset(topic, partition, currentLeaderEpoch, LATEST_TIMESTAMP);
  }

  private async fetchOffset(topic: string, partition: number, epoch: number, timestamp: number): Promise<number> {
    const response = await this.send(
      ListOffsets,
      {
        replicaId: this.settings.brokerId,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: epoch, timestamp }] }],
      },
      LIST_OFFSETS_VERSION,
    );
    const found = response.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partitionIndex === partition);
    if (found === undefined)
      throw new TributaryError(
        `ListOffsets from broker ${this.broker.id} left out ${topic}-${partition}`,
        'ERR_INVALID_RESPONSE',
      );
    if (found.errorCode !== 0) throw kafkaResponseError(found.errorCode, `ListOffsets of ${topic}-${partition}`);
    return found.offset;
  }

  /** Closes the connection; requests in flight fail, later ones are refused. */
  close(): void {
    this.closed = true;
    this.connection?.close();
    this.connection = undefined;
  }
}
