/**
 * Request frames and their reuse (MemoryPool.frames, Connection): a frame is read into again
 * once its request is handled. A Produce's records are views of the frame, copied into the log
 * by then; `bytes` fields are decoded as copies, so a JoinGroup's member metadata, which the
 * group keeps, is not changed by the Produces whose frames reuse the JoinGroup's buffer.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/Broker.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { brokerWithRawClient, producePartition, type RawKafkaClient } from '../helpers/rawKafkaClient.js';

let broker: Broker;
let client: RawKafkaClient;
beforeEach(async () => {
  ({ broker, client } = await brokerWithRawClient(1, {
    'offsets.topic.num.partitions': '1',
    'group.initial.rebalance.delay.ms': '0',
  }));
});

afterEach(async () => {
  client.close();
  await broker.close();
});

/** A batch of `count` random 1 KiB values: a frame large enough to come from the pool. */
const largeBatch = (count: number): Buffer =>
  buildRecordBatch(Array.from({ length: count }, () => ({ value: randomBytes(1024) })));

async function joinAlone(metadata: Buffer): Promise<void> {
  const join = (memberId: string) =>
    client.call(ApiKey.JoinGroup, 5, {
      groupId: 'g',
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata }],
    });
  const first = await join('');
  const memberId = first.memberId as string;
  const joined = await join(memberId);
  expect(joined.errorCode).toBe(0);
  // Stable, once the leader (the only member) has synced: only then does DescribeGroups give members' metadata.
  const synced = await client.call(ApiKey.SyncGroup, 3, {
    groupId: 'g',
    generationId: joined.generationId,
    memberId,
    groupInstanceId: null,
    assignments: [{ memberId, assignment: Buffer.alloc(0) }],
  });
  expect(synced.errorCode).toBe(0);
}

async function describedMetadata(): Promise<Buffer> {
  const described = await client.call(ApiKey.DescribeGroups, 5, { groups: ['g'], includeAuthorizedOperations: false });
  const group = (described.groups as Struct[])[0]!;
  return (group.members as Struct[])[0]!.memberMetadata as Buffer;
}

describe('request frames', () => {
  it('reads each request into the frame the last one handled gave back, leaving what requests kept intact', async () => {
    const metadata = randomBytes(400_000);
    await joinAlone(metadata);
    const frames = broker.memoryPool.frames;
    const taken: ArrayBufferLike[] = [];
    const take = frames.take.bind(frames);
    frames.take = (size: number) => {
      const frame = take(size);
      taken.push(frame.buffer);
      return frame;
    };
    const batches = Array.from({ length: 6 }, () => largeBatch(300));
    for (const batch of batches) expect(await producePartition(client, batch)).toMatchObject({ errorCode: 0 });
    // One buffer served every request after the JoinGroups: each was given back when handled.
    expect(new Set(taken.slice(1)).size).toBe(1);
    expect((await describedMetadata()).equals(metadata)).toBe(true);
    // And what was produced is what the log holds, batch for batch.
    const log = broker.engine.partition('t', 0).read(0, 64 * 1024 * 1024);
    expect(log.records.equals(Buffer.concat(batches.map((b, i) => withBaseOffset(b, i * 300))))).toBe(true);
  });
});

/** `batch` as the log keeps it: base offset assigned (partitionLeaderEpoch 0 as the single node stamps it). */
function withBaseOffset(batch: Buffer, baseOffset: number): Buffer {
  const copy = Buffer.from(batch);
  copy.writeBigInt64BE(BigInt(baseOffset), 0);
  copy.writeInt32BE(0, 12);
  return copy;
}
