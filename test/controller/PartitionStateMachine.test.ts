/**
 * The partition state machine against Kafka's PartitionStateMachineTest (core/src/test/
 * scala/unit/kafka/controller): valid and invalid transitions, the state znodes written,
 * the requests queued, and ZooKeeper's failures. ZooKeeper is the in-memory port of
 * helpers/InMemoryControllerZk.ts (this tests the state machine's logic, not ZooKeeper).
 */
import { describe, expect, test } from 'vitest';
import type { PartitionState } from '../../src/controller/PartitionState.js';
import { initialLeaderAndIsr } from '../../src/controller/LeaderIsrAndControllerEpoch.js';
import { isTributaryError, TributaryError } from '../../src/errors.js';
import { NO_LEADER } from '../../src/zk/LeaderAndIsr.js';
import { ControllerFixture } from './helpers/ControllerFixture.js';

const tp = { topic: 't', partition: 0 };
const epoch = 5;

function atState(state: PartitionState, live: number[] = [1], replicas: number[] = [1]): ControllerFixture {
  const f = new ControllerFixture(live, epoch);
  f.addTopic('t', { 0: replicas });
  f.context.putPartitionState(tp, state);
  return f;
}

/** A partition with a state znode (version 0) and the same leadership in the context. */
function withLeadership(f: ControllerFixture, leader: number, isr: number[]): void {
  f.zk.writeAsOther(tp, initialLeaderAndIsr(leader, isr), epoch);
  f.context.putPartitionLeadershipInfo(tp, f.zk.read(tp)!);
}

describe('transitions that only mark the state', () => {
  test.each([
    ['testNonexistentPartitionToNewPartitionTransition', 'NonExistentPartition', 'NewPartition', 'NewPartition'],
    [
      'testInvalidNonexistentPartitionToOnlinePartitionTransition',
      'NonExistentPartition',
      'OnlinePartition',
      'NonExistentPartition',
    ],
    [
      'testInvalidNonexistentPartitionToOfflinePartitionTransition',
      'NonExistentPartition',
      'OfflinePartition',
      'NonExistentPartition',
    ],
    ['testNewPartitionToOfflinePartitionTransition', 'NewPartition', 'OfflinePartition', 'OfflinePartition'],
    ['testInvalidNewPartitionToNonexistentPartitionTransition', 'NewPartition', 'NonExistentPartition', 'NewPartition'],
    ['testOnlinePartitionToOfflineTransition', 'OnlinePartition', 'OfflinePartition', 'OfflinePartition'],
    [
      'testInvalidOnlinePartitionToNonexistentPartitionTransition',
      'OnlinePartition',
      'NonExistentPartition',
      'OnlinePartition',
    ],
    ['testInvalidOnlinePartitionToNewPartitionTransition', 'OnlinePartition', 'NewPartition', 'OnlinePartition'],
    [
      'testOfflinePartitionToNonexistentPartitionTransition',
      'OfflinePartition',
      'NonExistentPartition',
      'NonExistentPartition',
    ],
    ['testInvalidOfflinePartitionToNewPartitionTransition', 'OfflinePartition', 'NewPartition', 'OfflinePartition'],
  ] as const)('%s', async (_name, from, to, expected) => {
    const f = atState(from);
    if (from === 'NonExistentPartition') f.context.partitionStates.delete(tp);
    await f.partitions.handleStateChanges([tp], to, { kind: 'OfflinePartition', allowUnclean: false });
    expect(f.context.partitionState(tp)).toBe(expected);
    // An invalid transition is logged with Kafka's message; a valid one logs nothing. Nothing is sent.
    if (expected === to) expect(f.errors).toEqual([]);
    else expect(f.errors.join('\n')).toContain(`states before moving to ${to} state. Instead it is in ${from} state`);
    expect(f.take()).toEqual([]);
  });
});

