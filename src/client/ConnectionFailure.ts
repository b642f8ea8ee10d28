/**
 * Whether a request failed with its connection (Kafka's NetworkClient on a disconnect: the
 * request fails, the node is marked and metadata is asked again) rather than with an answer:
 * the connection closed, refused, reset or timed out, as BrokerConnection reports it (a
 * TributaryError with that code, or the socket's own Node error with its errno code).
 */
const CONNECTION_FAILURES: readonly string[] = [
  'ERR_CONNECTION_CLOSED',
  'ERR_CONNECTION_FAILED',
  'ERR_REQUEST_TIMED_OUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
];

export function isConnectionFailure(error: unknown): boolean {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code !== undefined && CONNECTION_FAILURES.includes(code);
}
