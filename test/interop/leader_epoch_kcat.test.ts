/**
 * Leader epochs with librdkafka 2.0.2 (kcat 1.7.1) on the single node: kcat learns from
 * ApiVersions that OffsetForLeaderEpoch v0-4 is served and still produces and consumes as
 * before (a plain consume of 2.0.2 sends no OffsetForLeaderEpoch: `-d all` shows none; its
 * position validation, KIP-320, is wider from 2.1); what it produced is stored stamped with
 * the single node's leader epoch 0, which OffsetForLeaderEpoch then answers as ending at
 * the log end.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';
import { runProcess } from './clients/process.js';

let broker: Broker;

beforeEach(async () => {
  broker = await Broker.start({ dataDir: tempDir(), port: 0, logger: createLogger('silent') });
  broker.engine.createTopic('t', { partitions: 1 });
});

afterEach(async () => {
  await broker.close();
});

it('kcat sees OffsetForLeaderEpoch v0-4, produces and consumes; its batches carry epoch 0, which ends at the log end', async () => {
  const bootstrap = `127.0.0.1:${broker.port}`;
  await runProcess('kcat', ['-P', '-b', bootstrap, '-t', 't', '-p', '0'], { input: 'a\nb\nc\n' });
  const consumed = await runProcess('kcat', [
    '-C',
    '-b',
    bootstrap,
    '-t',
    't',
    '-p',
    '0',
    '-o',
    '0',
    '-e',
    '-d',
    'feature',
  ]);
  expect(consumed.stdout.toString().trim().split('\n')).toEqual(['a', 'b', 'c']);
  expect(consumed.stderr).toMatch(/ApiKey OffsetForLeaderEpoch \(23\) Versions 0\.\.4/);

  const stored = broker.engine.partition('t', 0).read(0, 1 << 20).records;
  expect(RecordBatch.from(stored).partitionLeaderEpoch).toBe(0);
  const client = await RawKafkaClient.connect(broker.port);
  const body = await client.call(ApiKey.OffsetForLeaderEpoch, 2, {
    topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] }],
  });
  client.close();
  expect((body.topics as Struct[])[0]!.partitions).toEqual([
    { errorCode: 0, partition: 0, leaderEpoch: 0, endOffset: 3 },
  ]);
});
