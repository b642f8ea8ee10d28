/**
 * The controller's reactions (Kafka's KafkaController: processTopicChange and
 * onNewPartitionCreation, processBrokerChange with onBrokerFailure / onBrokerStartup, the auto
 * leader rebalance, doControlledShutdown, TopicDeletionManager) on a cluster of three
 * brokers and a topic of 6 partitions with replication factor 3, assigned by
 * assignReplicasToBrokers. ZooKeeper is the in-memory port of helpers/InMemoryControllerZk.ts
 * (this tests the controller's logic, not ZooKeeper).
 */
import { describe, expect, test } from 'vitest';
import { assignReplicasToBrokers } from '../../src/controller/AdminUtils.js';
import type { ControlRequest, LeaderAndIsrRequestData } from '../../src/controller/ControlRequests.js';
import { ReplicaAssignment } from '../../src/controller/ReplicaAssignment.js';
import { isTributaryError } from '../../src/errors.js';
import { broker, ControllerFixture } from './helpers/ControllerFixture.js';

const topicId = Buffer.alloc(16, 7);
const partitions = [0, 1, 2, 3, 4, 5].map((partition) => ({ topic: 't', partition }));
const brokerAndEpoch = (id: number, epoch = 100 + id): { broker: ReturnType<typeof broker>; epoch: number } => ({
  broker: broker(id),
  epoch,
});

/** Three live brokers and topic t created through processTopicChange. */
async function clusterWithTopic(): Promise<ControllerFixture> {
  const f = new ControllerFixture([1, 2, 3]);
  const assignment = assignReplicasToBrokers(
    [1, 2, 3].map((id) => ({ id })),
    6,
    3,
    { fixedStartIndex: 0 },
  );
  await f.controller.processTopicChange(new Set(['t']), [
    { topic: 't', topicId, assignment: new Map([...assignment].map(([p, r]) => [p, new ReplicaAssignment(r)])) },
  ]);
  return f;
}

const summary = (sent: ControlRequest[]): string[] => sent.map((r) => `${r.api}:${r.brokerId}`);
const leaderAndIsrTo = (sent: ControlRequest[], brokerId: number): LeaderAndIsrRequestData | undefined =>
  sent.flatMap((r) => (r.api === 'LeaderAndIsr' && r.brokerId === brokerId ? [r.data] : []))[0];
const leaders = (f: ControllerFixture): number[] => partitions.map((tp) => f.zk.read(tp)!.leaderAndIsr.leader);
const isrs = (f: ControllerFixture): number[][] => partitions.map((tp) => [...f.zk.read(tp)!.leaderAndIsr.isr]);

