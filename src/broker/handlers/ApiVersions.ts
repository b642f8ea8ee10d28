/** ApiVersions: exactly what the broker implements (the KIP-511 fallback lives in Connection). */
import { KafkaErrors } from '../../errors.js';
import { ApiVersions } from '../../protocol/messages/ApiVersions.js';
import { handler } from '../RequestContext.js';

/** ApiVersionsRequest.SOFTWARE_NAME_VERSION_PATTERN: what a v3+ client must call itself (KIP-511). */
const SOFTWARE_NAME_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const handleApiVersions = handler(ApiVersions, (context, request) => {
  // KafkaApis.handleApiVersionsRequest: a request that is not ApiVersionsRequest.isValid gets
  // INVALID_REQUEST and no API list.
  const valid =
    context.header.apiVersion < 3 ||
    (SOFTWARE_NAME_VERSION.test(request.clientSoftwareName) &&
      SOFTWARE_NAME_VERSION.test(request.clientSoftwareVersion));
  return {
    errorCode: valid ? 0 : KafkaErrors.INVALID_REQUEST.code,
    apiKeys: valid ? context.apiVersions : [],
    throttleTimeMs: 0,
  };
});
