/**
 * ControllerChannelManager: Kafka's kafka.controller.ControllerChannelManager. The controller
 * keeps one connection and one queue per live broker (RequestSendThread): requests go in
 * order, one at a time, each retried on a new connection after a backoff until it is
 * answered or the broker is removed. They are encoded with the schema table at the versions
 * the request batch chose (no ApiVersions: a 3.8 controller picks them from the IBP).
 * StopReplica's answer goes back to the controller (topic deletion waits for it).
 */
import { connect, type Socket } from 'node:net';
import type { Broker } from '../controller/Broker.js';
import type { ControllerChannel, StopReplicaResponse } from '../controller/ControllerChannel.js';
import type { ControlRequest } from '../controller/ControlRequests.js';
import { decodeResponse, encodeRequest } from '../protocol/index.js';
import { LeaderAndIsr } from '../protocol/messages/LeaderAndIsr.js';
import { StopReplica } from '../protocol/messages/StopReplica.js';
import { UpdateMetadata } from '../protocol/messages/UpdateMetadata.js';
import type { Logger } from './Logger.js';

/** RequestSendThread's backoff after a failed send (Kafka waits 300 ms). */
const RETRY_BACKOFF_MS = 300;
/** controller.socket.timeout.ms (Kafka's default 30000). */
const SOCKET_TIMEOUT_MS = 30000;

interface Queued {
  readonly request: ControlRequest;
  readonly onStopReplicaResponse?: (response: StopReplicaResponse) => void;
}

/** One broker's queue and connection (ControllerBrokerStateInfo with its RequestSendThread). */
class RequestSendThread {
  private readonly queue: Queued[] = [];
  private socket: Socket | undefined;
  private running = false;
  private stopped = false;
  private correlationId = 0;

  constructor(
    readonly broker: Broker,
    private readonly address: { host: string; port: number },
    private readonly controllerId: number,
    private readonly logger: Logger,
  ) {}

  enqueue(item: Queued): void {
    if (this.stopped) return;
    this.queue.push(item);
    if (!this.running) void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.socket?.destroy();
  }

  private async run(): Promise<void> {
    this.running = true;
    while (!this.stopped && this.queue.length > 0) {
      const item = this.queue[0]!;
      try {
        const frame = await this.roundTrip(item.request);
        this.queue.shift();
        this.deliver(item, frame);
      } catch (error) {
        if (this.stopped) break;
        this.logger.warn('Controller failed to send a request to a broker; retrying', {
          broker: this.broker.id,
          api: item.request.api,
          error: String(error),
        });
        this.socket?.destroy();
        this.socket = undefined;
        await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
      }
    }
    this.running = false;
  }

  private deliver(item: Queued, frame: Buffer): void {
    if (item.request.api !== 'StopReplica' || item.onStopReplicaResponse === undefined) return;
    const { body } = decodeResponse(StopReplica, item.request.version, frame);
    item.onStopReplicaResponse(body);
  }

  private async roundTrip(request: ControlRequest): Promise<Buffer> {
    if (this.socket?.destroyed === true) this.socket = undefined;
    const socket = this.socket ?? (this.socket = await this.open());
    const header = {
      apiVersion: request.version,
      correlationId: ++this.correlationId,
      clientId: `controller-${this.controllerId}-to-broker-${this.broker.id}`,
    };
    const chunks =
      request.api === 'LeaderAndIsr'
        ? encodeRequest(LeaderAndIsr, { ...header, apiKey: LeaderAndIsr.apiKey }, request.data)
        : request.api === 'UpdateMetadata'
          ? encodeRequest(UpdateMetadata, { ...header, apiKey: UpdateMetadata.apiKey }, request.data)
          : encodeRequest(StopReplica, { ...header, apiKey: StopReplica.apiKey }, request.data);
    const answer = readFrame(socket);
    for (const chunk of chunks) socket.write(chunk);
    return answer;
  }

  private open(): Promise<Socket> {
    return openSocket(this.address);
  }
}

/** A connection to another broker, without Nagle's delay; its later errors show as its close. */
export function openSocket(address: { host: string; port: number }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(address);
    socket.once('connect', () => {
      socket.setNoDelay(true);
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** The next response frame on the socket (its 4-byte size dropped); rejects when the socket closes or times out first. */
export function readFrame(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), SOCKET_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4 || buffered.length < 4 + buffered.readInt32BE(0)) return;
      cleanup();
      resolve(buffered.subarray(4, 4 + buffered.readInt32BE(0)));
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('connection closed'));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

export class ControllerChannelManager implements ControllerChannel {
  private readonly threads = new Map<number, RequestSendThread>();

  constructor(
    private readonly controllerId: number,
    private readonly listenerName: string,
    private readonly logger: Logger,
  ) {}

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
    const endpoint = broker.endpoints.find((e) => e.listenerName === this.listenerName);
    if (endpoint === undefined) {
      this.logger.error('A broker has no endpoint on the inter-broker listener', {
        broker: broker.id,
        listener: this.listenerName,
      });
      return;
    }
    const address = { host: endpoint.host, port: endpoint.port };
    this.threads.set(broker.id, new RequestSendThread(broker, address, this.controllerId, this.logger));
  }

  send(request: ControlRequest, onStopReplicaResponse?: (response: StopReplicaResponse) => void): void {
    const thread = this.threads.get(request.brokerId);
    // ControllerChannelManager.sendRequest: a broker without a queue (gone meanwhile) gets nothing.
    if (thread === undefined) {
      this.logger.warn('Not sending a request to a broker that is not alive', {
        broker: request.brokerId,
        api: request.api,
      });
      return;
    }
    thread.enqueue({ request, onStopReplicaResponse });
  }

  close(): void {
    for (const thread of this.threads.values()) thread.stop();
    this.threads.clear();
  }
}
