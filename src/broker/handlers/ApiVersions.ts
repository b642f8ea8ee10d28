/** ApiVersions: exactly what the broker implements (the KIP-511 fallback lives in Connection). */
import { ApiVersions } from '../../protocol/messages/ApiVersions.js';
import { handler } from '../RequestContext.js';

export const handleApiVersions = handler(ApiVersions, (context) => ({
  errorCode: 0,
  apiKeys: context.apiVersions,
  throttleTimeMs: 0,
}));
