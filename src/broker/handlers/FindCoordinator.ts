/**
 * FindCoordinator: this node coordinates every group (key type 0) and every transactional
 * id (key type 1).
 */
import type { EncodableResponse } from '../../protocol/index.js';
import { FindCoordinator } from '../../protocol/messages/FindCoordinator.js';
import { handler, type RequestContext } from '../RequestContext.js';
import { brokerNode } from './Metadata.js';

/** The coordinator of any key: v4+ list one per key, older versions answer at the top. */
type Coordinator = Omit<NonNullable<EncodableResponse<typeof FindCoordinator>['coordinators']>[number], 'key'>;

function coordinatorFor(context: RequestContext): Coordinator {
  const node = brokerNode(context);
  return { nodeId: node.nodeId, host: node.host, port: node.port, errorCode: 0, errorMessage: null };
}

export const handleFindCoordinator = handler(FindCoordinator, (context, request) => {
  if (context.header.apiVersion >= 4) {
    return {
      throttleTimeMs: 0,
      coordinators: request.coordinatorKeys.map((key) => ({ key, ...coordinatorFor(context) })),
    };
  }
  return { throttleTimeMs: 0, ...coordinatorFor(context) };
});
