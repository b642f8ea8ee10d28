/** Helpers of the cluster tests: polling until a condition holds, one raw request to a broker. */
import type { Struct } from '../../src/protocol/index.js';
import { RawKafkaClient } from './rawKafkaClient.js';

/**
 * `read()` again every 100 ms until `ok` holds of its value; fails past `timeoutMs`. A failed
 * read counts as not yet and is not handed to `ok` (which would take an error for a value).
 */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await read().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if ('value' in last && ok(last.value)) return last.value;
    if (Date.now() > deadline)
      throw new Error(`not reached in time: ${'value' in last ? JSON.stringify(last.value) : String(last.error)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One request on a fresh connection to 127.0.0.1:port, and its response body. */
export async function request(port: number, apiKey: number, version: number, body: Struct): Promise<Struct> {
  const client = await RawKafkaClient.connect(port);
  try {
    return await client.call(apiKey, version, body);
  } finally {
    client.close();
  }
}