describe('NewPartition -> OnlinePartition', () => {
  test('testNewPartitionToOnlinePartitionTransition: the first live replica leads, the live ones are the ISR; LeaderAndIsr isNew to the ISR', async () => {
    const f = atState('NewPartition', [1, 3], [2, 3, 1]);
    await f.partitions.handleStateChanges([tp], 'OnlinePartition');
    expect(f.context.partitionState(tp)).toBe('OnlinePartition');
    expect(f.zk.read(tp)).toEqual({
      leaderAndIsr: { leader: 3, leaderEpoch: 0, isr: [3, 1], leaderRecoveryState: 0, partitionEpoch: 0 },
      controllerEpoch: epoch,
    });
    const sent = f.take();
    expect(sent.map((r) => `${r.api}:${r.brokerId}`)).toEqual([
      'LeaderAndIsr:3',
      'LeaderAndIsr:1',
      'UpdateMetadata:1',
      'UpdateMetadata:3',
    ]);
    const state = sent[0]!.api === 'LeaderAndIsr' ? sent[0]!.data.topicStates[0]!.partitionStates[0] : undefined;
    expect(state).toMatchObject({ leader: 3, isr: [3, 1], replicas: [2, 3, 1], isNew: true, controllerEpoch: epoch });
  });

  test('testNewPartitionToOnlinePartitionTransitionErrorCodeFromCreateStates: NODEEXISTS leaves it New, logged', async () => {
    const f = atState('NewPartition');
    f.zk.writeAsOther(tp, initialLeaderAndIsr(1, [1]), epoch);
    await f.partitions.handleStateChanges([tp], 'OnlinePartition');
    expect(f.context.partitionState(tp)).toBe('NewPartition');
    expect(f.errors.join('\n')).toContain('KeeperErrorCode = NODEEXISTS');
    expect(f.take()).toEqual([]);
  });

  test('testNewPartitionToOnlinePartitionTransitionZooKeeperClientExceptionFromCreateStates: a failed create leaves it New', async () => {
    const f = atState('NewPartition');
    f.zk.failNext = 'create';
    await f.partitions.handleStateChanges([tp], 'OnlinePartition');
    expect(f.context.partitionState(tp)).toBe('NewPartition');
    expect(f.errors.join('\n')).toContain('ConnectionLoss');
  });

  test('no live replica: New stays, with the message of Kafka', async () => {
    const f = atState('NewPartition', [2], [1]);
    await f.partitions.handleStateChanges([tp], 'OnlinePartition');
    expect(f.context.partitionState(tp)).toBe('NewPartition');
    expect(f.errors.join('\n')).toContain(
      'encountered error during state change of partition t-0 from New to Online, assigned replicas are [1], live brokers are [2]. No assigned replica is alive.',
    );
  });

  test('a controller whose epoch znode moved is thrown out and writes nothing (ControllerMovedException)', async () => {
    const f = atState('NewPartition');
    f.zk.controllerEpochZkVersion = 1;
    await expect(f.partitions.handleStateChanges([tp], 'OnlinePartition')).rejects.toSatisfy((e: unknown) =>
      isTributaryError(e, 'ERR_STALE_CONTROLLER_EPOCH'),
    );
    expect(f.zk.read(tp)).toBeUndefined();
    expect(f.take()).toEqual([]);
    // The batch was dropped: the next round can start.
    f.zk.controllerEpochZkVersion = 0;
    await f.partitions.handleStateChanges([tp], 'OnlinePartition');
    expect(f.context.partitionState(tp)).toBe('OnlinePartition');
  });
});

