/**
 * FindCoordinator: this node coordinates every group. Transaction coordinators do not
 * exist yet, so a transactional key gets COORDINATOR_NOT_AVAILABLE.
 */
import { KafkaErrors } from '../../errors.js';
import type { EncodableResponse } from '../../protocol/index.js';
import { FindCoordinator } from '../../protocol/messages/FindCoordinator.js';
import { handler, type RequestContext } from '../RequestContext.js';
import { brokerNode } from './Metadata.js';

const GROUP_KEY = 0;

/** The coordinator of any key of `keyType`: v4+ list one per key, older versions answer at the top. */
type Coordinator = Omit<NonNullable<EncodableResponse<typeof FindCoordinator>['coordinators']>[number], 'key'>;

function coordinatorFor(context: RequestContext, keyType: number): Coordinator {
  const node = brokerNode(context);
  if (keyType !== GROUP_KEY) {
    return {
      nodeId: -1,
      host: '',
      port: -1,
      errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code,
      errorMessage: 'transactions are not supported yet',
    };
  }
  return { nodeId: node.nodeId, host: node.host, port: node.port, errorCode: 0, errorMessage: null };
}

export const handleFindCoordinator = handler(FindCoordinator, (context, request) => {
  const { keyType } = request;
  if (context.header.apiVersion >= 4) {
    return {
      throttleTimeMs: 0,
      coordinators: request.coordinatorKeys.map((key) => ({ key, ...coordinatorFor(context, keyType) })),
    };
  }
  return { throttleTimeMs: 0, ...coordinatorFor(context, keyType) };
});