describe('topic creation', () => {
  test('each partition is Online, led by its first replica, the ISR all replicas; LeaderAndIsr (isNew) to each, UpdateMetadata to all', async () => {
    const f = await clusterWithTopic();
    // AdminUtils' round robin from index 0: the second replica shift grows after partition 2.
    expect(partitions.map((tp) => f.context.partitionReplicaAssignment(tp))).toEqual([
      [1, 2, 3],
      [2, 3, 1],
      [3, 1, 2],
      [1, 3, 2],
      [2, 1, 3],
      [3, 2, 1],
    ]);
    expect(partitions.map((tp) => f.context.partitionState(tp))).toEqual(Array(6).fill('OnlinePartition'));
    expect(leaders(f)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(isrs(f)).toEqual(partitions.map((tp) => f.context.partitionReplicaAssignment(tp)));
    const sent = f.take();
    expect(summary(sent).sort()).toEqual([
      'LeaderAndIsr:1',
      'LeaderAndIsr:2',
      'LeaderAndIsr:3',
      'UpdateMetadata:1',
      'UpdateMetadata:2',
      'UpdateMetadata:3',
    ]);
    const toOne = leaderAndIsrTo(sent, 1)!;
    expect(toOne.topicStates).toHaveLength(1);
    expect(toOne.topicStates[0]!.topicId).toEqual(topicId);
    expect(toOne.topicStates[0]!.partitionStates.map((p) => [p.partitionIndex, p.leader, p.isNew])).toEqual(
      partitions.map((tp, i) => [tp.partition, [1, 2, 3, 1, 2, 3][i], true]),
    );
    expect(partitions.map((tp) => f.context.replicaState({ topicPartition: tp, replica: 2 }))).toEqual(
      Array(6).fill('OnlineReplica'),
    );
  });
});

describe('a broker dies and returns', () => {
  test('broker 2 dies: its partitions elect a live ISR member, 2 leaves every ISR; requests to live brokers only', async () => {
    const f = await clusterWithTopic();
    f.take();
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(3)]);
    // p1 [2,3,1] and p4 [2,1,3] elect the first live ISR member in assignment order.
    expect(leaders(f)).toEqual([1, 3, 3, 1, 1, 3]);
    expect(isrs(f)).toEqual([
      [1, 3],
      [3, 1],
      [3, 1],
      [1, 3],
      [1, 3],
      [3, 1],
    ]);
    expect(partitions.map((tp) => f.zk.read(tp)!.leaderAndIsr.leaderEpoch)).toEqual(Array(6).fill(1));
    expect(partitions.map((tp) => f.context.partitionState(tp))).toEqual(Array(6).fill('OnlinePartition'));
    expect(partitions.map((tp) => f.context.replicaState({ topicPartition: tp, replica: 2 }))).toEqual(
      Array(6).fill('OfflineReplica'),
    );
    const sent = f.take();
    expect(sent.filter((r) => r.brokerId === 2)).toEqual([]);
    expect(new Set(summary(sent))).toEqual(
      new Set(['LeaderAndIsr:1', 'LeaderAndIsr:3', 'UpdateMetadata:1', 'UpdateMetadata:3']),
    );
    // The last UpdateMetadata shows every partition with 2 offline and out of the ISR.
    const last = sent.filter((r) => r.api === 'UpdateMetadata' && r.brokerId === 1).at(-1)!;
    const states = last.api === 'UpdateMetadata' ? last.data.topicStates[0]!.partitionStates : [];
    expect(states.map((s) => s.offlineReplicas)).toEqual(Array(states.length).fill([2]));
    expect(last.api === 'UpdateMetadata' && last.data.liveBrokers.map((b) => b.id)).toEqual([1, 3]);
  });

  test('broker 2 returns: the others learn of it, it gets every partition state and LeaderAndIsr for its replicas', async () => {
    const f = await clusterWithTopic();
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(3)]);
    f.take();
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(2, 202), brokerAndEpoch(3)]);
    const sent = f.take();
    expect(summary(sent).slice(0, 3)).toEqual(['UpdateMetadata:1', 'UpdateMetadata:3', 'UpdateMetadata:2']);
    const full = sent[2]!;
    expect(full.api === 'UpdateMetadata' && full.data.topicStates[0]!.partitionStates).toHaveLength(6);
    expect(full.api === 'UpdateMetadata' && full.data.brokerEpoch).toBe(202);
    const toTwo = leaderAndIsrTo(sent, 2)!;
    expect(toTwo.topicStates[0]!.partitionStates.map((p) => p.isNew)).toEqual(Array(6).fill(false));
    expect(toTwo.liveLeaders.map((l) => l.brokerId)).toEqual([1, 3]);
    expect(partitions.map((tp) => f.context.replicaState({ topicPartition: tp, replica: 2 }))).toEqual(
      Array(6).fill('OnlineReplica'),
    );
  });

  test('a broker registered again with a higher epoch bounced: it fails and starts again', async () => {
    const f = await clusterWithTopic();
    f.take();
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(2, 500), brokerAndEpoch(3)]);
    expect(f.context.liveBrokerEpoch(2)).toBe(500);
    expect(leaders(f)).toEqual([1, 3, 3, 1, 1, 3]);
    expect(leaderAndIsrTo(f.take(), 2)?.brokerEpoch).toBe(500);
  });

  test('auto leader rebalance: nothing while the preferred replica is out of the ISR; back to it once in', async () => {
    const f = await clusterWithTopic();
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(3)]);
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(2, 202), brokerAndEpoch(3)]);
    f.take();
    await f.controller.checkAndTriggerAutoLeaderRebalance();
    expect(leaders(f)).toEqual([1, 3, 3, 1, 1, 3]);
    // The leaders of p1 and p4 add 2 back to their ISR (AlterPartition, applied to the state znode and the context).
    for (const tp of [partitions[1]!, partitions[4]!]) {
      const { leaderAndIsr, controllerEpoch } = f.zk.read(tp)!;
      f.zk.writeAsOther(tp, { ...leaderAndIsr, isr: [...leaderAndIsr.isr, 2] }, controllerEpoch);
      f.context.putPartitionLeadershipInfo(tp, f.zk.read(tp)!);
    }
    const outcomes = await f.controller.checkAndTriggerAutoLeaderRebalance();
    expect(outcomes.flatMap((o) => [...o.keys()]).map((tp) => tp.partition)).toEqual([1, 4]);
    expect(leaders(f)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(
      leaderAndIsrTo(f.take(), 2)!.topicStates[0]!.partitionStates.map((p) => [p.partitionIndex, p.leader]),
    ).toEqual([
      [1, 2],
      [4, 2],
    ]);
  });

  test('ElectLeaders (PREFERRED, admin): a preferred replica out of the ISR fails with the strategy named', async () => {
    const f = await clusterWithTopic();
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(3)]);
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(2, 202), brokerAndEpoch(3)]);
    const outcomes = await f.controller.onReplicaElection([partitions[1]!], 'PREFERRED', 'AdminClientTriggered');
    expect(outcomes.get(partitions[1]!)).toMatchObject({
      error: {
        message:
          'Failed to elect leader for partition t-1 under strategy PreferredReplicaPartitionLeaderElectionStrategy',
      },
    });
  });
});