describe('elections of Online and Offline partitions', () => {
  test('testOnlinePartitionToOnlineTransition (preferred replica): the znode is written under its version, the new one is the partition epoch', async () => {
    const f = atState('OnlinePartition', [1, 2], [1, 2]);
    withLeadership(f, 2, [1, 2]);
    const outcomes = await f.partitions.handleStateChanges([tp], 'OnlinePartition', {
      kind: 'PreferredReplicaPartition',
    });
    expect(outcomes.get(tp)).toEqual({
      leaderAndIsr: { leader: 1, leaderEpoch: 1, isr: [1, 2], leaderRecoveryState: 0, partitionEpoch: 1 },
    });
    expect(f.context.partitionLeadershipInfo(tp)).toEqual({
      leaderAndIsr: f.zk.read(tp)!.leaderAndIsr,
      controllerEpoch: epoch,
    });
    expect(f.take().map((r) => `${r.api}:${r.brokerId}`)).toEqual([
      'LeaderAndIsr:1',
      'LeaderAndIsr:2',
      'UpdateMetadata:1',
      'UpdateMetadata:2',
    ]);
  });

  test('testOnlinePartitionToOnlineTransitionForControlledShutdown: LeaderAndIsr to both, the shutting down one included', async () => {
    const f = atState('OnlinePartition', [1, 2], [1, 2]);
    f.context.shuttingDownBrokerIds.add(1);
    withLeadership(f, 1, [1, 2]);
    const outcomes = await f.partitions.handleStateChanges([tp], 'OnlinePartition', {
      kind: 'ControlledShutdownPartition',
    });
    expect(outcomes.get(tp)).toMatchObject({ leaderAndIsr: { leader: 2, isr: [2] } });
    expect(
      f
        .take()
        .filter((r) => r.api === 'LeaderAndIsr')
        .map((r) => r.brokerId),
    ).toEqual([1, 2]);
  });

  test('testOfflinePartitionToOnlinePartitionTransition: the live ISR member leads', async () => {
    const f = atState('OfflinePartition', [1], [1]);
    withLeadership(f, NO_LEADER, [1]);
    await f.partitions.handleStateChanges([tp], 'OnlinePartition', { kind: 'OfflinePartition', allowUnclean: false });
    expect(f.context.partitionState(tp)).toBe('OnlinePartition');
    expect(f.zk.read(tp)!.leaderAndIsr).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1] });
  });

  test.each([
    ['the strategy allows it', true, undefined],
    ["the topic's unclean.leader.election.enable", false, true],
  ])(
    'testOfflinePartitionToUncleanOnlinePartitionTransition: %s -> the live replica leads, RECOVERING',
    async (_n, allow, config) => {
      const f = atState('OfflinePartition', [1], [2, 1]);
      withLeadership(f, 2, [2]);
      if (config !== undefined) f.zk.topicUncleanElection.set('t', config);
      await f.partitions.handleStateChanges([tp], 'OnlinePartition', { kind: 'OfflinePartition', allowUnclean: allow });
      expect(f.zk.read(tp)!.leaderAndIsr).toEqual({
        leader: 1,
        leaderEpoch: 1,
        isr: [1],
        leaderRecoveryState: 1,
        partitionEpoch: 1,
      });
      expect(
        f
          .take()
          .filter((r) => r.api === 'LeaderAndIsr')
          .map((r) => r.brokerId),
      ).toEqual([1]);
    },
  );

  test('no live ISR member and unclean election off: no leader, "Failed to elect leader" with the strategy', async () => {
    const f = atState('OfflinePartition', [1], [2, 1]);
    withLeadership(f, 2, [2]);
    const outcomes = await f.partitions.handleStateChanges([tp], 'OnlinePartition', {
      kind: 'OfflinePartition',
      allowUnclean: false,
    });
    const outcome = outcomes.get(tp);
    expect(outcome !== undefined && 'error' in outcome && outcome.error.message).toBe(
      'Failed to elect leader for partition t-0 under strategy OfflinePartitionLeaderElectionStrategy(false)',
    );
    expect(f.context.partitionState(tp)).toBe('OfflinePartition');
    f.zk.topicUncleanElection.set('t', new TributaryError('config unreadable', 'ECONNRESET'));
    await f.partitions.handleStateChanges([tp], 'OnlinePartition', { kind: 'OfflinePartition', allowUnclean: false });
    expect(f.errors.join('\n')).toContain('config unreadable');
  });

  test('a version race with the leader (BADVERSION) is read again and retried', async () => {
    const f = atState('OnlinePartition', [1, 2, 3], [1, 2, 3]);
    withLeadership(f, 2, [1, 2, 3]);
    // The leader shrinks its ISR between the controller's read and write: the first write loses.
    const realGet = f.zk.getTopicPartitionStates.bind(f.zk);
    let reads = 0;
    f.zk.getTopicPartitionStates = async (partitions) => {
      const result = await realGet(partitions);
      if (reads++ === 0) f.zk.writeAsOther(tp, { ...initialLeaderAndIsr(2, [1, 2]), leaderEpoch: 0 }, epoch);
      return result;
    };
    const outcomes = await f.partitions.handleStateChanges([tp], 'OnlinePartition', {
      kind: 'PreferredReplicaPartition',
    });
    expect(reads).toBe(2);
    expect(outcomes.get(tp)).toEqual({
      leaderAndIsr: { leader: 1, leaderEpoch: 1, isr: [1, 2], leaderRecoveryState: 0, partitionEpoch: 2 },
    });
  });

  test('a state written by a newer controller aborts the election (soft failure)', async () => {
    const f = atState('OnlinePartition', [1, 2], [1, 2]);
    f.zk.writeAsOther(tp, initialLeaderAndIsr(2, [1, 2]), epoch + 1);
    const outcomes = await f.partitions.handleStateChanges([tp], 'OnlinePartition', {
      kind: 'PreferredReplicaPartition',
    });
    const outcome = outcomes.get(tp);
    expect(outcome !== undefined && 'error' in outcome && outcome.error.message).toContain(
      'another controller was elected with epoch 6',
    );
  });

  test('testOfflinePartitionToOnlinePartitionTransitionZooKeeperClientExceptionFromStateLookup and ...ErrorCodeFromStateLookup', async () => {
    const f = atState('OfflinePartition', [1], [1]);
    f.zk.failNext = 'get';
    const failed = await f.partitions.handleStateChanges([tp], 'OnlinePartition', {
      kind: 'OfflinePartition',
      allowUnclean: false,
    });
    expect(failed.get(tp)).toMatchObject({ error: { code: 'ECONNRESET' } });
    const missing = await f.partitions.handleStateChanges([tp], 'OnlinePartition', {
      kind: 'OfflinePartition',
      allowUnclean: false,
    });
    expect(missing.get(tp)).toMatchObject({
      error: { message: "LeaderAndIsr information doesn't exist for partition t-0 in OfflinePartition state" },
    });
    expect(f.context.partitionState(tp)).toBe('OfflinePartition');
  });
});

