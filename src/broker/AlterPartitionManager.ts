/**
 * AlterPartitionManager: a partition leader's ISR changes on their way to the controller, as
 * Kafka 3.8's kafka.server.DefaultAlterPartitionManager over its NodeToControllerChannelManager.
 * A submission waits in `unsent` (one per partition: a second while one is pending is refused
 * with OPERATION_NOT_ATTEMPTED); every unsent change goes in one AlterPartition request, one
 * request in flight at a time, to the controller the metadata cache names, at its endpoint on
 * the inter-broker listener. The request is as new as both ends allow (ApiVersions on connect,
 * as the channel's NetworkClient discovers them): v2+ names topics by id, so a topic the cache
 * knows no id for keeps the request at v1 (AlterPartitionRequest.Builder's canUseTopicIds).
 *
 * No controller known, a failed connection, a timeout, or NOT_CONTROLLER anywhere in the answer
 * sends the request again after a backoff, to the controller known then (the channel's
 * retries: its retryTimeoutMs is unbounded for this channel); another top-level error
 * (STALE_BROKER_EPOCH...) too, after Kafka's 50 ms. Each partition's answer settles its
 * submission: the state the controller committed (its new partition epoch), or the typed
 * error. A partition missing from the answer stays unsent and goes again. close() rejects what
 * is pending.
 */
import { KafkaErrors, kafkaResponseError, TributaryError } from '../errors.js';
import { BrokerConnection, type BrokerAddress } from '../network/BrokerConnection.js';
import { ApiKey, type RequestOf, type ResponseOf } from '../protocol/index.js';
import { AlterPartition } from '../protocol/messages/AlterPartition.js';
import type { LeaderAndIsr } from '../zk/LeaderAndIsr.js';
import type { Logger } from './Logger.js';
import { ZERO_TOPIC_ID, type MetadataCache } from './MetadataCache.js';

/** What a leader proposes for its partition: the ISR under the leader and partition epochs it knows. */
export interface ProposedLeaderAndIsr {
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
  /** KIP-704: 1 while the leader recovers from an unclean election (0, RECOVERED, if absent). */
  readonly leaderRecoveryState?: 0 | 1;
}

export interface AlterPartitionManagerOptions {
  readonly brokerId: number;
  /** This broker's epoch now (it changes when the session is renewed). */
  readonly brokerEpoch: () => number;
  readonly metadataCache: MetadataCache;
  /** The inter-broker listener, where the controller is reached. */
  readonly listenerName: string;
  /** How long to wait for the connection and for each answer (controller.socket.timeout.ms). */
  readonly requestTimeoutMs: number;
  /** The wait before a request is sent again (Kafka's 50 ms "send-alter-partition"). */
  readonly retryBackoffMs?: number;
  readonly logger: Logger;
}

/** AlterPartitionItem: one submission and its settlement. */
interface Item {
  readonly topic: string;
  readonly partition: number;
  readonly proposed: ProposedLeaderAndIsr;
  readonly resolve: (state: LeaderAndIsr) => void;
  readonly reject: (error: TributaryError) => void;
}

type AlterPartitionResponse = ResponseOf<typeof AlterPartition>;

/** Kafka's default for the top-level error retry. */
const DEFAULT_RETRY_BACKOFF_MS = 50;

const keyOf = (topic: string, partition: number) => `${topic}-${String(partition)}`;

export class AlterPartitionManager {
  private readonly unsent = new Map<string, Item>();
  private inflight = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private connection: BrokerConnection | undefined;
  /** The controller `connection` goes to. */
  private controller: (BrokerAddress & { readonly id: number }) | undefined;
  private closed = false;

  constructor(private readonly options: AlterPartitionManagerOptions) {}

  /**
   * AlterPartitionManager.submit: the state the controller committed, or its error for this
   * partition (ERR_FENCED_LEADER_EPOCH, ERR_INVALID_UPDATE_VERSION, ERR_INELIGIBLE_REPLICA...).
   */
  submit(topic: string, partition: number, proposed: ProposedLeaderAndIsr): Promise<LeaderAndIsr> {
    const key = keyOf(topic, partition);
    if (this.closed) return Promise.reject(new TributaryError('the AlterPartition manager is closed', 'ERR_CLOSED'));
    if (this.unsent.has(key))
      return Promise.reject(
        new TributaryError(
          `Failed to enqueue ISR change state ${JSON.stringify(proposed)} for partition ${key}`,
          'ERR_OPERATION_NOT_ATTEMPTED',
        ),
      );
    return new Promise((resolve, reject) => {
      this.unsent.set(key, { topic, partition, proposed, resolve, reject });
      this.maybePropagateIsrChanges();
    });
  }

