/**
 * The request batch against Kafka's ControllerChannelManagerTest (core/src/test/scala/unit/
 * kafka/controller): who gets LeaderAndIsr, UpdateMetadata and StopReplica, with which
 * epochs, and the sentinels of a topic being deleted.
 */
import { describe, expect, test } from 'vitest';
import type {
  ControlRequest,
  LeaderAndIsrRequestData,
  UpdateMetadataRequestData,
} from '../../src/controller/ControlRequests.js';
import { initialLeaderAndIsr } from '../../src/controller/LeaderIsrAndControllerEpoch.js';
import { ReplicaAssignment } from '../../src/controller/ReplicaAssignment.js';
import { isTributaryError } from '../../src/errors.js';
import { CONTROLLER_ID, ControllerFixture } from './helpers/ControllerFixture.js';

const controllerEpoch = 5;

/** ControllerChannelManagerTest.initContext: brokers 1-3, topics foo and bar with ids. */
function fixture(): ControllerFixture {
  const f = new ControllerFixture([1, 2, 3], controllerEpoch);
  for (const [i, topic] of ['foo', 'bar'].entries()) {
    f.addTopic(topic, { 0: [1, 2, 3], 1: [1, 2, 3] });
    f.context.addTopicId(topic, Buffer.alloc(16, i + 1));
  }
  return f;
}

const leaderAndIsrFor = (sent: ControlRequest[], brokerId: number): LeaderAndIsrRequestData[] =>
  sent.flatMap((r) => (r.api === 'LeaderAndIsr' && r.brokerId === brokerId ? [r.data] : []));
const updateMetadataFor = (sent: ControlRequest[], brokerId: number): UpdateMetadataRequestData[] =>
  sent.flatMap((r) => (r.api === 'UpdateMetadata' && r.brokerId === brokerId ? [r.data] : []));

describe('LeaderAndIsr', () => {
  test('testLeaderAndIsrRequestSent: one request per broker, states grouped by topic with its id, v7 fields', () => {
    const f = fixture();
    const partitions = [
      [{ topic: 'foo', partition: 0 }, initialLeaderAndIsr(1, [1, 2])],
      [{ topic: 'foo', partition: 1 }, initialLeaderAndIsr(2, [2, 3])],
      [{ topic: 'bar', partition: 1 }, initialLeaderAndIsr(3, [1, 3])],
    ] as const;
    f.batch.newBatch();
    for (const [tp, leaderAndIsr] of partitions) {
      const state = { leaderAndIsr, controllerEpoch };
      f.context.putPartitionLeadershipInfo(tp, state);
      f.batch.addLeaderAndIsrRequestForBrokers([2], tp, state, new ReplicaAssignment([1, 2, 3]), false);
    }
    f.batch.sendRequestsToBrokers(controllerEpoch);
    const [request, ...more] = leaderAndIsrFor(f.sent, 2);
    expect(more).toEqual([]);
    expect(updateMetadataFor(f.sent, 2)).toHaveLength(1);
    expect(request).toMatchObject({
      controllerId: CONTROLLER_ID,
      isKRaftController: false,
      controllerEpoch,
      brokerEpoch: 102,
      type: 0,
    });
    expect(
      request!.topicStates.map((t) => [
        t.topicName,
        t.topicId?.[0],
        t.partitionStates.map((p) => [p.partitionIndex, p.leader, p.isr]),
      ]),
    ).toEqual([
      [
        'foo',
        1,
        [
          [0, 1, [1, 2]],
          [1, 2, [2, 3]],
        ],
      ],
      ['bar', 2, [[1, 3, [1, 3]]]],
    ]);
    // LiveLeaders: the leaders named, at their inter-broker endpoint.
    expect(request!.liveLeaders).toEqual([
      { brokerId: 1, hostName: 'host1', port: 9091 },
      { brokerId: 2, hostName: 'host2', port: 9092 },
      { brokerId: 3, hostName: 'host3', port: 9093 },
    ]);
  });

  test('testLeaderAndIsrRequestIsNew: isNew once set in a batch stays set', () => {
    const f = fixture();
    const tp = { topic: 'foo', partition: 0 };
    const state = { leaderAndIsr: initialLeaderAndIsr(1, [1, 2]), controllerEpoch };
    f.context.putPartitionLeadershipInfo(tp, state);
    f.batch.newBatch();
    f.batch.addLeaderAndIsrRequestForBrokers([2], tp, state, new ReplicaAssignment([1, 2, 3]), true);
    f.batch.addLeaderAndIsrRequestForBrokers([2], tp, state, new ReplicaAssignment([1, 2, 3]), false);
    f.batch.sendRequestsToBrokers(controllerEpoch);
    expect(leaderAndIsrFor(f.sent, 2)[0]!.topicStates[0]!.partitionStates.map((p) => p.isNew)).toEqual([true]);
  });

  test('testLeaderAndIsrRequestSentToLiveOrShuttingDownBrokers: a dead broker gets nothing', () => {
    const f = fixture();
    f.context.shuttingDownBrokerIds.add(2);
    f.context.removeLiveBrokers([3]);
    const tp = { topic: 'foo', partition: 0 };
    const state = { leaderAndIsr: initialLeaderAndIsr(1, [1, 2]), controllerEpoch };
    f.context.putPartitionLeadershipInfo(tp, state);
    f.batch.newBatch();
    f.batch.addLeaderAndIsrRequestForBrokers([1, 2, 3], tp, state, new ReplicaAssignment([1, 2, 3]), false);
    f.batch.sendRequestsToBrokers(controllerEpoch);
    expect(f.sent.map((r) => `${r.api}:${r.brokerId}`).sort()).toEqual([
      'LeaderAndIsr:1',
      'LeaderAndIsr:2',
      'UpdateMetadata:1',
      'UpdateMetadata:2',
    ]);
  });

  test('newBatch refuses to start over a batch not sent (the state changes would be lost)', () => {
    const f = fixture();
    f.batch.addUpdateMetadataRequestForBrokers([1]);
    let error: unknown;
    try {
      f.batch.newBatch();
    } catch (e) {
      error = e;
    }
    expect(isTributaryError(error, 'ERR_CONTROLLER_ILLEGAL_STATE')).toBe(true);
  });
});

