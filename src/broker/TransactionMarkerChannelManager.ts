/**
 * TransactionMarkerChannelManager: Kafka's kafka.coordinator.transaction.TransactionMarkerChannelManager
 * on a cluster's broker. A transaction's markers go to each partition's leader as the metadata
 * cache knows it (addTxnMarkersToBrokerQueue): this broker's own partitions are written here,
 * the others in one WriteTxnMarkers request per leader, over one connection per broker, one
 * request at a time. A partition whose topic the cache does not know is UNKNOWN_TOPIC_OR_PARTITION
 * (the coordinator drops it, as Kafka drops markers of deleted topics); no live leader or a
 * failed send is a retriable error the coordinator retries after its backoff (Kafka re-enqueues).
 * The connections are the shared BrokerConnection as Kafka's NetworkClient is set up there: no
 * ApiVersions (discoverBrokerVersions false; the version is the IBP's), request.timeout.ms; a
 * failed connection is dropped and the next request opens another.
 */
import type { Engine } from '../engine/Engine.js';
import { isTributaryError, KafkaErrors as E } from '../errors.js';
import type { GroupCoordinator } from '../group/GroupCoordinator.js';
import { BrokerConnection, type BrokerAddress } from '../network/BrokerConnection.js';
import { WriteTxnMarkers } from '../protocol/messages/WriteTxnMarkers.js';
import { byTopic } from '../protocol/TopicGroups.js';
import type { TopicPartition } from '../transaction/TransactionMetadata.js';
import { appendTxnMarkers, type MarkerResult, type TxnMarker } from '../transaction/TransactionMarkerWriter.js';
import type { Logger } from './Logger.js';
import type { MetadataCache } from './MetadataCache.js';
import type { ClusterPartition } from './ClusterPartition.js';
import { delayedProduce } from './DelayedProduce.js';
import type { ReplicaManager } from './ReplicaManager.js';

/** WriteTxnMarkers v1 (flexible): every broker of the cluster serves it; Kafka 3.8 sends v1 too (IBP 2.8 and later). */
const WRITE_TXN_MARKERS_VERSION = 1;
/** request.timeout.ms, Kafka's default: how long the channel waits to connect and for an answer. */
const REQUEST_TIMEOUT_MS = 30000;

/**
 * KafkaApis.handleWriteTxnMarkersRequest on a partition leader: a partition this broker does not
 * lead is NOT_LEADER_OR_FOLLOWER (or UNKNOWN_TOPIC_OR_PARTITION), the others get their marker,
 * appended as Kafka appends it, with requiredAcks -1: NOT_ENOUGH_REPLICAS under
 * min.insync.replicas, and answered once the in-sync replicas have it (DelayedProduce within
 * request.timeout.ms), so a marker the coordinator counts as written survives a new leader.
 */
export async function appendLeaderTxnMarkers(
  engine: Engine,
  groups: GroupCoordinator,
  replicaManager: ReplicaManager,
  marker: TxnMarker,
): Promise<MarkerResult[]> {
  const refused: MarkerResult[] = [];
  const led = new Map<string, { tp: TopicPartition; partition: ClusterPartition }>();
  for (const tp of marker.partitions) {
    try {
      const partition = replicaManager.leaderClusterPartition(tp.topic, tp.partition);
      partition.checkEnoughReplicas();
      led.set(keyOf(tp), { tp, partition });
    } catch (error) {
      refused.push({ ...tp, errorCode: isTributaryError(error) ? error.kafka.code : E.UNKNOWN_SERVER_ERROR.code });
    }
  }
  if (led.size === 0) return refused;
  const tps = [...led.values()].map((l) => l.tp);
  const written = await appendTxnMarkers(engine, groups, { ...marker, partitions: tps });
  const appended = written.filter((r) => r.errorCode === E.NONE.code).map((r) => led.get(keyOf(r))!.partition);
  const errors = await delayedProduce(
    appended.map((partition) => ({ partition, requiredOffset: partition.log.logEndOffset })),
    REQUEST_TIMEOUT_MS,
    new AbortController().signal,
  );
  const replicated = new Map(appended.map((p, i) => [`${p.topic}-${p.index}`, errors[i]!.code]));
  return [...refused, ...written.map((r) => ({ ...r, errorCode: replicated.get(keyOf(r)) ?? r.errorCode }))];
}

