/**
 * ControllerBrokerRequestBatch: the requests a round of state changes owes the brokers,
 * gathered per broker and sent together, as Kafka's AbstractControllerBrokerRequestBatch
 * (ControllerChannelManager.scala): LeaderAndIsr to the replicas of a partition whose leader or
 * ISR changed, UpdateMetadata to every live broker for each such partition, StopReplica
 * (with or without deleting the log) to replicas going offline or being deleted. Sending is
 * the caller's: `send` gets each request, addressed and complete.
 */
import { TributaryError } from '../errors.js';
import {
  CONTROL_API_VERSIONS,
  CONTROL_REQUEST_TYPE_UNKNOWN,
  type ControlRequest,
  type LeaderAndIsrPartitionState,
  type StopReplicaPartitionState,
  type UpdateMetadataBroker,
  type UpdateMetadataPartitionState,
} from './ControlRequests.js';
import { ZERO_UUID, type ControllerContext } from './ControllerContext.js';
import { duringDelete, type LeaderIsrAndControllerEpoch } from './LeaderIsrAndControllerEpoch.js';
import type { ReplicaAssignment } from './ReplicaAssignment.js';
import { partitionMap, type TopicPartition, type ValueKeyedMap } from './TopicPartition.js';

export interface RequestBatchConfig {
  /** This broker's id: the controller's. */
  readonly controllerId: number;
  /** inter.broker.listener.name: the endpoint of a leader that LeaderAndIsr's LiveLeaders names. */
  readonly interBrokerListenerName: string;
}

export class ControllerBrokerRequestBatch {
  private readonly leaderAndIsrRequests = new Map<number, ValueKeyedMap<TopicPartition, LeaderAndIsrPartitionState>>();
  private readonly stopReplicaRequests = new Map<number, ValueKeyedMap<TopicPartition, StopReplicaPartitionState>>();
  private readonly updateMetadataBrokers = new Set<number>();
  private readonly updateMetadataPartitions = partitionMap<UpdateMetadataPartitionState>();

  constructor(
    private readonly config: RequestBatchConfig,
    private readonly context: ControllerContext,
    private readonly send: (request: ControlRequest) => void,
  ) {}

  /** AbstractControllerBrokerRequestBatch.newBatch: a batch left unsent is a bug that would lose state changes. */
  newBatch(): void {
    const pending = [
      this.leaderAndIsrRequests.size > 0 && 'LeaderAndIsr',
      this.stopReplicaRequests.size > 0 && 'StopReplica',
      this.updateMetadataBrokers.size > 0 && 'UpdateMetadata',
    ].filter(Boolean);
    if (pending.length > 0)
      throw new TributaryError(
        `Controller to broker state change requests batch is not empty while creating a new one. ` +
          `Some ${pending.join(', ')} state changes might be lost`,
        'ERR_CONTROLLER_ILLEGAL_STATE',
      );
  }

  /** What a failed round leaves behind is dropped (AbstractControllerBrokerRequestBatch.clear). */
  clear(): void {
    this.leaderAndIsrRequests.clear();
    this.stopReplicaRequests.clear();
    this.updateMetadataBrokers.clear();
    this.updateMetadataPartitions.clear();
  }

  /** A partition's state for each of `brokerIds`; isNew sticks once set in the batch. Every live broker learns it too. */
  addLeaderAndIsrRequestForBrokers(
    brokerIds: Iterable<number>,
    tp: TopicPartition,
    state: LeaderIsrAndControllerEpoch,
    assignment: ReplicaAssignment,
    isNew: boolean,
  ): void {
    const { leaderAndIsr } = state;
    for (const brokerId of brokerIds) {
      if (brokerId < 0) continue;
      const forBroker = getOrCreate(this.leaderAndIsrRequests, brokerId, () => partitionMap());
      forBroker.set(tp, {
        partitionIndex: tp.partition,
        controllerEpoch: state.controllerEpoch,
        leader: leaderAndIsr.leader,
        leaderEpoch: leaderAndIsr.leaderEpoch,
        isr: [...leaderAndIsr.isr],
        partitionEpoch: leaderAndIsr.partitionEpoch,
        replicas: [...assignment.replicas],
        addingReplicas: [...assignment.addingReplicas],
        removingReplicas: [...assignment.removingReplicas],
        isNew: isNew || (forBroker.get(tp)?.isNew ?? false),
        leaderRecoveryState: leaderAndIsr.leaderRecoveryState,
      });
    }
    this.addUpdateMetadataRequestForBrokers(this.context.liveOrShuttingDownBrokerIds(), [tp]);
  }

  /** StopReplica for `brokerIds`, with the leader epoch known now (-2 once the topic is queued for deletion); a delete sticks. */
  addStopReplicaRequestForBrokers(brokerIds: Iterable<number>, tp: TopicPartition, deletePartition: boolean): void {
    const leaderEpoch = this.context.leaderEpoch(tp);
    for (const brokerId of brokerIds) {
      if (brokerId < 0) continue;
      const forBroker = getOrCreate(this.stopReplicaRequests, brokerId, () => partitionMap());
      const alreadyDelete = forBroker.get(tp)?.deletePartition ?? false;
      forBroker.set(tp, {
        partitionIndex: tp.partition,
        leaderEpoch,
        deletePartition: alreadyDelete || deletePartition,
      });
    }
  }

