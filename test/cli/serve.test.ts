/**
 * `tributary serve` as a real process (the built dist/cli/main.js): it says where it
 * listens, serves a real client, stops cleanly on SIGTERM, and a second broker on the
 * same data directory fails with a clear message.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serve, tributary } from '../helpers/cli.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

describe('tributary serve', () => {
  it('serves a Kafka client, refuses a second broker on the same data dir, and stops on SIGTERM', async () => {
    const dataDir = tempDir();
    const broker = await serve(dataDir);
    const admin = kafkaClient(broker.port).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'cli', numPartitions: 2 }] });
    await admin.disconnect();

    const second = await tributary(['serve', '--data-dir', dataDir, '--port', '0']).exit;
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`data directory is locked by process ${broker.child.pid}`));

    broker.child.kill('SIGTERM');
    const stopped = await broker.exit;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/stopping \(SIGTERM\)\ntributary broker stopped/);
    expect(existsSync(join(dataDir, '.kafka_cleanshutdown'))).toBe(true);
    expect(existsSync(join(dataDir, 'cli-1'))).toBe(true);
  });

  it('explains its options with --help and refuses bad ones with a one-line error', async () => {
    const help = await tributary(['serve', '--help']).exit;
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--data-dir DIR/);
    const missing = await tributary(['serve']).exit;
    expect(missing).toMatchObject({ code: 2, stderr: 'tributary: serve needs --data-dir DIR\n' });
    const badPort = await tributary(['serve', '--data-dir', tempDir(), '--port', 'x']).exit;
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port must be an integer/);
    const unknown = await tributary(['nonsense']).exit;
    expect(unknown).toMatchObject({ code: 2, stderr: "tributary: unknown command 'nonsense'\n" });
  });
});