describe('ElectLeaders (KafkaController.processReplicaLeaderElection, AdminClientTriggered)', () => {
  /** Broker 2 bounced: p1 and p4 led by others, 2 out of their ISR until `rejoin` puts it back. */
  async function bounced(rejoin: boolean): Promise<ControllerFixture> {
    const f = await clusterWithTopic();
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(3)]);
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(2, 202), brokerAndEpoch(3)]);
    if (rejoin)
      for (const tp of [partitions[1]!, partitions[4]!]) {
        const { leaderAndIsr, controllerEpoch } = f.zk.read(tp)!;
        f.zk.writeAsOther(tp, { ...leaderAndIsr, isr: [...leaderAndIsr.isr, 2] }, controllerEpoch);
        f.context.putPartitionLeadershipInfo(tp, f.zk.read(tp)!);
      }
    f.take();
    return f;
  }

  test('preferred: p1 back to 2, p0 ELECTION_NOT_NEEDED, an unknown partition UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const f = await bounced(true);
    const unknown = { topic: 't', partition: 9 };
    const results = await f.controller.electLeaders([partitions[1]!, partitions[0]!, unknown], 'PREFERRED');
    expect(results.get(partitions[1]!)).toEqual({ leader: 2 });
    expect(results.get(partitions[0]!)).toEqual({ error: 'ELECTION_NOT_NEEDED', message: null });
    expect(results.get(unknown)).toEqual({
      error: 'UNKNOWN_TOPIC_OR_PARTITION',
      message: 'The partition does not exist.',
    });
    expect(leaders(f)).toEqual([1, 2, 3, 1, 1, 3]);
    expect(
      leaderAndIsrTo(f.take(), 2)!.topicStates[0]!.partitionStates.map((p) => [p.partitionIndex, p.leader]),
    ).toEqual([[1, 2]]);
  });

  test('preferred with the preferred replica out of the ISR: PREFERRED_LEADER_NOT_AVAILABLE with the state machine message', async () => {
    const f = await bounced(false);
    const results = await f.controller.electLeaders([partitions[4]!], 'PREFERRED');
    expect(results.get(partitions[4]!)).toEqual({
      error: 'PREFERRED_LEADER_NOT_AVAILABLE',
      message:
        'Failed to elect leader for partition t-4 under strategy PreferredReplicaPartitionLeaderElectionStrategy',
    });
    expect(leaders(f)).toEqual([1, 3, 3, 1, 1, 3]);
  });

  test('unclean: a partition with a live leader needs none; a topic being deleted is INVALID_TOPIC_EXCEPTION', async () => {
    const f = await bounced(false);
    f.context.queueTopicDeletion(['t']);
    const results = await f.controller.electLeaders([partitions[0]!], 'UNCLEAN');
    expect(results.get(partitions[0]!)).toEqual({
      error: 'INVALID_TOPIC_EXCEPTION',
      message: 'The topic is being deleted',
    });
    f.context.topicsToBeDeleted.clear();
    expect((await f.controller.electLeaders([partitions[0]!], 'UNCLEAN')).get(partitions[0]!)).toEqual({
      error: 'ELECTION_NOT_NEEDED',
      message: null,
    });
  });
});

