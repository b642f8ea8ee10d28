/**
 * FindCoordinator: this node coordinates every group. Transaction coordinators do not
 * exist yet, so a transactional key gets COORDINATOR_NOT_AVAILABLE.
 */
import { KafkaErrors } from '../../errors.js';
import type { Struct } from '../../protocol/index.js';
import type { RequestContext, RequestHandler } from '../RequestContext.js';
import { brokerNode } from './Metadata.js';

const GROUP_KEY = 0;

function coordinatorFor(context: RequestContext, key: string, keyType: number): Struct {
  const node = brokerNode(context);
  if (keyType !== GROUP_KEY) {
    return {
      key,
      nodeId: -1,
      host: '',
      port: -1,
      errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code,
      errorMessage: 'transactions are not supported yet',
    };
  }
  return { key, nodeId: node.nodeId, host: node.host, port: node.port, errorCode: 0, errorMessage: null };
}

export const handleFindCoordinator: RequestHandler = (context, body) => {
  const keyType = body.keyType as number;
  if (context.header.apiVersion >= 4) {
    return {
      throttleTimeMs: 0,
      coordinators: (body.coordinatorKeys as string[]).map((key) => coordinatorFor(context, key, keyType)),
    };
  }
  return { throttleTimeMs: 0, ...coordinatorFor(context, body.key as string, keyType) };
};
