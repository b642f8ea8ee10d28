/**
 * AlterPartition on the controller, as Kafka 3.8's KafkaController.processAlterPartition does
 * it in ZooKeeper mode (tryProcessAlterPartition's checks in their order, the write under the
 * partition epoch, the cache, UpdateMetadata, maybeCompleteReassignment), plus the two checks of
 * KRaft's ReplicationControlManager.validateAlterPartitionData the ZooKeeper controller lacks
 * (the requester is the leader; the ISR is distinct assigned replicas with the leader).
 * ZooKeeper is the in-memory port of helpers/InMemoryControllerZk.ts (this tests the
 * controller's logic; test/controller/AlterPartition.zk.test.ts writes a real ZooKeeper).
 */
import { describe, expect, test } from 'vitest';
import type { UpdateMetadataRequestData } from '../../src/controller/ControlRequests.js';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../src/controller/KafkaController.js';
import { ZERO_UUID } from '../../src/controller/ControllerContext.js';
import { partitionMap } from '../../src/controller/TopicPartition.js';
import { isTributaryError, KafkaErrors } from '../../src/errors.js';
import { broker, ControllerFixture, fourBrokersWithTopic } from './helpers/ControllerFixture.js';

const topicId = Buffer.alloc(16, 7);
const p0 = { topic: 't', partition: 0 };

const cluster = (): Promise<ControllerFixture> => fourBrokersWithTopic(topicId);

interface Proposal {
  brokerId?: number;
  brokerEpoch?: number;
  partition?: number;
  leaderEpoch?: number;
  isr: number[];
  partitionEpoch?: number;
  leaderRecoveryState?: number;
}

type PartitionProposal = Required<Omit<Proposal, 'brokerId' | 'brokerEpoch'>>;

/**
 * An AlterPartition request as the codec decodes one of `version`: fields outside it at their
 * defaults (v0-1 name the topic, v2+ give its id; v0-2 the ISR as ids, v3 with broker epochs).
 */
function requestOf(
  version: number,
  brokerId: number,
  brokerEpoch: number,
  topic: { name: string; id: Buffer },
  partitions: readonly PartitionProposal[],
): AlterPartitionRequest {
  const partitionData = (p: PartitionProposal) => ({
    partitionIndex: p.partition,
    leaderEpoch: p.leaderEpoch,
    newIsr: version < 3 ? p.isr : [],
    newIsrWithEpochs: version < 3 ? [] : p.isr.map((id) => ({ brokerId: id, brokerEpoch: -1 })),
    leaderRecoveryState: p.leaderRecoveryState,
    partitionEpoch: p.partitionEpoch,
  });
  return {
    brokerId,
    brokerEpoch,
    topics: [
      {
        topicName: version < 2 ? topic.name : '',
        topicId: version < 2 ? ZERO_UUID : topic.id,
        partitions: partitions.map(partitionData),
      },
    ],
  };
}

/** The controller's answer to `request`. */
async function answer(
  f: ControllerFixture,
  request: AlterPartitionRequest,
  version: number,
): Promise<AlterPartitionResponse> {
  let answered: AlterPartitionResponse | undefined;
  await f.controller.processAlterPartition(request, version, (response) => (answered = response));
  return answered!;
}

/** One partition of t's AlterPartition at `version`, and the answer. */
function alter(f: ControllerFixture, proposal: Proposal, version = 2): Promise<AlterPartitionResponse> {
  const { brokerId = 1, brokerEpoch = 100 + brokerId } = proposal;
  const partition = { partition: 0, leaderEpoch: 0, partitionEpoch: 0, leaderRecoveryState: 0, ...proposal };
  return answer(f, requestOf(version, brokerId, brokerEpoch, { name: 't', id: topicId }, [partition]), version);
}

/** The one partition's answer. */
const partitionOf = (r: AlterPartitionResponse) => r.topics[0]!.partitions[0]!;
const errorOf = (r: AlterPartitionResponse): number => partitionOf(r).errorCode;

