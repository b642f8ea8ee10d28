/**
 * The requests the controller sends brokers, typed by the schema table
 * (src/protocol/messages: Kafka's LeaderAndIsrRequest.json, UpdateMetadataRequest.json,
 * StopReplicaRequest.json) at the versions a 3.8 controller sends (ControllerChannelManager:
 * IBP 3.4 and later), so the broker side encodes them with the table unchanged.
 */
import type { EncodableRequest, ResponseOf } from '../protocol/index.js';
import { LeaderAndIsr } from '../protocol/messages/LeaderAndIsr.js';
import { StopReplica } from '../protocol/messages/StopReplica.js';
import { UpdateMetadata } from '../protocol/messages/UpdateMetadata.js';

/** AbstractControlRequest.Type: a ZooKeeper controller sends UNKNOWN; FULL and INCREMENTAL are KIP-866 migration's. */
export const CONTROL_REQUEST_TYPE_UNKNOWN = 0;

/** The controller's requests by name, and the version of each it sends (AbstractControllerBrokerRequestBatch). */
export const CONTROL_APIS = { LeaderAndIsr, UpdateMetadata, StopReplica } as const;
export const CONTROL_API_VERSIONS = { LeaderAndIsr: 7, UpdateMetadata: 8, StopReplica: 4 } as const;

export type ControlApi = keyof typeof CONTROL_APIS;

/**
 * T with the fields K always given. The schema's encodable type leaves out a field not in
 * every version (topicStates is v2+, v5+, v3+); at the versions sent they are all there.
 */
type Given<T, K extends keyof T> = Omit<T, K> & { readonly [P in K]-?: NonNullable<T[P]> };

export type LeaderAndIsrRequestData = Given<EncodableRequest<typeof LeaderAndIsr>, 'topicStates'>;
export type LeaderAndIsrPartitionState = LeaderAndIsrRequestData['topicStates'][number]['partitionStates'][number];

export type UpdateMetadataRequestData = Given<EncodableRequest<typeof UpdateMetadata>, 'topicStates'>;
export type UpdateMetadataPartitionState = UpdateMetadataRequestData['topicStates'][number]['partitionStates'][number];
export type UpdateMetadataBroker = UpdateMetadataRequestData['liveBrokers'][number];

export type StopReplicaRequestData = Given<EncodableRequest<typeof StopReplica>, 'topicStates'>;
export type StopReplicaPartitionState = StopReplicaRequestData['topicStates'][number]['partitionStates'][number];

/** Each request's body, by name. */
export interface ControlRequestData {
  readonly LeaderAndIsr: LeaderAndIsrRequestData;
  readonly UpdateMetadata: UpdateMetadataRequestData;
  readonly StopReplica: StopReplicaRequestData;
}

/** One request of API K for one broker. */
export interface ControlRequestOf<K extends ControlApi> {
  readonly api: K;
  readonly brokerId: number;
  /** The version the batch chose (CONTROL_API_VERSIONS), with which the channel encodes it. */
  readonly version: number;
  readonly data: ControlRequestData[K];
}

/** One request for one broker, in the order the batch sends them (LeaderAndIsr, UpdateMetadata, StopReplica). */
export type ControlRequest = { [K in ControlApi]: ControlRequestOf<K> }[ControlApi];

/** Each request's response body, by name (StopReplica's goes back to the controller). */
export type ControlResponse<K extends ControlApi> = ResponseOf<(typeof CONTROL_APIS)[K]>;
