/**
 * What a ZooKeeper-mode controller tells a broker, as request bodies for tests that play the
 * controller over a RawKafkaClient: UpdateMetadata v8 (the live brokers and partition states)
 * and LeaderAndIsr v7 (the partitions a broker leads or follows), filled as Kafka's
 * ControllerChannelManager fills them.
 */
import type { Struct } from '../../src/protocol/index.js';
import { ApiKey } from '../../src/protocol/index.js';
import type { RawKafkaClient } from './rawKafkaClient.js';

/** A broker the controller names alive, listening on 127.0.0.1:port (PLAINTEXT). */
export interface LiveBroker {
  id: number;
  port: number;
  rack?: string | null;
}

/** A partition's state as the controller holds it: leader, epoch, ISR, replicas. */
export interface PartitionStateOf {
  partitionIndex: number;
  leader: number;
  leaderEpoch?: number;
  isr: number[];
  replicas: number[];
  offlineReplicas?: number[];
}

export interface ControllerEpochs {
  controllerId: number;
  controllerEpoch: number;
  brokerEpoch: number;
}

export function liveBrokerStructs(brokers: readonly LiveBroker[]): Struct[] {
  return brokers.map(({ id, port, rack }) => ({
    id,
    endpoints: [{ port, host: '127.0.0.1', listener: 'PLAINTEXT', securityProtocol: 0 }],
    rack: rack ?? null,
  }));
}

/** UpdateMetadataPartitionState: the znode version stands in as zkVersion. */
export function updateMetadataPartitionState(p: PartitionStateOf, controllerEpoch: number): Struct {
  return {
    partitionIndex: p.partitionIndex,
    controllerEpoch,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch ?? 1,
    isr: p.isr,
    zkVersion: 1,
    replicas: p.replicas,
    offlineReplicas: p.offlineReplicas ?? [],
  };
}

/** UpdateMetadata v8 for one topic's partitions and the live brokers. */
export function updateMetadata(
  client: RawKafkaClient,
  epochs: ControllerEpochs,
  topic: { name: string; id: Buffer; partitions: readonly PartitionStateOf[] },
  brokers: readonly LiveBroker[],
): Promise<Struct> {
  return client.call(ApiKey.UpdateMetadata, 8, {
    ...epochs,
    isKRaftController: false,
    type: 0,
    topicStates: [
      {
        topicName: topic.name,
        topicId: topic.id,
        partitionStates: topic.partitions.map((p) => updateMetadataPartitionState(p, epochs.controllerEpoch)),
      },
    ],
    liveBrokers: liveBrokerStructs(brokers),
  });
}

/** LeaderAndIsr v7 for partitions of one topic, the leaders among `brokers`. */
export function leaderAndIsr(
  client: RawKafkaClient,
  epochs: ControllerEpochs,
  topic: { name: string; id: Buffer; partitions: readonly PartitionStateOf[] },
  brokers: readonly LiveBroker[],
): Promise<Struct> {
  const partitionStates = topic.partitions.map((p) => ({
    partitionIndex: p.partitionIndex,
    controllerEpoch: epochs.controllerEpoch,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch ?? 1,
    isr: p.isr,
    replicas: p.replicas,
    partitionEpoch: 1,
    addingReplicas: [],
    removingReplicas: [],
    isNew: true,
  }));
  const leaders = new Set(topic.partitions.map((p) => p.leader));
  return client.call(ApiKey.LeaderAndIsr, 7, {
    ...epochs,
    isKRaftController: false,
    type: 0,
    topicStates: [{ topicName: topic.name, topicId: topic.id, partitionStates }],
    liveLeaders: brokers
      .filter((b) => leaders.has(b.id))
      .map((b) => ({ brokerId: b.id, hostName: '127.0.0.1', port: b.port })),
  });
}
