/**
 * OffsetForLeaderEpoch (key 23) on the single node, over a socket, as Kafka's
 * KafkaApis.handleOffsetForLeaderEpochRequest, ReplicaManager.lastOffsetForLeaderEpoch and
 * Partition.lastOffsetForLeaderEpoch answer it: the single node leads every partition in
 * epoch 0 and stamps its appends with it, so epoch 0 ends at the log end; an epoch the
 * cache does not hold is -1/-1 (LeaderEpochFileCache.endOffsetFor); the current leader
 * epoch fences (Partition.checkCurrentLeaderEpoch: older FENCED_LEADER_EPOCH, newer
 * UNKNOWN_LEADER_EPOCH, -1 not checked).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../../src/broker/Broker.js';
import { KafkaErrors } from '../../../src/errors.js';
import { ApiKey, type Struct } from '../../../src/protocol/index.js';
import { RecordBatch } from '../../../src/record/RecordBatch.js';
import { sampleBatch } from '../../helpers/batches.js';
import { brokerWithRawClient, producePartition, type RawKafkaClient } from '../../helpers/rawKafkaClient.js';

let broker: Broker;
let client: RawKafkaClient;

beforeEach(async () => {
  ({ broker, client } = await brokerWithRawClient(2));
});

afterEach(async () => {
  client.close();
  await broker.close();
});

/** One OffsetForLeaderEpoch of topic 't' at `version`: each partition's answer. */
async function lastOffsets(
  version: number,
  partitions: { partition: number; leaderEpoch: number; currentLeaderEpoch?: number }[],
  replicaId = -1,
): Promise<Struct[]> {
  const body = await client.call(ApiKey.OffsetForLeaderEpoch, version, {
    replicaId,
    topics: [{ topic: 't', partitions: partitions.map((p) => ({ currentLeaderEpoch: -1, ...p })) }],
  });
  return (body.topics as Struct[])[0]!.partitions as Struct[];
}

describe('OffsetForLeaderEpoch on the single node', () => {
  it('answers epoch 0 with the log end, at every version, to a consumer and to a broker id; the appended batches carry epoch 0', async () => {
    await producePartition(client, sampleBatch(1, 3));
    await producePartition(client, sampleBatch(2, 4));
    const read = broker.engine.partition('t', 0).read(0, 1 << 20);
    expect(RecordBatch.from(read.records).partitionLeaderEpoch).toBe(0);
    for (let version = 0; version <= 4; version++) {
      for (const replicaId of [-1, 2]) {
        const [answer] = await lastOffsets(version, [{ partition: 0, leaderEpoch: 0 }], replicaId);
        // v0 has no leaderEpoch in the response: it decodes as its default, -1.
        expect(answer, `v${version}`).toEqual({
          errorCode: 0,
          partition: 0,
          leaderEpoch: version >= 1 ? 0 : -1,
          endOffset: 7,
        });
      }
    }
  });

  it('an epoch the log does not hold is -1/-1: a newer one, or any on a partition never written', async () => {
    await producePartition(client, sampleBatch(1, 3));
    expect(
      await lastOffsets(4, [
        { partition: 0, leaderEpoch: 3 },
        { partition: 1, leaderEpoch: 0 },
        { partition: 0, leaderEpoch: -1 },
      ]),
    ).toEqual([
      { errorCode: 0, partition: 0, leaderEpoch: -1, endOffset: -1 },
      { errorCode: 0, partition: 1, leaderEpoch: -1, endOffset: -1 },
      { errorCode: 0, partition: 0, leaderEpoch: -1, endOffset: -1 },
    ]);
  });

  it('fences by the current leader epoch (v2+), and an unknown partition is UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await producePartition(client, sampleBatch(1, 3));
    const answers = await lastOffsets(3, [
      { partition: 0, leaderEpoch: 0, currentLeaderEpoch: 0 },
      { partition: 0, leaderEpoch: 0, currentLeaderEpoch: 1 },
      { partition: 0, leaderEpoch: 0, currentLeaderEpoch: -2 },
      { partition: 9, leaderEpoch: 0 },
    ]);
    expect(answers.map((a) => a.errorCode)).toEqual([
      0,
      KafkaErrors.UNKNOWN_LEADER_EPOCH.code,
      KafkaErrors.FENCED_LEADER_EPOCH.code,
      KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code,
    ]);
    expect(answers[1]).toMatchObject({ leaderEpoch: -1, endOffset: -1 });
    // v0-1 carry no current epoch: nothing to fence.
    expect((await lastOffsets(1, [{ partition: 0, leaderEpoch: 0, currentLeaderEpoch: 5 }]))[0]).toMatchObject({
      errorCode: 0,
      endOffset: 3,
    });
  });
});
