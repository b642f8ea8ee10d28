/** DescribeCluster: one broker, which is also the controller. */
import { TributaryError } from '../../errors.js';
import { DescribeCluster } from '../../protocol/messages/DescribeCluster.js';
import { handler } from '../RequestContext.js';
import { brokerNode } from './Metadata.js';

const BROKERS_ENDPOINT = 1;

export const handleDescribeCluster = handler(DescribeCluster, (context, request) => {
  const { endpointType } = request;
  const common = {
    throttleTimeMs: 0,
    endpointType,
    clusterId: context.metadata.clusterId,
    controllerId: context.metadata.nodeId,
  };
  if (endpointType !== BROKERS_ENDPOINT) {
    const error = new TributaryError(
      `endpoint type ${endpointType} is not served: this is a broker`,
      'ERR_INVALID_ARGUMENT',
    );
    return { ...common, errorCode: error.kafka.code, errorMessage: error.message, brokers: [] };
  }
  const node = brokerNode(context);
  return {
    ...common,
    errorCode: 0,
    errorMessage: null,
    brokers: [{ brokerId: node.nodeId, host: node.host, port: node.port, rack: null }],
  };
});
