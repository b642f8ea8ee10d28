/** ApiVersions: exactly what the broker implements (the KIP-511 fallback lives in Connection). */
import type { Struct } from '../../protocol/index.js';
import type { BrokerContext, RequestHandler } from '../RequestContext.js';

export function apiVersionsBody(context: BrokerContext, errorCode: number): Struct {
  return { errorCode, apiKeys: context.apiVersions, throttleTimeMs: 0 };
}

export const handleApiVersions: RequestHandler = (context) => apiVersionsBody(context, 0);
