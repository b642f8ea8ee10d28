/** Helpers of the cluster tests: three broker processes, polling until a condition holds, one raw request to a broker. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Struct } from '../../src/protocol/index.js';
import { serve, type ServedBroker } from './cli.js';
import { RawKafkaClient } from './rawKafkaClient.js';

/**
 * `tributary serve --zookeeper connect` as brokers 1, 2 and 3 on loopback, with data
 * directories under `dir` and `settings` (server.properties lines) as their --config. The
 * CLI helper kills them after the test that started them: start them in beforeAll and test
 * in one test.
 */
export async function serveThreeBrokers(
  dir: string,
  connect: string,
  settings: readonly string[],
): Promise<Map<number, ServedBroker>> {
  const config = join(dir, 'server.properties');
  writeFileSync(config, [...settings, ''].join('\n'));
  const started = await Promise.all(
    [1, 2, 3].map((id) =>
      serve(join(dir, `data-${id}`), [
        '--zookeeper',
        connect,
        '--node-id',
        String(id),
        '--host',
        '127.0.0.1',
        '--config',
        config,
      ]),
    ),
  );
  return new Map(started.map((b, i) => [i + 1, b]));
}

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
