/**
 * ControllerChannel: how the running controller reaches brokers (Kafka's
 * ControllerChannelManager, kept behind this interface so the sockets live in the broker
 * layer): one queue per live broker, its requests sent in order; the broker set follows
 * the controller's live brokers.
 */
import type { Broker } from './Broker.js';
import type { ControlRequest, ControlResponse } from './ControlRequests.js';

/** The answer topic deletion waits for (TopicDeletionStopReplicaResponseReceived). */
export type StopReplicaResponse = ControlResponse<'StopReplica'>;

export interface ControllerChannel {
  /** ControllerChannelManager.addBroker/removeBroker: a queue for each of these brokers, none for others. */
  updateBrokers(brokers: readonly Broker[]): void;
  /** ControllerChannelManager.sendRequest: queued for its broker; a StopReplica's answer goes to the callback. */
  send(request: ControlRequest, onStopReplicaResponse?: (response: StopReplicaResponse) => void): void;
  /** ControllerChannelManager.shutdown: every queue dropped. */
  close(): void;
}