  /** Shutdown: nothing more is sent; pending submissions are rejected. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.connection?.close();
    const error = new TributaryError('the AlterPartition manager is closed', 'ERR_CLOSED');
    for (const item of this.unsent.values()) item.reject(error);
    this.unsent.clear();
  }

  /** maybePropagateIsrChanges: every unsent change in one request, unless one is in flight or a retry is due. */
  private maybePropagateIsrChanges(): void {
    if (this.closed || this.inflight || this.retryTimer !== undefined || this.unsent.size === 0) return;
    this.inflight = true;
    void this.sendRequest([...this.unsent.values()]).then((settled) => {
      this.inflight = false;
      if (this.closed) return;
      if (settled) return this.maybePropagateIsrChanges();
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.maybePropagateIsrChanges();
      }, this.options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS);
    });
  }

  /** One round trip; false when it is to be sent again after the backoff. */
  private async sendRequest(items: readonly Item[]): Promise<boolean> {
    let response: AlterPartitionResponse;
    let version: number;
    const topicNamesByIds = new Map<string, string>();
    try {
      const connection = await this.controllerConnection();
      // AlterPartitionRequest.Builder: by id (v2+) only if every topic has one.
      const ids = items.map((item) => this.options.metadataCache.topicId(item.topic));
      version = Math.min(connection.versionOf(ApiKey.AlterPartition), ids.includes(ZERO_TOPIC_ID) ? 1 : 3);
      items.forEach((item, i) => topicNamesByIds.set(ids[i]!, item.topic));
      response = await connection.request(AlterPartition, this.buildRequest(items, ids, version), version);
    } catch (error) {
      this.logger.info('AlterPartition not answered; it will be sent again', { error: String(error) });
      this.connection?.close();
      this.connection = undefined;
      return false;
    }
    return this.handleAlterPartitionResponse(items, response, version, topicNamesByIds);
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  /** The connection to the controller the metadata cache names now, a new one if it moved. */
  private async controllerConnection(): Promise<BrokerConnection> {
    const { metadataCache, listenerName, requestTimeoutMs, brokerId } = this.options;
    const id = metadataCache.controllerId;
    const node = id === null ? undefined : metadataCache.aliveEndpoint(id, listenerName);
    if (id === null || node === undefined)
      throw new TributaryError(`no controller known with an endpoint on ${listenerName}`, 'ERR_NOT_CONTROLLER');
    const moved =
      this.controller?.id !== id || this.controller.host !== node.host || this.controller.port !== node.port;
    if (moved || this.connection?.closed === true) {
      this.connection?.close();
      this.connection = undefined;
    }
    this.controller = { id, host: node.host, port: node.port };
    this.connection ??= await BrokerConnection.open(this.controller, {
      clientId: `broker-${String(brokerId)}-alter-partition`,
      timeoutMs: requestTimeoutMs,
    });
    return this.connection;
  }

  /** buildRequest: the items by topic, each topic by name and id (the version sent decides which goes). */
  private buildRequest(
    items: readonly Item[],
    ids: readonly string[],
    version: number,
  ): RequestOf<typeof AlterPartition> {
    const topics = new Map<string, RequestOf<typeof AlterPartition>['topics'][number]['partitions'][number][]>();
    const topicIds = new Map<string, string>();
    items.forEach((item, i) => {
      const { leaderEpoch, isr, partitionEpoch, leaderRecoveryState = 0 } = item.proposed;
      topicIds.set(item.topic, ids[i]!);
      const partitions = topics.get(item.topic) ?? [];
      partitions.push({
        partitionIndex: item.partition,
        leaderEpoch,
        newIsr: version < 3 ? [...isr] : [],
        // KIP-903's broker epochs are not known to a ZooKeeper-mode leader: -1 skips the check.
        newIsrWithEpochs: version < 3 ? [] : isr.map((brokerId) => ({ brokerId, brokerEpoch: -1 })),
        leaderRecoveryState,
        partitionEpoch,
      });
      topics.set(item.topic, partitions);
    });
    return {
      brokerId: this.options.brokerId,
      brokerEpoch: this.options.brokerEpoch(),
      topics: [...topics].map(([topicName, partitions]) => ({
        topicName,
        topicId: Buffer.from(topicIds.get(topicName)!, 'base64url'),
        partitions,
      })),
    };
  }

  /**
   * handleAlterPartitionResponse: a top-level error (or NOT_CONTROLLER anywhere, which the
   * channel retries) leaves every item unsent; otherwise each answered partition settles.
   */
  private handleAlterPartitionResponse(
    items: readonly Item[],
    response: AlterPartitionResponse,
    version: number,
    topicNamesByIds: ReadonlyMap<string, string>,
  ): boolean {
    const notController = KafkaErrors.NOT_CONTROLLER.code;
    const partitionErrors = response.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
    if (response.errorCode !== 0 || partitionErrors.includes(notController)) {
      this.logger.warn('Controller returned an error to AlterPartition; it will be sent again', {
        errorCode: partitionErrors.includes(notController) ? notController : response.errorCode,
      });
      if (partitionErrors.includes(notController) || response.errorCode === notController) this.connection?.close();
      return false;
    }
    const answers = new Map<string, AlterPartitionResponse['topics'][number]['partitions'][number]>();
    for (const topic of response.topics) {
      const name = version > 1 ? topicNamesByIds.get(topic.topicId.toString('base64url')) : topic.topicName;
      if (name === undefined || name === '') {
        this.logger.error('Received an unexpected topic in the AlterPartition response, ignoring it');
        continue;
      }
      for (const p of topic.partitions) answers.set(keyOf(name, p.partitionIndex), p);
    }
    for (const item of items) {
      const key = keyOf(item.topic, item.partition);
      const answer = answers.get(key);
      if (answer === undefined) {
        this.logger.warn(`Partition ${key} was sent but not included in the response`);
        continue;
      }
      this.unsent.delete(key);
      if (answer.errorCode !== 0) item.reject(kafkaResponseError(answer.errorCode, `AlterPartition of ${key}`));
      else if (answer.leaderRecoveryState !== 0 && answer.leaderRecoveryState !== 1)
        item.reject(
          new TributaryError(
            `Controller returned an invalid leader recovery state (${answer.leaderRecoveryState}) for ${key}`,
            'ERR_UNKNOWN_SERVER_ERROR',
          ),
        );
      else
        item.resolve({
          leader: answer.leaderId,
          leaderEpoch: answer.leaderEpoch,
          isr: answer.isr,
          leaderRecoveryState: answer.leaderRecoveryState,
          partitionEpoch: answer.partitionEpoch,
        });
    }
    return true;
  }
}
