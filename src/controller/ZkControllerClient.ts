/**
 * ZkControllerClient: the controller's port (ControllerZkClient) over the real
 * KafkaZkClient: partition states created, read and written under /controller_epoch's
 * version (ERR_STALE_CONTROLLER_EPOCH once another controller moved it), the topic
 * assignment rewritten by reassignment, and unclean.leader.election.enable read from the
 * topic's config over the broker's (KafkaZkClient.getLogConfigs).
 */
import { isTributaryError, type TributaryError } from '../errors.js';
import type { KafkaZkClient } from '../zk/KafkaZkClient.js';
import type { LeaderAndIsr } from '../zk/LeaderAndIsr.js';
import type { ControllerZkClient, ZkResult } from './ControllerZkClient.js';
import type { LeaderIsrAndControllerEpoch } from './LeaderIsrAndControllerEpoch.js';
import type { ReplicaAssignment } from './ReplicaAssignment.js';
import { partitionMap, type TopicPartition, type ValueKeyedMap } from './TopicPartition.js';

export class ZkControllerClient implements ControllerZkClient {
  constructor(
    private readonly zk: KafkaZkClient,
    /** The broker's unclean.leader.election.enable, the default of a topic without the override. */
    private readonly uncleanLeaderElectionDefault: boolean,
  ) {}

  async createTopicPartitionStates(
    states: ValueKeyedMap<TopicPartition, LeaderIsrAndControllerEpoch>,
    expectedControllerEpochZkVersion: number,
  ): Promise<ValueKeyedMap<TopicPartition, ZkResult<null>>> {
    const entries = [...states].map(([tp, state]) => ({ tp, state }));
    const written = await this.zk.createTopicPartitionStates(entries, expectedControllerEpochZkVersion);
    const results = partitionMap<ZkResult<null>>();
    entries.forEach(({ tp }, i) => {
      const { code } = written[i]!;
      results.set(tp, code === 'OK' ? { code, value: null } : { code: code === 'NONODE' ? 'NONODE' : 'NODEEXISTS' });
    });
    return results;
  }

  async getTopicPartitionStates(
    partitions: readonly TopicPartition[],
  ): Promise<ValueKeyedMap<TopicPartition, ZkResult<LeaderIsrAndControllerEpoch>>> {
    const states = await this.zk.getTopicPartitionStates(partitions);
    const results = partitionMap<ZkResult<LeaderIsrAndControllerEpoch>>();
    partitions.forEach((tp, i) => {
      const state = states[i];
      results.set(tp, state ? { code: 'OK', value: state } : { code: 'NONODE' });
    });
    return results;
  }

  async updateLeaderAndIsr(
    states: ValueKeyedMap<TopicPartition, LeaderAndIsr>,
    controllerEpoch: number,
    expectedControllerEpochZkVersion: number,
  ): Promise<ValueKeyedMap<TopicPartition, ZkResult<LeaderAndIsr>>> {
    const entries = [...states].map(([tp, leaderAndIsr]) => ({ tp, state: { leaderAndIsr, controllerEpoch } }));
    const written = await this.zk.setTopicPartitionStates(entries, expectedControllerEpochZkVersion);
    const results = partitionMap<ZkResult<LeaderAndIsr>>();
    entries.forEach(({ tp, state }, i) => {
      const answer = written[i]!;
      if (answer.code === 'OK')
        results.set(tp, { code: 'OK', value: { ...state.leaderAndIsr, partitionEpoch: answer.version } });
      else results.set(tp, { code: answer.code === 'NONODE' ? 'NONODE' : 'BADVERSION' });
    });
    return results;
  }

  async setTopicAssignment(
    topic: string,
    topicId: Buffer | undefined,
    assignment: ReadonlyMap<number, ReplicaAssignment>,
    expectedControllerEpochZkVersion: number,
  ): Promise<ZkResult<null>> {
    const id = topicId === undefined ? null : topicId.toString('base64url');
    const written = await this.zk.setTopicAssignment(topic, id, assignment, expectedControllerEpochZkVersion);
    return written.code === 'OK' ? { code: 'OK', value: null } : { code: 'NONODE' };
  }

  async uncleanLeaderElectionEnabled(topics: ReadonlySet<string>): Promise<Map<string, boolean | TributaryError>> {
    const results = new Map<string, boolean | TributaryError>();
    for (const topic of topics) {
      try {
        const value = (await this.zk.getEntityConfigs('topics', topic))['unclean.leader.election.enable'];
        results.set(topic, value === undefined ? this.uncleanLeaderElectionDefault : value === 'true');
      } catch (error) {
        if (!isTributaryError(error)) throw error;
        results.set(topic, error);
      }
    }
    return results;
  }
}
