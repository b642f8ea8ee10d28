/**
 * DescribeCluster: one broker, which is also the controller; in cluster mode the live brokers
 * and the controller of the metadata cache (KafkaApis.handleDescribeCluster).
 */
import { TributaryError } from '../../errors.js';
import { DescribeCluster } from '../../protocol/messages/DescribeCluster.js';
import { NO_CONTROLLER_ID } from '../MetadataCache.js';
import { handler, type RequestContext } from '../RequestContext.js';
import { brokerNode } from './Metadata.js';

const BROKERS_ENDPOINT = 1;

function brokersAndController(context: RequestContext) {
  const { cluster } = context;
  if (cluster !== undefined) {
    const brokers = cluster.metadataCache.aliveBrokerNodes(cluster.listenerName);
    return {
      controllerId: cluster.metadataCache.controllerId ?? NO_CONTROLLER_ID,
      brokers: brokers.map((n) => ({ brokerId: n.nodeId, host: n.host, port: n.port, rack: n.rack })),
    };
  }
  const node = brokerNode(context);
  return {
    controllerId: context.metadata.nodeId,
    brokers: [{ brokerId: node.nodeId, host: node.host, port: node.port, rack: null }],
  };
}

export const handleDescribeCluster = handler(DescribeCluster, (context, request) => {
  const { endpointType } = request;
  const common = {
    throttleTimeMs: 0,
    endpointType,
    clusterId: context.metadata.clusterId,
  };
  if (endpointType !== BROKERS_ENDPOINT) {
    const error = new TributaryError(
      `endpoint type ${endpointType} is not served: this is a broker`,
      'ERR_INVALID_ARGUMENT',
    );
    return {
      ...common,
      controllerId: context.metadata.nodeId,
      errorCode: error.kafka.code,
      errorMessage: error.message,
      brokers: [],
    };
  }
  return { ...common, errorCode: 0, errorMessage: null, ...brokersAndController(context) };
});