describe('an ISR change accepted', () => {
  test('a shrink is written under the partition epoch, answered with the new epoch, cached and told to every broker', async () => {
    const f = await cluster();
    const response = await alter(f, { isr: [1, 2] });
    expect(response).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [
        {
          topicId,
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              leaderId: 1,
              leaderEpoch: 0,
              isr: [1, 2],
              leaderRecoveryState: 0,
              partitionEpoch: 1,
            },
          ],
        },
      ],
    });
    expect(f.zk.read(p0)!.leaderAndIsr).toMatchObject({ leader: 1, leaderEpoch: 0, isr: [1, 2], partitionEpoch: 1 });
    expect(f.context.partitionLeadershipInfo(p0)!.leaderAndIsr).toMatchObject({ isr: [1, 2], partitionEpoch: 1 });
    const sent = f.take();
    expect(sent.map((r) => `${r.api}:${r.brokerId}`).sort()).toEqual([1, 2, 3, 4].map((id) => `UpdateMetadata:${id}`));
    const state = (sent[0]!.data as UpdateMetadataRequestData).topicStates[0]!.partitionStates[0]!;
    expect(state).toMatchObject({ partitionIndex: 0, leader: 1, isr: [1, 2], zkVersion: 1, replicas: [1, 2, 3] });
  });

  test('v0-1 name the topic; v3 takes the ISR with broker epochs; the same change again answers the state as it is (idempotent)', async () => {
    const f = await cluster();
    const v1 = await alter(f, { isr: [1, 3] }, 1);
    expect(v1.topics[0]!.topicName).toBe('t');
    expect(partitionOf(v1)).toMatchObject({ errorCode: 0, isr: [1, 3], partitionEpoch: 1 });
    // equalsAllowStalePartitionEpoch: a retry at the old partition epoch gets the current state, nothing written.
    const again = await alter(f, { isr: [1, 3], partitionEpoch: 0 }, 3);
    expect(partitionOf(again)).toMatchObject({ errorCode: 0, isr: [1, 3], partitionEpoch: 1 });
    expect(f.zk.read(p0)!.leaderAndIsr.partitionEpoch).toBe(1);
    const expand = await alter(f, { isr: [1, 3, 2], partitionEpoch: 1 }, 3);
    expect(partitionOf(expand)).toMatchObject({ errorCode: 0, isr: [1, 3, 2], partitionEpoch: 2 });
  });

  test('elections then pick from the new ISR: with 1 and 3 in sync, 1 dying elects 3, not 2', async () => {
    const f = await cluster();
    await alter(f, { isr: [1, 3] });
    await f.controller.processBrokerChange([2, 3, 4].map((id) => ({ broker: { id, endpoints: [] }, epoch: 100 + id })));
    expect(f.zk.read(p0)!.leaderAndIsr).toMatchObject({ leader: 3, leaderEpoch: 1, isr: [3] });
  });

  test('an expansion that brings a reassignment’s target into the ISR completes it (maybeCompleteReassignment)', async () => {
    const f = await cluster();
    const target = partitionMap<readonly number[] | null>();
    target.set(p0, [1, 2, 4]);
    await f.reassignment.processApiPartitionReassignment(target);
    // Phase A: 4 adding, 3 removing, the leader epoch bumped.
    expect(f.zk.read(p0)!.leaderAndIsr).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 2, 3] });
    const { partitionEpoch } = f.context.partitionLeadershipInfo(p0)!.leaderAndIsr;
    const response = await alter(f, { leaderEpoch: 1, isr: [1, 2, 3, 4], partitionEpoch });
    expect(partitionOf(response)).toMatchObject({ errorCode: 0, isr: [1, 2, 3, 4] });
    // Phase B: 3 stopped and out of the ISR, the assignment the target.
    expect(f.context.partitionsBeingReassigned.has(p0)).toBe(false);
    expect([...f.context.partitionReplicaAssignment(p0)]).toEqual([1, 2, 4]);
    expect(f.zk.read(p0)!.leaderAndIsr.isr).toEqual([1, 2, 4]);
  });
});