describe('controlled shutdown', () => {
  test('the partitions broker 1 leads move; it leaves the ISRs of those it follows; none is left to it', async () => {
    const f = await clusterWithTopic();
    f.take();
    const stillLed = await f.controller.doControlledShutdown(1, 101);
    expect(stillLed).toEqual([]);
    expect(leaders(f)).toEqual([2, 2, 3, 3, 2, 3]);
    expect(isrs(f).every((isr) => !isr.includes(1))).toBe(true);
    const sent = f.take();
    // The shutting down broker still hears: LeaderAndIsr for the partitions it led, StopReplica for those it follows.
    expect(summary(sent)).toContain('StopReplica:1');
    expect(leaderAndIsrTo(sent, 1)!.topicStates[0]!.partitionStates.map((p) => p.partitionIndex)).toEqual([0, 3]);
  });

  test('an older broker epoch is STALE_BROKER_EPOCH, an unknown broker BROKER_NOT_AVAILABLE', async () => {
    const f = await clusterWithTopic();
    await expect(f.controller.doControlledShutdown(1, 100)).rejects.toSatisfy(
      (e: unknown) =>
        isTributaryError(e, 'ERR_STALE_BROKER_EPOCH') &&
        e.message ===
          'Received controlled shutdown request from an old broker epoch 100 for broker 1. Current broker epoch is 101.',
    );
    await expect(f.controller.doControlledShutdown(9, -1)).rejects.toSatisfy((e: unknown) =>
      isTributaryError(e, 'ERR_BROKER_NOT_AVAILABLE'),
    );
  });
});

describe('topic deletion (TopicDeletionManager)', () => {
  test('partitions NonExistent, brokers told leader -2, replicas stopped and deleted; the topic forgotten once all answer', async () => {
    const f = await clusterWithTopic();
    f.take();
    await f.deletion.enqueueTopicsForDeletion(new Set(['t']));
    expect(partitions.map((tp) => f.context.partitionState(tp))).toEqual(Array(6).fill('NonExistentPartition'));
    const sent = f.take();
    const metadata = sent.find((r) => r.api === 'UpdateMetadata' && r.brokerId === 3)!;
    expect(
      metadata.api === 'UpdateMetadata' && metadata.data.topicStates[0]!.partitionStates.map((p) => p.leader),
    ).toEqual(Array(6).fill(-2));
    const deletes = sent.flatMap((r) =>
      r.api === 'StopReplica'
        ? r.data.topicStates[0]!.partitionStates.filter((p) => p.deletePartition).map((p) => [
            r.brokerId,
            p.leaderEpoch,
          ])
        : [],
    );
    expect(deletes).toHaveLength(18);
    expect(new Set(deletes.map(([, epoch]) => epoch))).toEqual(new Set([-2]));
    expect(f.deletedTopics).toEqual([]);
    // Every broker answers its StopReplica without error.
    await f.deletion.completeReplicaDeletion(f.context.replicasForTopic('t'));
    expect(f.deletedTopics).toEqual(['t']);
    expect(f.context.allTopics.has('t')).toBe(false);
    expect(f.context.partitionsForTopic('t')).toEqual([]);
  });

  test('a replica on a dead broker halts the deletion; it resumes when the broker returns', async () => {
    const f = await clusterWithTopic();
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(3)]);
    await f.deletion.enqueueTopicsForDeletion(new Set(['t']));
    expect(f.context.topicsIneligibleForDeletion.has('t')).toBe(true);
    expect(f.context.replicasInState('t', 'ReplicaDeletionIneligible').map((r) => r.replica)).toEqual(Array(6).fill(2));
    await f.deletion.completeReplicaDeletion(f.context.replicasInState('t', 'ReplicaDeletionStarted'));
    expect(f.deletedTopics).toEqual([]);
    f.take();
    await f.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(2, 202), brokerAndEpoch(3)]);
    const toTwo = f.take().filter((r) => r.api === 'StopReplica' && r.brokerId === 2);
    expect(toTwo.length).toBeGreaterThan(0);
    await f.deletion.completeReplicaDeletion(f.context.replicasInState('t', 'ReplicaDeletionStarted'));
    expect(f.deletedTopics).toEqual(['t']);
  });
});

