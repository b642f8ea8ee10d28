/**
 * What the controller's requests (Kafka's AbstractControlRequest: LeaderAndIsr, StopReplica,
 * UpdateMetadata) share: only a broker in cluster mode serves them, and one sent to this
 * broker's previous registration (an older broker epoch) is refused.
 */
import { TributaryError } from '../../errors.js';
import type { ClusterContext, RequestContext } from '../RequestContext.js';

/** AbstractControlRequest.UNKNOWN_BROKER_EPOCH: a controller from before KIP-380. */
const UNKNOWN_BROKER_EPOCH = -1;

/**
 * The cluster this broker is in. The handlers are registered only in cluster mode (the single
 * node closes the connection, as Kafka's SocketServer does for an API its listener does not
 * enable), so a missing cluster is a bug.
 */
export function clusterOf(context: RequestContext): ClusterContext {
  if (context.cluster === undefined)
    throw new TributaryError('a controller request reached a broker not in cluster mode', 'ERR_INVALID_ARGUMENT');
  return context.cluster;
}

/**
 * ZkBrokerEpochManager.isBrokerEpochStale: a request for an older registration of this broker
 * (it restarted quickly) is skipped; a newer epoch is possible, the controller may learn it
 * first.
 */
export function isBrokerEpochStale(cluster: ClusterContext, brokerEpochInRequest: number): boolean {
  return brokerEpochInRequest !== UNKNOWN_BROKER_EPOCH && brokerEpochInRequest < cluster.brokerEpoch();
}