describe('an ISR change refused', () => {
  test('a stale or unknown broker epoch: STALE_BROKER_EPOCH for the whole request', async () => {
    const f = await cluster();
    for (const proposal of [
      { brokerEpoch: 100, isr: [1, 2] },
      { brokerId: 9, isr: [1, 2] },
    ])
      expect(await alter(f, proposal)).toEqual({
        throttleTimeMs: 0,
        errorCode: KafkaErrors.STALE_BROKER_EPOCH.code,
        topics: [],
      });
    expect(f.zk.read(p0)!.leaderAndIsr.isr).toEqual([1, 2, 3]);
    expect(f.take()).toEqual([]);
  });

  test('epochs: an older leader epoch FENCED_LEADER_EPOCH, a newer one or partition epoch NOT_CONTROLLER, an older partition epoch INVALID_UPDATE_VERSION', async () => {
    const f = await cluster();
    await alter(f, { isr: [1, 2] });
    // The controller bumps the leader epoch (a reassignment's A1 does the same); 1 still leads.
    const target = partitionMap<readonly number[] | null>();
    target.set(p0, [1, 2, 3, 4]);
    await f.reassignment.processApiPartitionReassignment(target);
    const { leaderEpoch, partitionEpoch } = f.context.partitionLeadershipInfo(p0)!.leaderAndIsr;
    expect([leaderEpoch, partitionEpoch]).toEqual([1, 2]);
    expect(errorOf(await alter(f, { leaderEpoch: 0, isr: [1], partitionEpoch }))).toBe(
      KafkaErrors.FENCED_LEADER_EPOCH.code,
    );
    expect(errorOf(await alter(f, { leaderEpoch: 2, isr: [1], partitionEpoch }))).toBe(KafkaErrors.NOT_CONTROLLER.code);
    expect(errorOf(await alter(f, { leaderEpoch, isr: [1], partitionEpoch: 3 }))).toBe(KafkaErrors.NOT_CONTROLLER.code);
    expect(errorOf(await alter(f, { leaderEpoch, isr: [1], partitionEpoch: 1 }))).toBe(
      KafkaErrors.INVALID_UPDATE_VERSION.code,
    );
    expect(f.zk.read(p0)!.leaderAndIsr).toMatchObject({ isr: [1, 2], partitionEpoch: 2 });
  });

  test('another writer moved the znode first: BADVERSION is INVALID_UPDATE_VERSION', async () => {
    const f = await cluster();
    f.zk.writeAsOther(p0, { leader: 1, leaderEpoch: 0, isr: [1, 3], leaderRecoveryState: 0 }, 5);
    expect(errorOf(await alter(f, { isr: [1, 2] }))).toBe(KafkaErrors.INVALID_UPDATE_VERSION.code);
    expect(f.zk.read(p0)!.leaderAndIsr.isr).toEqual([1, 3]);
  });

  test('the requester is not the leader, the ISR not the assigned replicas or without the leader: INVALID_REQUEST (KRaft’s checks)', async () => {
    const f = await cluster();
    for (const proposal of [
      { brokerId: 2, isr: [2, 3] },
      { isr: [1, 4] },
      { isr: [1, 2, 2] },
      { isr: [2, 3] },
      // KIP-704: recovering with more than one in the ISR, or recovered becoming recovering.
      { isr: [1, 2], leaderRecoveryState: 1 },
      { isr: [1], leaderRecoveryState: 1 },
    ])
      expect(errorOf(await alter(f, proposal))).toBe(KafkaErrors.INVALID_REQUEST.code);
    expect(f.zk.read(p0)!.leaderAndIsr).toMatchObject({ isr: [1, 2, 3], partitionEpoch: 0 });
  });

  test('an ISR naming a dead or shutting-down replica: INELIGIBLE_REPLICA from v2, OPERATION_NOT_ATTEMPTED before', async () => {
    const f = await cluster();
    await alter(f, { isr: [1, 2] });
    f.context.removeLiveBrokers([3]);
    expect(errorOf(await alter(f, { isr: [1, 2, 3], partitionEpoch: 1 }, 2))).toBe(KafkaErrors.INELIGIBLE_REPLICA.code);
    expect(errorOf(await alter(f, { isr: [1, 2, 3], partitionEpoch: 1 }, 1))).toBe(
      KafkaErrors.OPERATION_NOT_ATTEMPTED.code,
    );
    f.context.addLiveBrokers([{ broker: broker(3), epoch: 103 }]);
    f.context.shuttingDownBrokerIds.add(3);
    expect(errorOf(await alter(f, { isr: [1, 2, 3], partitionEpoch: 1 }, 3))).toBe(KafkaErrors.INELIGIBLE_REPLICA.code);
    // A shrink is taken.
    expect(errorOf(await alter(f, { isr: [1], partitionEpoch: 1 }, 3))).toBe(0);
  });

  test('an unknown partition UNKNOWN_TOPIC_OR_PARTITION; an unknown topic id (v2+) UNKNOWN_TOPIC_ID', async () => {
    const f = await cluster();
    expect(errorOf(await alter(f, { partition: 7, isr: [1] }))).toBe(KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code);
    const unknown = { partition: 0, leaderEpoch: 0, isr: [1], partitionEpoch: 0, leaderRecoveryState: 0 };
    const answered = await answer(f, requestOf(2, 1, 101, { name: '', id: Buffer.alloc(16, 9) }, [unknown]), 2);
    expect(answered.topics).toEqual([
      {
        topicId: Buffer.alloc(16, 9),
        partitions: [
          {
            partitionIndex: 0,
            errorCode: KafkaErrors.UNKNOWN_TOPIC_ID.code,
            leaderId: 0,
            leaderEpoch: 0,
            isr: [],
            partitionEpoch: 0,
          },
        ],
      },
    ]);
  });

  test('a controller whose epoch moved answers UNKNOWN_SERVER_ERROR and throws on, to resign', async () => {
    const f = await cluster();
    f.zk.controllerEpochZkVersion += 1;
    let answered: AlterPartitionResponse | undefined;
    const shrink = { partition: 0, leaderEpoch: 0, isr: [1], partitionEpoch: 0, leaderRecoveryState: 0 };
    const request = requestOf(1, 1, 101, { name: 't', id: topicId }, [shrink]);
    const failure = await f.controller
      .processAlterPartition(request, 1, (r) => (answered = r))
      .catch((e: unknown) => e);
    expect(isTributaryError(failure, 'ERR_STALE_CONTROLLER_EPOCH')).toBe(true);
    expect(answered).toEqual({ throttleTimeMs: 0, errorCode: KafkaErrors.UNKNOWN_SERVER_ERROR.code, topics: [] });
  });
});
