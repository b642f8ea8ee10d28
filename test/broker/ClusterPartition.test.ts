/**
 * ClusterPartition's leader rules (Kafka's kafka.cluster.Partition, 3.8) over a real engine
 * Partition in a temporary directory: the high watermark over the ISR, acks=-1 and
 * min.insync.replicas, ISR shrink and expand through AlterPartition with the pending
 * ("maximal") ISR, follower fetch checks and OffsetForLeaderEpoch. The controller's side of
 * AlterPartition is tested with the controller; here its answers are given by hand.
 */
import { describe, expect, test } from 'vitest';
import { Partition } from '../../src/engine/Partition.js';
import { KafkaErrors, TributaryError } from '../../src/errors.js';
import { Log } from '../../src/log/Log.js';
import type { LeaderAndIsr } from '../../src/zk/LeaderAndIsr.js';
import type { ProposedLeaderAndIsr } from '../../src/broker/AlterPartitionManager.js';
import { ClusterPartition } from '../../src/broker/ClusterPartition.js';
import { createLogger } from '../../src/broker/Logger.js';
import type { LeaderAndIsrPartitionState } from '../../src/broker/ReplicaManager.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';

const LAG_MS = 10_000;

/** AlterPartition as the controller would answer it, one proposal at a time, answered by the test. */
class Controller {
  readonly proposals: ProposedLeaderAndIsr[] = [];
  private answer: { resolve: (s: LeaderAndIsr) => void; reject: (e: Error) => void } | undefined;

  submit(_topic: string, _partition: number, proposed: ProposedLeaderAndIsr): Promise<LeaderAndIsr> {
    this.proposals.push(proposed);
    return new Promise((resolve, reject) => (this.answer = { resolve, reject }));
  }

  async commit(): Promise<void> {
    const sent = this.proposals.at(-1)!;
    this.answer!.resolve({
      leader: 1,
      leaderEpoch: sent.leaderEpoch,
      isr: sent.isr,
      leaderRecoveryState: 0,
      partitionEpoch: sent.partitionEpoch + 1,
    });
    await new Promise((resolve) => setImmediate(resolve));
  }

