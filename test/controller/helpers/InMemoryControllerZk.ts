/**
 * An in-memory ControllerZkClient for pure-logic tests of the controller's state machines.
 * It is not a stand-in for ZooKeeper under test: it keeps ZooKeeper's contract for the few
 * operations the port has (a create fails with NODEEXISTS, a conditional set with
 * BADVERSION when the version moved, each write bumps the version, every write is refused
 * once the controller epoch znode's version moved) so the state machines' handling of
 * those answers can be checked. The real client is tested against a real ZooKeeper.
 */
import { TributaryError } from '../../../src/errors.js';
import type { ControllerZkClient, ZkResult } from '../../../src/controller/ControllerZkClient.js';
import type { LeaderIsrAndControllerEpoch } from '../../../src/controller/LeaderIsrAndControllerEpoch.js';
import type { ReplicaAssignment } from '../../../src/controller/ReplicaAssignment.js';
import { partitionMap, type TopicPartition, type ValueKeyedMap } from '../../../src/controller/TopicPartition.js';
import type { LeaderAndIsr } from '../../../src/zk/LeaderAndIsr.js';

interface StateZnode {
  readonly data: { readonly leaderAndIsr: Omit<LeaderAndIsr, 'partitionEpoch'>; readonly controllerEpoch: number };
  readonly version: number;
}

export class InMemoryControllerZk implements ControllerZkClient {
  readonly states = partitionMap<StateZnode>();
  controllerEpochZkVersion = 0;
  readonly topicUncleanElection = new Map<string, boolean | TributaryError>();
  /** /brokers/topics/<topic>: each partition's assignment (the admin's creation puts it here). */
  readonly topicAssignments = new Map<string, ReadonlyMap<number, ReplicaAssignment>>();
  /** Set to make the next call of that operation fail as a lost connection would. */
  failNext: 'create' | 'get' | 'set' | undefined;

  /** The state as a reader sees it: the znode version is the partition epoch. */
  read(tp: TopicPartition): LeaderIsrAndControllerEpoch | undefined {
    const znode = this.states.get(tp);
    if (znode === undefined) return undefined;
    return {
      leaderAndIsr: { ...znode.data.leaderAndIsr, partitionEpoch: znode.version },
      controllerEpoch: znode.data.controllerEpoch,
    };
  }

  /** Another writer (the partition leader changing its ISR, or another controller) sets the state. */
  writeAsOther(tp: TopicPartition, leaderAndIsr: Omit<LeaderAndIsr, 'partitionEpoch'>, controllerEpoch: number): void {
    const version = (this.states.get(tp)?.version ?? -1) + 1;
    this.states.set(tp, { data: { leaderAndIsr: strip(leaderAndIsr), controllerEpoch }, version });
  }

  async createTopicPartitionStates(
    states: ValueKeyedMap<TopicPartition, LeaderIsrAndControllerEpoch>,
    expectedControllerEpochZkVersion: number,
  ): Promise<ValueKeyedMap<TopicPartition, ZkResult<null>>> {
    this.check('create', expectedControllerEpochZkVersion);
    const results = partitionMap<ZkResult<null>>();
    for (const [tp, state] of states) {
      if (this.states.has(tp)) results.set(tp, { code: 'NODEEXISTS' });
      else {
        this.states.set(tp, {
          data: { leaderAndIsr: strip(state.leaderAndIsr), controllerEpoch: state.controllerEpoch },
          version: 0,
        });
        results.set(tp, { code: 'OK', value: null });
      }
    }
    return results;
  }

  async getTopicPartitionStates(
    partitions: readonly TopicPartition[],
  ): Promise<ValueKeyedMap<TopicPartition, ZkResult<LeaderIsrAndControllerEpoch>>> {
    this.failIfAsked('get');
    const results = partitionMap<ZkResult<LeaderIsrAndControllerEpoch>>();
    for (const tp of partitions) {
      const state = this.read(tp);
      results.set(tp, state === undefined ? { code: 'NONODE' } : { code: 'OK', value: state });
    }
    return results;
  }

  async updateLeaderAndIsr(
    states: ValueKeyedMap<TopicPartition, LeaderAndIsr>,
    controllerEpoch: number,
    expectedControllerEpochZkVersion: number,
  ): Promise<ValueKeyedMap<TopicPartition, ZkResult<LeaderAndIsr>>> {
    this.check('set', expectedControllerEpochZkVersion);
    const results = partitionMap<ZkResult<LeaderAndIsr>>();
    for (const [tp, state] of states) {
      const znode = this.states.get(tp);
      if (znode === undefined) results.set(tp, { code: 'NONODE' });
      else if (znode.version !== state.partitionEpoch) results.set(tp, { code: 'BADVERSION' });
      else {
        const version = znode.version + 1;
        this.states.set(tp, { data: { leaderAndIsr: strip(state), controllerEpoch }, version });
        results.set(tp, { code: 'OK', value: { ...state, partitionEpoch: version } });
      }
    }
    return results;
  }

  async setTopicAssignment(
    topic: string,
    _topicId: Buffer | undefined,
    assignment: ReadonlyMap<number, ReplicaAssignment>,
    expectedControllerEpochZkVersion: number,
  ): Promise<ZkResult<null>> {
    this.check('set', expectedControllerEpochZkVersion);
    if (!this.topicAssignments.has(topic)) return { code: 'NONODE' };
    this.topicAssignments.set(topic, new Map(assignment));
    return { code: 'OK', value: null };
  }

  async uncleanLeaderElectionEnabled(topics: ReadonlySet<string>): Promise<Map<string, boolean | TributaryError>> {
    return new Map([...topics].map((topic) => [topic, this.topicUncleanElection.get(topic) ?? false]));
  }

  /** Every write is a multi-op with a check of /controller_epoch's version (KafkaZkClient.retryRequestsUntilConnected, checkedEphemeral...). */
  private check(operation: 'create' | 'set', expectedControllerEpochZkVersion: number): void {
    this.failIfAsked(operation);
    if (expectedControllerEpochZkVersion !== this.controllerEpochZkVersion)
      throw new TributaryError(
        `Controller epoch zkVersion check fails. Expected zkVersion = ${expectedControllerEpochZkVersion}`,
        'ERR_STALE_CONTROLLER_EPOCH',
      );
  }

  private failIfAsked(operation: 'create' | 'get' | 'set'): void {
    if (this.failNext !== operation) return;
    this.failNext = undefined;
    throw new TributaryError('KeeperErrorCode = ConnectionLoss', 'ECONNRESET');
  }
}

function strip(
  state: Omit<LeaderAndIsr, 'partitionEpoch'> & { partitionEpoch?: number },
): Omit<LeaderAndIsr, 'partitionEpoch'> {
  const { leader, leaderEpoch, isr, leaderRecoveryState } = state;
  return { leader, leaderEpoch, isr: [...isr], leaderRecoveryState };
}
