/**
 * MetadataCache against ZkMetadataCache (3.8): getPartitionMetadata's errors for a leader
 * or replicas without an endpoint on the listener, and updateMetadata's merging, topic ids
 * and deletions (LeaderDuringDelete).
 */
import { describe, expect, it } from 'vitest';
import { MetadataCache, ZERO_TOPIC_ID, type PartitionState } from '../../src/broker/MetadataCache.js';

const endpoint = (listener: string) => ({ listener, host: 'h', port: 9092, securityProtocol: 0 });

function state(partitionIndex: number, leader: number, replicas = [1, 2]): PartitionState {
  return {
    topicName: 't',
    partitionIndex,
    controllerEpoch: 1,
    leader,
    leaderEpoch: 7,
    isr: replicas,
    zkVersion: 0,
    replicas,
    offlineReplicas: [],
  };
}

function cache(...partitionStates: PartitionState[]): MetadataCache {
  const c = new MetadataCache();
  c.updateMetadata({
    controllerId: 1,
    // Broker 2 is alive on another listener only; broker 3 is not alive.
    liveBrokers: [
      { id: 1, endpoints: [endpoint('PLAINTEXT')], rack: null },
      { id: 2, endpoints: [endpoint('INTERNAL')], rack: null },
    ],
    topicIds: new Map([['t', 'AAAAAAAAAAAAAAAAAAAAAQ']]),
    partitionStates,
  });
  return c;
}

const v5 = { errorUnavailableEndpoints: false, errorUnavailableListeners: false };
const v6 = { errorUnavailableEndpoints: false, errorUnavailableListeners: true };
const v0 = { errorUnavailableEndpoints: true, errorUnavailableListeners: false };

describe('MetadataCache.topicMetadata', () => {
  it('a leader alive without the listener is LEADER_NOT_AVAILABLE before v6, LISTENER_NOT_FOUND from v6', () => {
    const c = cache(state(0, 2));
    expect(c.topicMetadata('t', 'PLAINTEXT', v5)![0]).toMatchObject({ errorCode: 5, leaderId: -1, leaderEpoch: 7 });
    expect(c.topicMetadata('t', 'PLAINTEXT', v6)![0]).toMatchObject({ errorCode: 72, leaderId: -1 });
    expect(c.topicMetadata('t', 'PLAINTEXT', v6)![0]!.replicaNodes).toEqual([1, 2]);
  });

  it('a leader not alive is LEADER_NOT_AVAILABLE at every version', () => {
    expect(cache(state(0, 3)).topicMetadata('t', 'PLAINTEXT', v6)![0]).toMatchObject({ errorCode: 5, leaderId: -1 });
  });

  it('v0 leaves out replicas without the listener and says REPLICA_NOT_AVAILABLE; later versions list them all', () => {
    const c = cache(state(0, 1));
    expect(c.topicMetadata('t', 'PLAINTEXT', v0)![0]).toMatchObject({
      errorCode: 9,
      leaderId: 1,
      replicaNodes: [1],
      isrNodes: [1],
    });
    expect(c.topicMetadata('t', 'PLAINTEXT', v5)![0]).toMatchObject({
      errorCode: 0,
      leaderId: 1,
      replicaNodes: [1, 2],
    });
    expect(c.topicMetadata('nope', 'PLAINTEXT', v5)).toBeUndefined();
  });
});

describe('MetadataCache.updateMetadata', () => {
  it('merges partition states, removes LeaderDuringDelete ones (and the topic and its id with the last)', () => {
    const c = cache(state(0, 1), state(1, 1));
    expect(
      c.updateMetadata({ controllerId: 2, liveBrokers: [], topicIds: new Map(), partitionStates: [state(1, -2)] }),
    ).toEqual([{ topic: 't', partition: 1 }]);
    expect(c.controllerId).toBe(2);
    expect(c.allPartitions('t')).toEqual([0]);
    expect(c.topicId('t')).toBe('AAAAAAAAAAAAAAAAAAAAAQ');
    c.updateMetadata({ controllerId: -1, liveBrokers: [], topicIds: new Map(), partitionStates: [state(0, -2)] });
    expect(c.allTopics()).toEqual([]);
    expect(c.topicId('t')).toBe(ZERO_TOPIC_ID);
    expect(c.controllerId).toBeNull();
  });

  it('a zero topic id forgets the topic id; a partition deleted then re-added in one update is not deleted', () => {
    const c = cache(state(0, 1));
    const deleted = c.updateMetadata({
      controllerId: 1,
      liveBrokers: [],
      topicIds: new Map([['t', ZERO_TOPIC_ID]]),
      partitionStates: [state(0, -2), state(0, 1)],
    });
    expect(deleted).toEqual([]);
    expect(c.topicId('t')).toBe(ZERO_TOPIC_ID);
    expect(c.contains('t', 0)).toBe(true);
  });
});

describe('MetadataCache.waitFor (the delayed admin operations: tried again on each update)', () => {
  const flushMicrotasks = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  const update = (c: MetadataCache, partitionStates: PartitionState[]) =>
    c.updateMetadata({ controllerId: 1, liveBrokers: [], topicIds: new Map(), partitionStates });

  it('resolves true at the update that makes the condition hold, with no timer between (no polling)', async () => {
    const c = cache();
    let settled = false;
    const waited = c.waitFor(() => c.partitionState('t', 3)?.leader === 2, 60_000, new AbortController().signal);
    void waited.then(() => (settled = true));
    update(c, [state(0, 1)]);
    await flushMicrotasks();
    expect(settled).toBe(false);
    update(c, [state(3, 2)]);
    // Only microtasks run here: a waiter that looked again on a timer would still be pending.
    await flushMicrotasks();
    expect(settled).toBe(true);
    await expect(waited).resolves.toBe(true);
  });

  it('resolves false at the timeout or when the request is aborted, and at once if it already holds', async () => {
    const c = cache(state(0, 1));
    const never = () => false;
    await expect(c.waitFor(never, 30, new AbortController().signal)).resolves.toBe(false);
    const abort = new AbortController();
    const aborted = c.waitFor(never, 60_000, abort.signal);
    abort.abort();
    await expect(aborted).resolves.toBe(false);
    await expect(c.waitFor(() => c.contains('t', 0), 0, abort.signal)).resolves.toBe(true);
  });
});
