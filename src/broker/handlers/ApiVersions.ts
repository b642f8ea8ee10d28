/** ApiVersions: exactly what the broker implements (the KIP-511 fallback lives in Connection). */
import type { RequestHandler } from '../RequestContext.js';

export const handleApiVersions: RequestHandler = (context) => ({
  errorCode: 0,
  apiKeys: context.apiVersions,
  throttleTimeMs: 0,
});