  /**
   * UpdateMetadata for `brokerIds` with the state of `partitions` (none: only the live
   * brokers). A partition with no leader yet is left out; one whose topic is being deleted
   * goes with leader -2 (LeaderAndIsr.duringDelete), which tells brokers to forget it.
   */
  addUpdateMetadataRequestForBrokers(brokerIds: Iterable<number>, partitions: Iterable<TopicPartition> = []): void {
    for (const brokerId of brokerIds) if (brokerId >= 0) this.updateMetadataBrokers.add(brokerId);
    for (const tp of partitions) {
      const info = this.context.partitionLeadershipInfo(tp);
      if (info === undefined) continue;
      const replicas = this.context.partitionReplicaAssignment(tp);
      const state = this.context.isTopicQueuedUpForDeletion(tp.topic)
        ? duringDelete(info.leaderAndIsr.isr)
        : info.leaderAndIsr;
      this.updateMetadataPartitions.set(tp, {
        partitionIndex: tp.partition,
        controllerEpoch: info.controllerEpoch,
        leader: state.leader,
        leaderEpoch: state.leaderEpoch,
        isr: [...state.isr],
        zkVersion: state.partitionEpoch,
        replicas: [...replicas],
        offlineReplicas: replicas.filter((r) => !this.context.isReplicaOnline(r, tp)),
      });
    }
  }

  /** AbstractControllerBrokerRequestBatch.sendRequestsToBrokers: LeaderAndIsr, then UpdateMetadata, then StopReplica, to live brokers only. */
  sendRequestsToBrokers(controllerEpoch: number): void {
    try {
      this.sendLeaderAndIsrRequests(controllerEpoch);
      this.sendUpdateMetadataRequests(controllerEpoch);
      this.sendStopReplicaRequests(controllerEpoch);
    } finally {
      this.clear();
    }
  }

  private sendLeaderAndIsrRequests(controllerEpoch: number): void {
    const live = this.context.liveOrShuttingDownBrokerIds();
    for (const [brokerId, states] of this.leaderAndIsrRequests) {
      if (!live.has(brokerId)) continue;
      const leaderIds = new Set([...states].map(([, state]) => state.leader));
      this.send({
        api: 'LeaderAndIsr',
        brokerId,
        version: CONTROL_API_VERSIONS.LeaderAndIsr,
        data: {
          controllerId: this.config.controllerId,
          isKRaftController: false,
          controllerEpoch,
          brokerEpoch: this.context.liveBrokerEpoch(brokerId)!,
          type: CONTROL_REQUEST_TYPE_UNKNOWN,
          topicStates: groupByTopic(states, (topicName, partitionStates) => ({
            topicName,
            topicId: this.context.topicIds.get(topicName) ?? ZERO_UUID,
            partitionStates,
          })),
          liveLeaders: this.liveLeaders(leaderIds),
        },
      });
    }
  }

  /** The live leaders among `leaderIds`, at their inter-broker endpoint (Broker.node(interBrokerListenerName)). */
  private liveLeaders(leaderIds: ReadonlySet<number>): { brokerId: number; hostName: string; port: number }[] {
    return this.context
      .liveOrShuttingDownBrokers()
      .filter((broker) => leaderIds.has(broker.id))
      .flatMap((broker) => {
        const endpoint = broker.endpoints.find((e) => e.listenerName === this.config.interBrokerListenerName);
        return endpoint === undefined ? [] : [{ brokerId: broker.id, hostName: endpoint.host, port: endpoint.port }];
      });
  }

  private sendUpdateMetadataRequests(controllerEpoch: number): void {
    const live = this.context.liveOrShuttingDownBrokerIds();
    const liveBrokers: UpdateMetadataBroker[] = this.context.liveOrShuttingDownBrokers().map((broker) => ({
      id: broker.id,
      endpoints: broker.endpoints.map((e) => ({
        port: e.port,
        host: e.host,
        listener: e.listenerName,
        securityProtocol: e.securityProtocol,
      })),
      rack: broker.rack ?? null,
    }));
    const topicStates = groupByTopic(this.updateMetadataPartitions, (topicName, partitionStates) => ({
      topicName,
      topicId: this.context.topicIds.get(topicName) ?? ZERO_UUID,
      partitionStates,
    }));
    for (const brokerId of this.updateMetadataBrokers) {
      if (!live.has(brokerId)) continue;
      this.send({
        api: 'UpdateMetadata',
        brokerId,
        version: CONTROL_API_VERSIONS.UpdateMetadata,
        data: {
          controllerId: this.config.controllerId,
          isKRaftController: false,
          type: CONTROL_REQUEST_TYPE_UNKNOWN,
          controllerEpoch,
          brokerEpoch: this.context.liveBrokerEpoch(brokerId)!,
          topicStates,
          liveBrokers,
        },
      });
    }
  }

  /** Version 3 and later carry deletePartition per partition: one request per broker. */
  private sendStopReplicaRequests(controllerEpoch: number): void {
    const live = this.context.liveOrShuttingDownBrokerIds();
    for (const [brokerId, states] of this.stopReplicaRequests) {
      if (!live.has(brokerId)) continue;
      this.send({
        api: 'StopReplica',
        brokerId,
        version: CONTROL_API_VERSIONS.StopReplica,
        data: {
          controllerId: this.config.controllerId,
          isKRaftController: false,
          controllerEpoch,
          brokerEpoch: this.context.liveBrokerEpoch(brokerId)!,
          topicStates: groupByTopic(states, (topicName, partitionStates) => ({ topicName, partitionStates })),
        },
      });
    }
  }
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}

/** Partition states grouped under their topic, topics in first-seen order (the requests' TopicStates). */
function groupByTopic<S, T>(states: Iterable<[TopicPartition, S]>, topicState: (topic: string, states: S[]) => T): T[] {
  const byTopic = new Map<string, S[]>();
  for (const [tp, state] of states) getOrCreate(byTopic, tp.topic, () => []).push(state);
  return [...byTopic].map(([topic, topicStates]) => topicState(topic, topicStates));
}