const keyOf = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;

/** One broker's connection, its requests in order (a promise chain). */
interface BrokerChannel {
  connection: BrokerConnection | undefined;
  turn: Promise<unknown>;
}

export class TransactionMarkerChannelManager {
  private readonly channels = new Map<string, BrokerChannel>();
  private closed = false;

  constructor(
    private readonly brokerId: number,
    private readonly listenerName: string,
    private readonly metadataCache: MetadataCache,
    private readonly writeLocal: (marker: TxnMarker) => Promise<MarkerResult[]>,
    private readonly logger: Logger,
  ) {}

  /** Each partition's outcome, its marker written by its leader. */
  async writeTxnMarkers(marker: TxnMarker): Promise<MarkerResult[]> {
    const byLeader = new Map<number, TopicPartition[]>();
    const results: MarkerResult[] = [];
    for (const tp of marker.partitions) {
      const state = this.metadataCache.partitionState(tp.topic, tp.partition);
      if (state === undefined) results.push({ ...tp, errorCode: E.UNKNOWN_TOPIC_OR_PARTITION.code });
      else byLeader.set(state.leader, [...(byLeader.get(state.leader) ?? []), tp]);
    }
    const sent = [...byLeader].map(([leader, partitions]) =>
      leader === this.brokerId
        ? this.writeLocal({ ...marker, partitions })
        : this.send(leader, { ...marker, partitions }),
    );
    for (const answered of await Promise.all(sent)) results.push(...answered);
    return results;
  }

  private send(leader: number, marker: TxnMarker): Promise<MarkerResult[]> {
    const node = this.metadataCache.aliveEndpoint(leader, this.listenerName);
    const failed = (error: { code: number }) => marker.partitions.map((tp) => ({ ...tp, errorCode: error.code }));
    if (node === undefined || this.closed) return Promise.resolve(failed(E.NOT_LEADER_OR_FOLLOWER));
    const key = `${String(leader)}@${node.host}:${String(node.port)}`;
    const channel = this.channels.get(key) ?? { connection: undefined, turn: Promise.resolve() };
    this.channels.set(key, channel);
    const result = channel.turn.then(() =>
      this.roundTrip(channel, node, marker).catch((error: unknown) => {
        this.logger.warn('could not send transaction markers to a partition leader', {
          broker: leader,
          error: String(error),
        });
        channel.connection?.close();
        channel.connection = undefined;
        return failed(E.NOT_LEADER_OR_FOLLOWER);
      }),
    );
    channel.turn = result;
    return result;
  }

  private async roundTrip(channel: BrokerChannel, node: BrokerAddress, marker: TxnMarker): Promise<MarkerResult[]> {
    if (channel.connection?.closed === true) channel.connection = undefined;
    channel.connection ??= await BrokerConnection.open(node, {
      clientId: `broker-${String(this.brokerId)}-txn-marker-sender`,
      timeoutMs: REQUEST_TIMEOUT_MS,
      discoverVersions: false,
    });
    // Closed while connecting: the connection opened is not kept.
    if (this.closed) channel.connection.close();
    const request = {
      markers: [
        {
          producerId: marker.producerId,
          producerEpoch: marker.producerEpoch,
          transactionResult: marker.commit,
          topics: byTopic(marker.partitions, (tp) => tp.partition).map((t) => ({
            name: t.name,
            partitionIndexes: t.partitions,
          })),
          coordinatorEpoch: marker.coordinatorEpoch,
        },
      ],
    };
    const body = await channel.connection.request(WriteTxnMarkers, request, WRITE_TXN_MARKERS_VERSION);
    return (body.markers[0]?.topics ?? []).flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })),
    );
  }

  close(): void {
    this.closed = true;
    for (const channel of this.channels.values()) channel.connection?.close();
    this.channels.clear();
  }
}