  async refuse(code: 'ERR_OPERATION_NOT_ATTEMPTED' | 'ERR_FENCED_LEADER_EPOCH'): Promise<void> {
    this.answer!.reject(new TributaryError('refused', code));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function setUp(options: { minIsr?: number } = {}) {
  const log = new Partition('events', 0, Log.open({ dir: tempDir() }));
  const controller = new Controller();
  const clock = { now: 1_000_000 };
  const counts = { expands: 0, shrinks: 0, failed: 0 };
  const partition = new ClusterPartition(log, {
    localBrokerId: 1,
    replicaLagTimeMaxMs: () => LAG_MS,
    minInsyncReplicas: () => options.minIsr ?? 1,
    isReplicaIsrEligible: () => true,
    alterPartitionManager: controller,
    listener: {
      markIsrExpand: () => void counts.expands++,
      markIsrShrink: () => void counts.shrinks++,
      markFailed: () => void counts.failed++,
    },
    logger: createLogger('silent'),
    now: () => clock.now,
  });
  return { log, partition, controller, clock, counts };
}

function leaderState(
  isr: number[],
  replicas = [1, 2, 3],
  leaderEpoch = 5,
  partitionEpoch = 7,
): LeaderAndIsrPartitionState {
  return {
    topicName: 'events',
    partitionIndex: 0,
    controllerEpoch: 1,
    leader: 1,
    leaderEpoch,
    isr,
    partitionEpoch,
    replicas,
    leaderRecoveryState: 0,
    topicId: null,
  };
}

/** A follower's fetch from `fetchOffset`, as Fetch v12 carries it. */
function fetchFrom(partition: ClusterPartition, replicaId: number, fetchOffset: number, currentLeaderEpoch = 5) {
  return partition.fetchFromFollower(
    { replicaId, fetchOffset, currentLeaderEpoch, lastFetchedEpoch: -1, logStartOffset: 0 },
    1 << 20,
    true,
  );
}

describe('ClusterPartition as leader', () => {
  test('the high watermark is the smallest log end offset in the ISR, and only moves forward', async () => {
    const { log, partition } = setUp();
    expect(partition.makeLeader(leaderState([1, 2, 3]))).toBe(true);
    await partition.appendRecordsToLeader(sampleBatch(1, 3), 1);
    expect(log.logEndOffset).toBe(3);
    expect(log.highWatermark).toBe(0);
    fetchFrom(partition, 2, 3);
    expect(log.highWatermark).toBe(0);
    fetchFrom(partition, 3, 2);
    expect(log.highWatermark).toBe(2);
    fetchFrom(partition, 3, 3);
    expect(log.highWatermark).toBe(3);
    // A follower fetching from further back (it truncated) does not move the high watermark back.
    fetchFrom(partition, 3, 1);
    expect(log.highWatermark).toBe(3);
  });

  test('batches appended as leader carry the leader epoch, which OffsetForLeaderEpoch answers', async () => {
    const { partition } = setUp();
    partition.makeLeader(leaderState([1]));
    await partition.appendRecordsToLeader(sampleBatch(1, 3), 1);
    const current = partition.lastOffsetForLeaderEpoch(5, 5, true);
    expect(current).toEqual({ error: KafkaErrors.NONE, leaderEpoch: 5, endOffset: 3 });
    expect(partition.lastOffsetForLeaderEpoch(4, 5, true).error).toBe(KafkaErrors.FENCED_LEADER_EPOCH);
    expect(partition.lastOffsetForLeaderEpoch(6, 5, true).error).toBe(KafkaErrors.UNKNOWN_LEADER_EPOCH);
  });

  test('acks=-1 with an ISR under min.insync.replicas is NOT_ENOUGH_REPLICAS before appending; acks=1 appends', async () => {
    const { log, partition } = setUp({ minIsr: 2 });
    partition.makeLeader(leaderState([1], [1, 2]));
    await expect(partition.appendRecordsToLeader(sampleBatch(1), -1)).rejects.toMatchObject({
      code: 'ERR_NOT_ENOUGH_REPLICAS',
    });
    expect(log.logEndOffset).toBe(0);
    await partition.appendRecordsToLeader(sampleBatch(1), 1);
    expect(log.logEndOffset).toBe(3);
    // Kafka 3.8: no high watermark progress under min ISR.
    expect(log.highWatermark).toBe(0);
  });

  test('acks=-1 is done when the high watermark reaches the offset; the ISR shrunk under min ISR meanwhile is NOT_ENOUGH_REPLICAS_AFTER_APPEND', async () => {
    const { partition, controller, clock } = setUp({ minIsr: 2 });
    partition.makeLeader(leaderState([1, 2, 3]));
    const info = await partition.appendRecordsToLeader(sampleBatch(1, 3), -1);
    const required = info.lastOffset + 1;
    expect(partition.checkEnoughReplicasReachOffset(required)).toEqual({ done: false, error: KafkaErrors.NONE });
    fetchFrom(partition, 2, 3);
    fetchFrom(partition, 3, 3);
    expect(partition.checkEnoughReplicasReachOffset(required)).toEqual({ done: true, error: KafkaErrors.NONE });
    // Both followers stop fetching: the ISR shrinks to the leader alone.
    await partition.appendRecordsToLeader(sampleBatch(2, 2), 1);
    clock.now += LAG_MS + 1;
    partition.maybeShrinkIsr();
    expect(controller.proposals.at(-1)).toEqual({ leaderEpoch: 5, isr: [1], partitionEpoch: 7 });
    await controller.commit();
    expect(partition.inSyncReplicaIds).toEqual([1]);
    expect(partition.checkEnoughReplicasReachOffset(required)).toEqual({
      done: true,
      error: KafkaErrors.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    });
  });

  test('a coordinator append (Partition.appendReplicated, acks=-1) resolves once the ISR has it; it fails as Kafka maps it', async () => {
    const { log, partition } = setUp();
    partition.makeLeader(leaderState([1, 2]));
    let settled = false;
    const appended = log.appendReplicated(sampleBatch(1, 3), {}, 60_000).finally(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect([log.logEndOffset, log.highWatermark, settled]).toEqual([3, 0, false]);
    fetchFrom(partition, 2, 3);
    await expect(appended).resolves.toMatchObject({ baseOffset: 0, lastOffset: 2 });
    // No follower fetches: the wait ends at its timeout (DelayedProduce.onExpiration).
    await expect(log.appendReplicated(sampleBatch(2), {}, 20)).rejects.toMatchObject({
      code: 'ERR_REQUEST_TIMED_OUT',
    });
    // Leadership lost while waiting: NOT_LEADER_OR_FOLLOWER; a follower's appends wait for nothing.
    const waiting = log.appendReplicated(sampleBatch(3), {}, 60_000);
    await new Promise((resolve) => setImmediate(resolve));
    partition.makeFollower({ ...leaderState([2, 1]), leader: 2, leaderEpoch: 6, partitionEpoch: 8 });
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_NOT_LEADER_OR_FOLLOWER' });
    expect(log.replicationWait).toBeNull();
  });

  test('a follower behind past replica.lag.time.max.ms leaves the ISR; while pending it still counts', async () => {
    const { log, partition, controller, clock, counts } = setUp();
    partition.makeLeader(leaderState([1, 2, 3]));
    await partition.appendRecordsToLeader(sampleBatch(1, 3), 1);
    fetchFrom(partition, 2, 3);
    fetchFrom(partition, 3, 3);
    await partition.appendRecordsToLeader(sampleBatch(2, 3), 1);
    fetchFrom(partition, 2, 6);
    // Follower 3 stays at 3; within the lag nothing shrinks.
    clock.now += LAG_MS;
    partition.maybeShrinkIsr();
    expect(controller.proposals).toEqual([]);
    clock.now += 2;
    fetchFrom(partition, 2, 6);
    partition.maybeShrinkIsr();
    expect(controller.proposals).toEqual([{ leaderEpoch: 5, isr: [1, 2], partitionEpoch: 7 }]);
    expect(partition.isInflight).toBe(true);
    // PendingShrinkIsr: the maximal ISR is still the committed one; the high watermark waits for 3.
    expect(partition.maximalIsr).toEqual([1, 2, 3]);
    expect(log.highWatermark).toBe(3);
    await controller.commit();
    expect(partition.inSyncReplicaIds).toEqual([1, 2]);
    expect(partition.partitionEpoch).toBe(8);
    expect(partition.isUnderReplicated).toBe(true);
    expect(log.highWatermark).toBe(6);
    expect(counts).toEqual({ expands: 0, shrinks: 1, failed: 0 });
  });

  test('a follower that reaches the high watermark in this leader epoch rejoins; a refusal restores the committed ISR', async () => {
    const { log, partition, controller, counts } = setUp();
    partition.makeLeader(leaderState([1, 2], [1, 2, 3]));
    await partition.appendRecordsToLeader(sampleBatch(1, 3), 1);
    fetchFrom(partition, 2, 3);
    expect(log.highWatermark).toBe(3);
    fetchFrom(partition, 3, 2);
    expect(controller.proposals).toEqual([]);
    fetchFrom(partition, 3, 3);
    expect(controller.proposals).toEqual([{ leaderEpoch: 5, isr: [1, 2, 3], partitionEpoch: 7 }]);
    // PendingExpandIsr: the follower counts as in sync already (stricter for the high watermark).
    expect(partition.maximalIsr).toEqual([1, 2, 3]);
    expect(partition.inSyncReplicaIds).toEqual([1, 2]);
    await controller.refuse('ERR_OPERATION_NOT_ATTEMPTED');
    expect(partition.isInflight).toBe(false);
    expect(partition.maximalIsr).toEqual([1, 2]);
    expect(counts.failed).toBe(1);
    // The next fetch proposes it again; committed this time.
    fetchFrom(partition, 3, 3);
    await controller.commit();
    expect(partition.inSyncReplicaIds).toEqual([1, 2, 3]);
    expect(counts.expands).toBe(1);
  });

  test('a refusal that needs new metadata leaves the partition pending until the next LeaderAndIsr', async () => {
    const { partition, controller } = setUp();
    partition.makeLeader(leaderState([1, 2], [1, 2, 3]));
    fetchFrom(partition, 2, 0);
    fetchFrom(partition, 3, 0);
    await controller.refuse('ERR_FENCED_LEADER_EPOCH');
    expect(partition.isInflight).toBe(true);
    partition.makeLeader(leaderState([1, 2], [1, 2, 3], 6, 9));
    expect(partition.isInflight).toBe(false);
    expect(partition.leaderEpoch).toBe(6);
  });

  test('fetches from brokers that are no replica, and from other leader epochs, are refused', async () => {
    const { partition } = setUp();
    partition.makeLeader(leaderState([1, 2, 3]));
    expect(() => fetchFrom(partition, 9, 0)).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_LEADER_EPOCH' }));
    expect(() => fetchFrom(partition, 9, 0, -1)).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_LEADER_OR_FOLLOWER' }),
    );
    expect(() => fetchFrom(partition, 2, 0, 4)).toThrow(expect.objectContaining({ code: 'ERR_FENCED_LEADER_EPOCH' }));
    expect(() => fetchFrom(partition, 2, 0, 6)).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_LEADER_EPOCH' }));
  });

  test('becoming follower answers waiting produces NOT_LEADER_OR_FOLLOWER and refuses appends', async () => {
    const { partition } = setUp();
    partition.makeLeader(leaderState([1, 2, 3]));
    await partition.appendRecordsToLeader(sampleBatch(1, 3), -1);
    const checks: unknown[] = [];
    partition.watch(() => checks.push(partition.checkEnoughReplicasReachOffset(3)));
    expect(partition.makeFollower({ ...leaderState([2, 3], [1, 2, 3], 6, 8), leader: 2 })).toBe(true);
    expect(checks).toEqual([{ done: false, error: KafkaErrors.NOT_LEADER_OR_FOLLOWER }]);
    await expect(partition.appendRecordsToLeader(sampleBatch(2), 1)).rejects.toMatchObject({
      code: 'ERR_NOT_LEADER_OR_FOLLOWER',
    });
  });
});