describe('controller failover (onControllerFailover)', () => {
  test('a new controller reads the cluster, elects for the dead broker, resumes a deletion; the old one is fenced', async () => {
    const old = await clusterWithTopic();
    // Broker 2 dies while no controller acts; another broker wins /controller with epoch 6 (/controller_epoch version 1).
    old.zk.controllerEpochZkVersion = 1;
    await expect(old.controller.processBrokerChange([brokerAndEpoch(1), brokerAndEpoch(3)])).rejects.toSatisfy(
      (e: unknown) => isTributaryError(e, 'ERR_STALE_CONTROLLER_EPOCH'),
    );
    expect(leaders(old)).toEqual([1, 2, 3, 1, 2, 3]);

    const f = new ControllerFixture([]);
    for (const tp of partitions) f.zk.writeAsOther(tp, old.zk.read(tp)!.leaderAndIsr, 5);
    f.zk.controllerEpochZkVersion = 1;
    const assignment = new Map(partitions.map((tp) => [tp.partition, old.context.partitionFullReplicaAssignment(tp)]));
    const d0 = { topic: 'd', partition: 0 };
    f.zk.writeAsOther(d0, { leader: 1, leaderEpoch: 0, isr: [1, 3], leaderRecoveryState: 0 }, 5);
    await f.controller.onControllerFailover({
      epoch: 6,
      epochZkVersion: 1,
      brokers: [brokerAndEpoch(1), brokerAndEpoch(3)],
      topics: [
        { topic: 't', topicId, assignment },
        { topic: 'd', topicId: undefined, assignment: new Map([[0, new ReplicaAssignment([1, 3])]]) },
      ],
      topicsToBeDeleted: new Set(['d']),
    });
    expect(leaders(f)).toEqual([1, 3, 3, 1, 1, 3]);
    expect(isrs(f).every((isr) => !isr.includes(2))).toBe(true);
    expect(partitions.map((tp) => f.zk.read(tp)!.controllerEpoch)).toEqual(Array(6).fill(6));
    const sent = f.take();
    expect(summary(sent).slice(0, 2)).toEqual(['UpdateMetadata:1', 'UpdateMetadata:3']);
    expect(sent.every((r) => r.data.controllerEpoch === 6)).toBe(true);
    const deletes = sent.flatMap((r) =>
      r.api === 'StopReplica' &&
      r.data.topicStates[0]!.topicName === 'd' &&
      r.data.topicStates[0]!.partitionStates[0]!.deletePartition
        ? [r.brokerId]
        : [],
    );
    expect(deletes.sort()).toEqual([1, 3]);
    expect(f.context.replicasInState('d', 'ReplicaDeletionStarted')).toHaveLength(2);
  });
});
