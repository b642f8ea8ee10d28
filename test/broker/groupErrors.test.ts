/**
 * Bad group requests over a real socket get Kafka's error codes, and the group goes on
 * working: a join with no common protocol, stale generations, unknown member ids, a commit
 * from a stranger.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { KafkaErrors as E } from '../../src/errors.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { brokerWithRawClient, RawKafkaClient } from '../helpers/rawKafkaClient.js';

let broker: Broker;
let client: RawKafkaClient;
beforeEach(async () => {
  ({ broker, client } = await brokerWithRawClient(1, { 'offsets.topic.num.partitions': '3' }));
});

afterEach(async () => {
  client.close();
  await broker.close();
});

function call(apiKey: number, apiVersion: number, body: Struct): Promise<Struct> {
  return client.call(apiKey, apiVersion, body);
}

const join = (memberId: string, protocol: string) =>
  call(ApiKey.JoinGroup, 5, {
    groupId: 'g',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: protocol, metadata: Buffer.alloc(0) }],
  });
const heartbeat = (generationId: number, memberId: string) =>
  call(ApiKey.Heartbeat, 3, { groupId: 'g', generationId, memberId, groupInstanceId: null });
const commit = (generationId: number, memberId: string, offset: number) =>
  call(ApiKey.OffsetCommit, 7, {
    groupId: 'g',
    generationIdOrMemberEpoch: generationId,
    memberId,
    groupInstanceId: null,
    topics: [
      {
        name: 't',
        partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }],
      },
    ],
  });
const commitError = async (generationId: number, memberId: string, offset: number) =>
  (((await commit(generationId, memberId, offset)).topics as Struct[])[0]!.partitions as Struct[])[0]!.errorCode;

describe('group errors over the wire', () => {
  it('answers bad group requests with Kafka error codes and keeps the group working', async () => {
    const first = await join('', 'range');
    expect(first.errorCode).toBe(E.MEMBER_ID_REQUIRED.code);
    const memberId = first.memberId as string;
    const joined = await join(memberId, 'range');
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, leader: memberId, protocolName: 'range' });
    const synced = await call(ApiKey.SyncGroup, 3, {
      groupId: 'g',
      generationId: 1,
      memberId,
      groupInstanceId: null,
      assignments: [{ memberId, assignment: Buffer.from([0, 0]) }],
    });
    expect(synced.errorCode).toBe(0);

    const stranger = await join('', 'roundrobin');
    expect((await join(stranger.memberId as string, 'roundrobin')).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL.code);
    expect((await heartbeat(0, memberId)).errorCode).toBe(E.ILLEGAL_GENERATION.code);
    expect((await heartbeat(1, 'nobody')).errorCode).toBe(E.UNKNOWN_MEMBER_ID.code);
    expect(await commitError(1, 'nobody', 5)).toBe(E.UNKNOWN_MEMBER_ID.code);
    expect(await commitError(0, memberId, 5)).toBe(E.ILLEGAL_GENERATION.code);
    expect(await commitError(-1, '', 5)).toBe(E.UNKNOWN_MEMBER_ID.code);

    expect((await heartbeat(1, memberId)).errorCode).toBe(0);
    expect(await commitError(1, memberId, 7)).toBe(0);
    const fetched = await call(ApiKey.OffsetFetch, 5, {
      groupId: 'g',
      topics: [{ name: 't', partitionIndexes: [0] }],
      requireStable: false,
    });
    expect(((fetched.topics as Struct[])[0]!.partitions as Struct[])[0]).toMatchObject({
      committedOffset: 7,
      errorCode: 0,
    });
  });

  /**
   * A lone member of a fresh group, with KIP-394's MEMBER_ID_REQUIRED round trip, then its
   * SyncGroup at once, RUNS times over 4 connections. The SyncGroup clock is the rebalance
   * timeout (Kafka's GroupMetadataManager.schedulePendingSync; expirePendingSync removes
   * the members that have not synced). With a rebalance timeout of 0 Kafka's clock has
   * run out before any SyncGroup can arrive (an expired task runs at once:
   * SystemTimer.addTimerTaskEntry), so every one is UNKNOWN_MEMBER_ID; a setTimeout(0)
   * expiry let about one SyncGroup in five through, at random. With a real timeout,
   * every one is answered.
   */
  const RUNS = 1000;
  async function joinThenSync(rebalanceTimeoutMs: number): Promise<Map<number, number>> {
    const outcomes = new Map<number, number>();
    const clients = await Promise.all(Array.from({ length: 4 }, () => RawKafkaClient.connect(broker.port)));
    await Promise.all(
      clients.map(async (c, n) => {
        for (let i = n; i < RUNS; i += clients.length) {
          const groupId = `fresh-${rebalanceTimeoutMs}-${i}`;
          const body = (memberId: string) => ({
            groupId,
            sessionTimeoutMs: 10_000,
            rebalanceTimeoutMs,
            memberId,
            groupInstanceId: null,
            protocolType: 'consumer',
            protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
          });
          const required = await c.call(ApiKey.JoinGroup, 5, body(''));
          expect(required.errorCode).toBe(E.MEMBER_ID_REQUIRED.code);
          const memberId = required.memberId as string;
          const joined = await c.call(ApiKey.JoinGroup, 5, body(memberId));
          expect(joined).toMatchObject({ errorCode: 0, generationId: 1, leader: memberId, memberId });
          const synced = await c.call(ApiKey.SyncGroup, 3, {
            groupId,
            generationId: 1,
            memberId,
            groupInstanceId: null,
            assignments: [{ memberId, assignment: Buffer.from([0, 0]) }],
          });
          const code = synced.errorCode as number;
          outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
        }
      }),
    );
    for (const c of clients) c.close();
    return outcomes;
  }

  it(`a lone member's SyncGroup right after its join: the same answer ${RUNS} times`, async () => {
    expect(await joinThenSync(0)).toEqual(new Map([[E.UNKNOWN_MEMBER_ID.code, RUNS]]));
    expect(await joinThenSync(10_000)).toEqual(new Map([[0, RUNS]]));
  }, 30_000);
});