describe('startup', () => {
  test('initializePartitionState: New without leadership, Online with a live leader, Offline otherwise; then New and Offline elected', async () => {
    const f = new ControllerFixture([1, 2], epoch);
    f.addTopic('t', { 0: [1, 2], 1: [3, 2], 2: [2, 1] });
    const [p0, p1, p2] = [0, 1, 2].map((partition) => ({ topic: 't', partition }));
    f.zk.writeAsOther(p1!, initialLeaderAndIsr(3, [3, 2]), epoch);
    f.context.putPartitionLeadershipInfo(p1!, f.zk.read(p1!)!);
    f.zk.writeAsOther(p2!, initialLeaderAndIsr(2, [2, 1]), epoch);
    f.context.putPartitionLeadershipInfo(p2!, f.zk.read(p2!)!);
    f.partitions.initializePartitionState();
    expect([p0, p1, p2].map((p) => f.context.partitionState(p!))).toEqual([
      'NewPartition',
      'OfflinePartition',
      'OnlinePartition',
    ]);
    await f.partitions.triggerOnlinePartitionStateChange();
    expect([p0, p1, p2].map((p) => f.context.partitionState(p!))).toEqual([
      'OnlinePartition',
      'OnlinePartition',
      'OnlinePartition',
    ]);
    expect(f.zk.read(p1!)!.leaderAndIsr).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 1 });
  });
});
