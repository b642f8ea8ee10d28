/**
 * UpdateMetadata: the controller's view of the cluster for the metadata cache
 * (KafkaApis.handleUpdateMetadataRequest, ReplicaManager.maybeUpdateMetadataCache). A stale
 * broker epoch is STALE_BROKER_EPOCH; an older controller epoch STALE_CONTROLLER_EPOCH
 * (ControllerMovedException), the cache unchanged either way.
 */
import { KafkaErrors } from '../../errors.js';
import type { RequestOf } from '../../protocol/index.js';
import { UpdateMetadata } from '../../protocol/messages/UpdateMetadata.js';
import type { AliveBroker, MetadataUpdate, PartitionState } from '../MetadataCache.js';
import { errorCodeOf, handler } from '../RequestContext.js';
import { clusterOf, isBrokerEpochStale } from './ControlRequest.js';

type UpdateMetadataRequest = RequestOf<typeof UpdateMetadata>;
type LiveBroker = UpdateMetadataRequest['liveBrokers'][number];

/** SecurityProtocol.PLAINTEXT: v0 brokers had one plaintext endpoint. */
const PLAINTEXT = 0;
/** SecurityProtocol names by id: before v3 an endpoint's listener is its protocol's name (ListenerName.forSecurityProtocol). */
const SECURITY_PROTOCOLS: Readonly<Record<number, string>> = {
  0: 'PLAINTEXT',
  1: 'SSL',
  2: 'SASL_PLAINTEXT',
  3: 'SASL_SSL',
};

/** UpdateMetadataRequest.normalize: v0's host and port and v1-v2's unnamed listeners in today's shape. */
function aliveBroker(broker: LiveBroker, version: number): AliveBroker {
  const endpoints =
    version === 0
      ? [{ host: broker.v0Host, port: broker.v0Port, securityProtocol: PLAINTEXT, listener: '' }]
      : broker.endpoints;
  return {
    id: broker.id,
    rack: broker.rack,
    endpoints: endpoints.map((e) => ({
      host: e.host,
      port: e.port,
      securityProtocol: e.securityProtocol,
      listener: version >= 3 ? e.listener : (SECURITY_PROTOCOLS[e.securityProtocol] ?? ''),
    })),
  };
}

/** v5+ group partition states by topic (with its id from v7); older versions carry the topic in each. */
function metadataUpdate(request: UpdateMetadataRequest, version: number): MetadataUpdate {
  const grouped = version >= 5;
  const partitionStates: PartitionState[] = grouped
    ? request.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ ...p, topicName: t.topicName })))
    : request.ungroupedPartitionStates;
  const topicIds = new Map(
    version >= 7 ? request.topicStates.map((t) => [t.topicName, t.topicId.toString('base64url')]) : [],
  );
  return {
    controllerId: request.controllerId,
    liveBrokers: request.liveBrokers.map((b) => aliveBroker(b, version)),
    topicIds,
    partitionStates,
  };
}

export const handleUpdateMetadata = handler(UpdateMetadata, (context, request) => {
  const cluster = clusterOf(context);
  if (isBrokerEpochStale(cluster, request.brokerEpoch)) return { errorCode: KafkaErrors.STALE_BROKER_EPOCH.code };
  try {
    // Deleted partitions' groups (GroupCoordinator.onPartitionsDeleted) are the cluster's coordinator migration.
    cluster.replicaManager.maybeUpdateMetadataCache(
      request.controllerEpoch,
      metadataUpdate(request, context.header.apiVersion),
    );
    return { errorCode: 0 };
  } catch (error) {
    return { errorCode: errorCodeOf(context, error) };
  }
});