describe('UpdateMetadata', () => {
  test('testUpdateMetadataRequestSent: every partition state, the live brokers with endpoints, offline replicas', () => {
    const f = fixture();
    f.context.removeLiveBrokers([3]);
    const foo0 = { topic: 'foo', partition: 0 };
    f.context.putPartitionLeadershipInfo(foo0, { leaderAndIsr: initialLeaderAndIsr(2, [1, 2]), controllerEpoch: 4 });
    f.batch.newBatch();
    f.batch.addUpdateMetadataRequestForBrokers([1, 2, 3], [foo0, { topic: 'bar', partition: 0 }]);
    f.batch.sendRequestsToBrokers(controllerEpoch);
    // testUpdateMetadataDoesNotIncludePartitionsWithoutLeaderAndIsr: bar-0 has no leadership, so it is left out.
    expect(f.sent.map((r) => `${r.api}:${r.brokerId}`)).toEqual(['UpdateMetadata:1', 'UpdateMetadata:2']);
    const request = updateMetadataFor(f.sent, 1)[0]!;
    expect(request).toMatchObject({ controllerEpoch, brokerEpoch: 101, type: 0 });
    expect(request.topicStates).toEqual([
      {
        topicName: 'foo',
        topicId: Buffer.alloc(16, 1),
        partitionStates: [
          {
            partitionIndex: 0,
            controllerEpoch: 4,
            leader: 2,
            leaderEpoch: 0,
            isr: [1, 2],
            zkVersion: 0,
            replicas: [1, 2, 3],
            offlineReplicas: [3],
          },
        ],
      },
    ]);
    expect(request.liveBrokers).toEqual(
      [1, 2].map((id) => ({
        id,
        endpoints: [{ port: 9090 + id, host: `host${id}`, listener: 'PLAINTEXT', securityProtocol: 0 }],
        rack: null,
      })),
    );
  });

  test('testUpdateMetadataRequestDuringTopicDeletion: leader -2 (LeaderDuringDelete), epoch 0, ISR kept', () => {
    const f = fixture();
    const foo0 = { topic: 'foo', partition: 0 };
    f.context.putPartitionLeadershipInfo(foo0, {
      leaderAndIsr: { ...initialLeaderAndIsr(1, [1, 2]), leaderEpoch: 6 },
      controllerEpoch,
    });
    f.context.queueTopicDeletion(['foo']);
    f.batch.newBatch();
    f.batch.addUpdateMetadataRequestForBrokers([1], [foo0]);
    f.batch.sendRequestsToBrokers(controllerEpoch);
    expect(updateMetadataFor(f.sent, 1)[0]!.topicStates[0]!.partitionStates[0]).toMatchObject({
      leader: -2,
      leaderEpoch: 0,
      isr: [1, 2],
    });
  });

  test('testUpdateMetadataIncludesLiveOrShuttingDownBrokers', () => {
    const f = fixture();
    f.context.shuttingDownBrokerIds.add(2);
    f.batch.newBatch();
    f.batch.addUpdateMetadataRequestForBrokers([1, 2, 3]);
    f.batch.sendRequestsToBrokers(controllerEpoch);
    expect(updateMetadataFor(f.sent, 1)[0]!.liveBrokers.map((b) => b.id)).toEqual([1, 2, 3]);
  });
});

