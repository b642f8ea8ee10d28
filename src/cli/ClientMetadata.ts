/**
 * What `produce` and `consume --bootstrap` know of the cluster, as Kafka's client `Metadata`
 * (org.apache.kafka.clients.Metadata) keeps it for one topic: the live brokers and each
 * partition's leader, from Metadata asked of the bootstrap broker. Requests for a partition
 * go to its leader (NodeConnections, one connection per broker). A retriable error (a leader
 * that moved answers NOT_LEADER_OR_FOLLOWER, an election still under way LEADER_NOT_AVAILABLE)
 * or a lost connection asks Metadata again and sends to the leader it names then, as Kafka's
 * Sender (completeBatch: reenqueue, `metadata.requestUpdate` for an InvalidMetadataException)
 * and its admin client's retries do. On a single node the bootstrap broker leads everything
 * and this is one connection, as before.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { NO_LEADER_ID } from '../broker/MetadataCache.js';
import type { BrokerConnection } from '../network/BrokerConnection.js';
import { isConnectionFailure } from '../client/ConnectionFailure.js';
import { isRetriable, KafkaErrors, kafkaResponseError } from '../errors.js';
import { Metadata } from '../protocol/messages/Metadata.js';
import { NodeConnections } from './admin/NodeConnections.js';

/** Kafka's retry.backoff.ms. */
const RETRY_BACKOFF_MS = 100;
/**
 * How long a partition's request is retried before the command fails with the last error
 * (Kafka's producer keeps a batch for delivery.timeout.ms, 120 s; a command gives up sooner).
 */
const RETRY_TIMEOUT_MS = 30_000;

/** One partition's answer in a response: its error code and, without an error, its value. */
export interface PartitionAnswer<T> {
  partition: number;
  errorCode: number;
  errorMessage?: string | null;
  value: T;
}

export class ClientMetadata {
  private leaders: number[] = [];
  private readonly nodes: NodeConnections;
  private updating: Promise<void> | null = null;
  /** Set by close(): nothing is retried after it (a send still queued fails with its first error). */
  private closed = false;

  private constructor(
    private readonly bootstrap: BrokerConnection,
    readonly topic: string,
  ) {
    this.nodes = new NodeConnections(bootstrap, []);
  }

  /** The topic's metadata; a topic Metadata reports an error for (UNKNOWN_TOPIC_OR_PARTITION) fails at once. */
  static async open(bootstrap: BrokerConnection, topic: string): Promise<ClientMetadata> {
    const metadata = new ClientMetadata(bootstrap, topic);
    await metadata.fetch(true);
    return metadata;
  }

  get partitionCount(): number {
    return this.leaders.length;
  }

  /** Asks Metadata again; callers at the same time share one request. A failed update keeps what was known. */
  update(): Promise<void> {
    this.updating ??= this.fetch(false)
      .catch(() => undefined)
      .finally(() => (this.updating = null));
    return this.updating;
  }

  private async fetch(strict: boolean): Promise<void> {
    const response = await this.bootstrap.request(Metadata, {
      topics: [{ name: this.topic }],
      allowAutoTopicCreation: false,
    });
    const [found] = response.topics;
    if (found!.errorCode !== KafkaErrors.NONE.code) {
      if (strict) throw kafkaResponseError(found!.errorCode, `looking up topic '${this.topic}'`);
      return;
    }
    this.nodes.update(response.brokers);
    const leaders: number[] = [];
    for (const p of found!.partitions)
      leaders[p.partitionIndex] = p.errorCode === KafkaErrors.NONE.code ? p.leaderId : NO_LEADER_ID;
    this.leaders = leaders;
  }

  /** The partitions by the broker that leads them; those without a leader under NO_LEADER_ID. */
  byLeader(partitions: Iterable<number>): Map<number, number[]> {
    const led = new Map<number, number[]>();
    for (const partition of partitions) {
      const leader = this.leaders[partition] ?? NO_LEADER_ID;
      led.set(leader, [...(led.get(leader) ?? []), partition]);
    }
    return led;
  }

  /** The connection to broker `nodeId`, opened on first use. */
  connectionTo(nodeId: number): Promise<BrokerConnection> {
    return this.nodes.to(nodeId, `reaching the leader of a partition of ${this.topic}`);
  }

  /** A request to `nodeId` failed with its connection: the next one reconnects, to whichever broker Metadata names then. */
  disconnected(nodeId: number): void {
    this.nodes.forget(nodeId);
  }

  /**
   * `send` to each partition's leader for the partitions it leads, until every partition is
   * answered without error: a partition with a retriable error, without a leader, or whose
   * leader could not be reached is sent again after Metadata is asked again, for up to
   * RETRY_TIMEOUT_MS; any other error fails at once. The values by partition. `what` names
   * the request in errors: `${what} TOPIC-PARTITION failed: NOT_LEADER_OR_FOLLOWER`.
   */
  async toLeaders<T>(
    partitions: readonly number[],
    what: string,
    send: (connection: BrokerConnection, partitions: number[]) => Promise<PartitionAnswer<T>[]>,
  ): Promise<Map<number, T>> {
    const answered = new Map<number, T>();
    const deadline = Date.now() + RETRY_TIMEOUT_MS;
    let pending = [...partitions];
    for (;;) {
      let lastError: Error = kafkaResponseError(KafkaErrors.LEADER_NOT_AVAILABLE.code, `${what} ${this.topic}`);
      const rounds = [...this.byLeader(pending)].map(async ([leader, led]) => {
        if (leader === NO_LEADER_ID) return;
        let answers: PartitionAnswer<T>[];
        try {
          answers = await send(await this.connectionTo(leader), led);
        } catch (error) {
          if (!isConnectionFailure(error)) throw error;
          this.disconnected(leader);
          lastError = error as Error;
          return;
        }
        for (const a of answers) {
          if (a.errorCode === KafkaErrors.NONE.code) answered.set(a.partition, a.value);
          else {
            const failure = kafkaResponseError(a.errorCode, `${what} ${this.topic}-${a.partition}`);
            if (a.errorMessage) failure.message += ` (${a.errorMessage})`;
            if (!isRetriable(a.errorCode)) throw failure;
            lastError = failure;
          }
        }
      });
      await Promise.all(rounds);
      pending = pending.filter((p) => !answered.has(p));
      if (pending.length === 0) return answered;
      if (this.closed || Date.now() > deadline) throw lastError;
      await delay(RETRY_BACKOFF_MS);
      await this.update();
    }
  }

  /** Closes the connections opened to other brokers (not the bootstrap's). */
  close(): Promise<void> {
    this.closed = true;
    return this.nodes.close();
  }
}
