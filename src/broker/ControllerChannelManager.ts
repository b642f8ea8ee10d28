/**
 * ControllerChannelManager: Kafka's kafka.controller.ControllerChannelManager. The controller
 * keeps one connection and one queue per live broker (RequestSendThread): requests go in
 * order, one in flight at a time, each retried on a new connection after a backoff until it
 * is answered or the broker is removed. The connection is the shared BrokerConnection with
 * NetworkClient's settings there: no ApiVersions (discoverBrokerVersions false; the batch chose
 * each version from the IBP), controller.socket.timeout.ms to connect and to await each answer
 * (Kafka awaits the answer request.timeout.ms, 30 s by default as well); a bad frame or a
 * wrong correlation id fails the connection as a timeout does. StopReplica's answer goes back
 * to the controller (topic deletion waits for it).
 */
import type { Broker } from '../controller/Broker.js';
import type { ControllerChannel, StopReplicaResponse } from '../controller/ControllerChannel.js';
import {
  CONTROL_APIS,
  type ControlApi,
  type ControlRequest,
  type ControlRequestData,
  type ControlRequestOf,
  type ControlResponse,
} from '../controller/ControlRequests.js';
import { BrokerConnection, type BrokerAddress } from '../network/BrokerConnection.js';
import type { ApiSchema, EncodableRequest, ResponseOf } from '../protocol/index.js';
import type { Logger } from './Logger.js';

/** RequestSendThread.backoff: the pause after a failed connection or send, before the next try. */
const RETRY_BACKOFF_MS = 100;

export interface ControllerChannelConfig {
  /** The controller's broker id. */
  readonly controllerId: number;
  /** inter.broker.listener.name: each broker is reached at its endpoint there. */
  readonly listenerName: string;
  /** controller.socket.timeout.ms (Kafka's default 30000): connecting and awaiting each answer. */
  readonly socketTimeoutMs: number;
  readonly logger: Logger;
}

/** One queued request (QueueItem): its name, and its exchange on a connection (a failed send throws; the caller retries). */
interface QueueItem {
  readonly api: ControlApi;
  readonly sendAndReceive: (connection: BrokerConnection) => Promise<void>;
}

type Sender<K extends ControlApi> = (
  connection: BrokerConnection,
  data: ControlRequestData[K],
  version: number,
) => Promise<ControlResponse<K>>;

const sender =
  <A extends ApiSchema>(api: A) =>
  (connection: BrokerConnection, data: EncodableRequest<A>, version: number): Promise<ResponseOf<A>> =>
    connection.request(api, data, version);

/** How each request goes out: its schema from the table, at the version the batch chose. */
const SENDERS: { readonly [K in ControlApi]: Sender<K> } = {
  LeaderAndIsr: sender(CONTROL_APIS.LeaderAndIsr),
  UpdateMetadata: sender(CONTROL_APIS.UpdateMetadata),
  StopReplica: sender(CONTROL_APIS.StopReplica),
};

/** The request, and who gets its answer: K ties the two together. */
function queueItem<K extends ControlApi>(
  request: ControlRequestOf<K>,
  onResponse?: (response: ControlResponse<K>) => void,
): QueueItem {
  return {
    api: request.api,
    async sendAndReceive(connection) {
      const response = await SENDERS[request.api](connection, request.data, request.version);
      onResponse?.(response);
    },
  };
}

/** One broker's queue and connection (ControllerBrokerStateInfo with its RequestSendThread). */
class RequestSendThread {
  private readonly queue: QueueItem[] = [];
  private connection: BrokerConnection | undefined;
  private running = false;
  private stopped = false;

  constructor(
    readonly broker: Broker,
    private readonly address: BrokerAddress,
    private readonly config: ControllerChannelConfig,
  ) {}

  enqueue(item: QueueItem): void {
    if (this.stopped) return;
    this.queue.push(item);
    if (!this.running) void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.connection?.close();
  }

  /** RequestSendThread.doWork: the head of the queue until it is answered, then the next. */
  private async run(): Promise<void> {
    this.running = true;
    while (!this.stopped && this.queue.length > 0) {
      const item = this.queue[0]!;
      try {
        if (this.connection?.closed === true) this.connection = undefined;
        this.connection ??= await this.connect();
        // Removed while connecting: the connection opened is not kept.
        if (this.stopped) this.connection.close();
        await item.sendAndReceive(this.connection);
        this.queue.shift();
      } catch (error) {
        if (this.stopped) break;
        this.config.logger.warn('Controller failed to send a request to a broker; reconnecting', {
          broker: this.broker.id,
          api: item.api,
          error: String(error),
        });
        this.connection?.close();
        this.connection = undefined;
        await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
      }
    }
    this.running = false;
  }

  private connect(): Promise<BrokerConnection> {
    return BrokerConnection.open(this.address, {
      clientId: String(this.config.controllerId),
      timeoutMs: this.config.socketTimeoutMs,
      discoverVersions: false,
    });
  }
}

export class ControllerChannelManager implements ControllerChannel {
  private readonly threads = new Map<number, RequestSendThread>();

  constructor(private readonly config: ControllerChannelConfig) {}

  updateBrokers(brokers: readonly Broker[]): void {
    const ids = new Set(brokers.map((b) => b.id));
    for (const [id, thread] of this.threads)
      if (!ids.has(id)) {
        thread.stop();
        this.threads.delete(id);
      }
    for (const broker of brokers) if (!this.threads.has(broker.id)) this.addBroker(broker);
  }

  /** ControllerChannelManager.addNewBroker: the endpoint on the inter-broker listener. */
  private addBroker(broker: Broker): void {
    const endpoint = broker.endpoints.find((e) => e.listenerName === this.config.listenerName);
    if (endpoint === undefined) {
      this.config.logger.error('A broker has no endpoint on the inter-broker listener', {
        broker: broker.id,
        listener: this.config.listenerName,
      });
      return;
    }
    const address = { host: endpoint.host, port: endpoint.port };
    this.threads.set(broker.id, new RequestSendThread(broker, address, this.config));
  }

  send(request: ControlRequest, onStopReplicaResponse?: (response: StopReplicaResponse) => void): void {
    const thread = this.threads.get(request.brokerId);
    // ControllerChannelManager.sendRequest: a broker without a queue (gone meanwhile) gets nothing.
    if (thread === undefined) {
      this.config.logger.warn('Not sending a request to a broker that is not alive', {
        broker: request.brokerId,
        api: request.api,
      });
      return;
    }
    thread.enqueue(request.api === 'StopReplica' ? queueItem(request, onStopReplicaResponse) : queueItem(request));
  }

  close(): void {
    for (const thread of this.threads.values()) thread.stop();
    this.threads.clear();
  }
}
