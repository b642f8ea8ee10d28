/**
 * The requests the controller sends brokers, as plain objects whose fields are those of
 * Kafka's LeaderAndIsrRequest.json (v7), UpdateMetadataRequest.json (v8) and
 * StopReplicaRequest.json (v4), camelCased as the schema table names them: the versions a
 * 3.8 controller sends (ControllerChannelManager: IBP 3.4 and later), so the broker side can
 * encode them with the schema table unchanged.
 */

/** AbstractControlRequest.Type: a ZooKeeper controller sends UNKNOWN; FULL and INCREMENTAL are KIP-866 migration's. */
export const CONTROL_REQUEST_TYPE_UNKNOWN = 0;

export const LEADER_AND_ISR_VERSION = 7;
export const UPDATE_METADATA_VERSION = 8;
export const STOP_REPLICA_VERSION = 4;

export interface LeaderAndIsrPartitionState {
  readonly partitionIndex: number;
  readonly controllerEpoch: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: number[];
  readonly partitionEpoch: number;
  readonly replicas: number[];
  readonly addingReplicas: number[];
  readonly removingReplicas: number[];
  readonly isNew: boolean;
  readonly leaderRecoveryState: number;
}

export interface LeaderAndIsrRequestData {
  readonly controllerId: number;
  readonly isKRaftController: boolean;
  readonly controllerEpoch: number;
  readonly brokerEpoch: number;
  readonly type: number;
  readonly topicStates: {
    readonly topicName: string;
    readonly topicId: Buffer;
    readonly partitionStates: LeaderAndIsrPartitionState[];
  }[];
  readonly liveLeaders: { readonly brokerId: number; readonly hostName: string; readonly port: number }[];
}

export interface UpdateMetadataPartitionState {
  readonly partitionIndex: number;
  readonly controllerEpoch: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: number[];
  readonly zkVersion: number;
  readonly replicas: number[];
  readonly offlineReplicas: number[];
}

export interface UpdateMetadataBroker {
  readonly id: number;
  readonly endpoints: {
    readonly port: number;
    readonly host: string;
    readonly listener: string;
    readonly securityProtocol: number;
  }[];
  readonly rack: string | null;
}

export interface UpdateMetadataRequestData {
  readonly controllerId: number;
  readonly isKRaftController: boolean;
  readonly type: number;
  readonly controllerEpoch: number;
  readonly brokerEpoch: number;
  readonly topicStates: {
    readonly topicName: string;
    readonly topicId: Buffer;
    readonly partitionStates: UpdateMetadataPartitionState[];
  }[];
  readonly liveBrokers: UpdateMetadataBroker[];
}

export interface StopReplicaPartitionState {
  readonly partitionIndex: number;
  readonly leaderEpoch: number;
  readonly deletePartition: boolean;
}

export interface StopReplicaRequestData {
  readonly controllerId: number;
  readonly isKRaftController: boolean;
  readonly controllerEpoch: number;
  readonly brokerEpoch: number;
  readonly topicStates: { readonly topicName: string; readonly partitionStates: StopReplicaPartitionState[] }[];
}

/** One request for one broker, in the order the batch sends them (LeaderAndIsr, UpdateMetadata, StopReplica). */
export type ControlRequest =
  | {
      readonly api: 'LeaderAndIsr';
      readonly brokerId: number;
      readonly version: number;
      readonly data: LeaderAndIsrRequestData;
    }
  | {
      readonly api: 'UpdateMetadata';
      readonly brokerId: number;
      readonly version: number;
      readonly data: UpdateMetadataRequestData;
    }
  | {
      readonly api: 'StopReplica';
      readonly brokerId: number;
      readonly version: number;
      readonly data: StopReplicaRequestData;
    };