describe('StopReplica', () => {
  const stopReplicaStates = (sent: ControlRequest[]): unknown[] =>
    sent.flatMap((r) =>
      r.api === 'StopReplica'
        ? [
            {
              brokerId: r.brokerId,
              version: r.version,
              topics: r.data.topicStates.map((t) => [t.topicName, t.partitionStates]),
            },
          ]
        : [],
    );

  test('testStopReplicaRequestSent, testMixedDeleteAndNotDeleteStopReplicaRequests: v4, one request per broker with per-partition delete and leader epoch', () => {
    const f = fixture();
    f.context.putPartitionLeadershipInfo(
      { topic: 'foo', partition: 0 },
      { leaderAndIsr: { ...initialLeaderAndIsr(1, [1]), leaderEpoch: 3 }, controllerEpoch },
    );
    f.batch.newBatch();
    f.batch.addStopReplicaRequestForBrokers([2], { topic: 'foo', partition: 0 }, false);
    f.batch.addStopReplicaRequestForBrokers([2], { topic: 'foo', partition: 1 }, true);
    f.batch.sendRequestsToBrokers(controllerEpoch);
    expect(stopReplicaStates(f.sent)).toEqual([
      {
        brokerId: 2,
        version: 4,
        topics: [
          [
            'foo',
            [
              { partitionIndex: 0, leaderEpoch: 3, deletePartition: false },
              { partitionIndex: 1, leaderEpoch: -1, deletePartition: true },
            ],
          ],
        ],
      },
    ]);
  });

  test('testStopReplicaRequestWithAlreadyDefinedDeletedPartition, ...WhileTopicQueuedForDeletion: delete sticks, epoch -2', () => {
    const f = fixture();
    const tp = { topic: 'foo', partition: 0 };
    f.context.putPartitionLeadershipInfo(tp, { leaderAndIsr: initialLeaderAndIsr(1, [1]), controllerEpoch });
    f.context.queueTopicDeletion(['foo']);
    f.batch.newBatch();
    f.batch.addStopReplicaRequestForBrokers([2], tp, true);
    f.batch.addStopReplicaRequestForBrokers([2], tp, false);
    f.batch.sendRequestsToBrokers(controllerEpoch);
    expect(stopReplicaStates(f.sent)).toEqual([
      { brokerId: 2, version: 4, topics: [['foo', [{ partitionIndex: 0, leaderEpoch: -2, deletePartition: true }]]] },
    ]);
  });

  test('testStopReplicaSentOnlyToLiveAndShuttingDownBrokers', () => {
    const f = fixture();
    f.context.shuttingDownBrokerIds.add(2);
    f.context.removeLiveBrokers([3]);
    f.batch.newBatch();
    f.batch.addStopReplicaRequestForBrokers([1, 2, 3], { topic: 'foo', partition: 0 }, false);
    f.batch.sendRequestsToBrokers(controllerEpoch);
    expect(f.sent.map((r) => r.brokerId)).toEqual([1, 2]);
  });
});
