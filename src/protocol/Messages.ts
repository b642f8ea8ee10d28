/**
 * The table of APIs we implement, one schema file per API under messages/.
 *
 * Versions: each API runs from v0 to a Kafka 3.x version, stopping before versions that
 * need what we do not have (Fetch v13+ names topics by id only; ListOffsets v8+ lists
 * tiered-storage offsets; FindCoordinator v6 share groups; OffsetCommit/OffsetFetch v9
 * and ListGroups v5 the KIP-848 consumer protocol). What the three clients we test with
 * use at most (looked up in their sources: kafkajs 2.2.4 src/protocol/requests/<api>/v<N>;
 * librdkafka 2.0.2 rd_kafka_broker_ApiVersion_supported calls in rdkafka_request.c,
 * rdkafka_msgset_writer.c (Produce), rdkafka_fetcher.c (Fetch); kafka-python 2.0.2
 * kafka/protocol/*.py request classes), with "-" where the client never sends it:
 *
 *   API                      kafkajs   librdkafka   kafka-python   ours
 *   Produce                  0-7       0-7          0-8            0-11
 *   Fetch                    0-11      0-11         0-11           0-12
 *   ListOffsets              0-3       0-2          0-5            0-7
 *   Metadata                 0-6       0-4          0-5            0-12
 *   OffsetCommit             0-5       0-7          0-3            0-8
 *   OffsetFetch              1-4       0-7          0-3            0-8
 *   FindCoordinator          0-2       0-2          0-1            0-5
 *   JoinGroup                0-5       0-5          0-2            0-9
 *   Heartbeat                0-3       0-3          0-1            0-4
 *   LeaveGroup               0-3       0-1          0-1            0-5
 *   SyncGroup                0-3       0-3          0-1            0-5
 *   DescribeGroups           0-2       0-4          0-3            0-5
 *   ListGroups               0-2       0-4          0-2            0-4
 *   SaslHandshake            0-1       0-1          0-1            0-1
 *   ApiVersions              0-2       3, then 0    0-2            0-4
 *   CreateTopics             0-3       0-4          0-3            0-7
 *   DeleteTopics             0-1       0-1          0-3            0-6
 *   DeleteRecords            0-1       0-1          -              0-2
 *   InitProducerId           0-1       0-4          -              0-5
 *   OffsetForLeaderEpoch     -         2            -              0-4
 *   DescribeConfigs          0-2       0-1          0-2            0-4
 *   AlterConfigs             0-1       0            0-1            0-2
 *   SaslAuthenticate         0-1       0            0-1            0-2
 *   CreatePartitions         0-1       0            0-1            0-3
 *   DeleteGroups             0-1       0-1          0-1            0-2
 *   IncrementalAlterConfigs  -         -            -              0-1
 *   OffsetDelete             -         0            -              0
 *   DescribeCluster          -         -            -              0-1
 *   AddPartitionsToTxn       0-1       0            -              0-3
 *   AddOffsetsToTxn          0-1       0            -              0-4
 *   EndTxn                   0-1       0-1          -              0-4
 *   WriteTxnMarkers          -         -            -              0-1
 *   TxnOffsetCommit          0-1       0-3          -              0-4
 *   DescribeTransactions     -         -            -              0
 *   ListTransactions         -         -            -              0-1
 *   DescribeProducers        -         -            -              0
 *   LeaderAndIsr             -         -            -              0-7
 *   StopReplica              -         -            -              0-4
 *   UpdateMetadata           -         -            -              0-8
 *   ControlledShutdown       -         -            -              0-3
 *   ElectLeaders             -         -            -              0-2
 *   AlterPartitionReassignments  0     -            -              0
 *   ListPartitionReassignments   0     -            -              0
 *
 * The last four are Kafka's ZooKeeper-mode inter-broker APIs (listener zkBroker), in full:
 * only a broker in cluster mode serves and advertises them, as a 3.8 ZooKeeper broker does.
 * AddPartitionsToTxn v4+ (KIP-890) is broker to broker (verifying a produce is in its
 * transaction) and is not served. ElectLeaders and the partition reassignments are the
 * controller's admin APIs (KafkaAdminClient sends them to the controller): only a broker in
 * cluster mode serves them. librdkafka 2.0.2's transactional versions are from
 * rdkafka_txnmgr.c; the confluent-kafka-python client is librdkafka underneath.
 */
import { AlterConfigs } from './messages/AlterConfigs.js';
import { ApiVersions } from './messages/ApiVersions.js';
import { CreatePartitions } from './messages/CreatePartitions.js';
import { CreateTopics } from './messages/CreateTopics.js';
import { DeleteGroups } from './messages/DeleteGroups.js';
import { DeleteRecords } from './messages/DeleteRecords.js';
import { DeleteTopics } from './messages/DeleteTopics.js';
import { OffsetForLeaderEpoch } from './messages/OffsetForLeaderEpoch.js';
import { DescribeCluster } from './messages/DescribeCluster.js';
import { DescribeConfigs } from './messages/DescribeConfigs.js';
import { DescribeProducers } from './messages/DescribeProducers.js';
import { DescribeGroups } from './messages/DescribeGroups.js';
import { Fetch } from './messages/Fetch.js';
import { FindCoordinator } from './messages/FindCoordinator.js';
import { Heartbeat } from './messages/Heartbeat.js';
import { IncrementalAlterConfigs } from './messages/IncrementalAlterConfigs.js';
import { InitProducerId } from './messages/InitProducerId.js';
import { JoinGroup } from './messages/JoinGroup.js';
import { LeaveGroup } from './messages/LeaveGroup.js';
import { ListGroups } from './messages/ListGroups.js';
import { ListOffsets } from './messages/ListOffsets.js';
import { Metadata } from './messages/Metadata.js';
import { OffsetCommit } from './messages/OffsetCommit.js';
import { OffsetDelete } from './messages/OffsetDelete.js';
import { OffsetFetch } from './messages/OffsetFetch.js';
import { Produce } from './messages/Produce.js';
import { SaslAuthenticate } from './messages/SaslAuthenticate.js';
import { SaslHandshake } from './messages/SaslHandshake.js';
import { SyncGroup } from './messages/SyncGroup.js';
import { AddOffsetsToTxn } from './messages/AddOffsetsToTxn.js';
import { AddPartitionsToTxn } from './messages/AddPartitionsToTxn.js';
import { DescribeTransactions } from './messages/DescribeTransactions.js';
import { EndTxn } from './messages/EndTxn.js';
import { ListTransactions } from './messages/ListTransactions.js';
import { TxnOffsetCommit } from './messages/TxnOffsetCommit.js';
import { WriteTxnMarkers } from './messages/WriteTxnMarkers.js';
import { ControlledShutdown } from './messages/ControlledShutdown.js';
import { LeaderAndIsr } from './messages/LeaderAndIsr.js';
import { StopReplica } from './messages/StopReplica.js';
import { UpdateMetadata } from './messages/UpdateMetadata.js';
import { ElectLeaders } from './messages/ElectLeaders.js';
import { AlterPartitionReassignments } from './messages/AlterPartitionReassignments.js';
import { ListPartitionReassignments } from './messages/ListPartitionReassignments.js';
import type { ApiSchema } from './Schema.js';
import { parseVersions, type VersionRange } from './Versions.js';

export const MESSAGES: readonly ApiSchema[] = [
  Produce,
  Fetch,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  FindCoordinator,
  JoinGroup,
  Heartbeat,
  LeaveGroup,
  SyncGroup,
  DescribeGroups,
  ListGroups,
  SaslHandshake,
  ApiVersions,
  CreateTopics,
  DeleteTopics,
  DeleteRecords,
  InitProducerId,
  OffsetForLeaderEpoch,
  DescribeConfigs,
  AlterConfigs,
  SaslAuthenticate,
  CreatePartitions,
  DeleteGroups,
  IncrementalAlterConfigs,
  OffsetDelete,
  DescribeCluster,
  AddPartitionsToTxn,
  AddOffsetsToTxn,
  EndTxn,
  WriteTxnMarkers,
  TxnOffsetCommit,
  DescribeTransactions,
  ListTransactions,
  DescribeProducers,
  LeaderAndIsr,
  StopReplica,
  UpdateMetadata,
  ControlledShutdown,
  ElectLeaders,
  AlterPartitionReassignments,
  ListPartitionReassignments,
];

/** Kafka's API keys for the APIs in the table. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  OffsetDelete: 47,
  DescribeCluster: 60,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  WriteTxnMarkers: 27,
  TxnOffsetCommit: 28,
  DescribeTransactions: 65,
  ListTransactions: 66,
  DescribeProducers: 61,
  LeaderAndIsr: 4,
  StopReplica: 5,
  UpdateMetadata: 6,
  ControlledShutdown: 7,
  ElectLeaders: 43,
  AlterPartitionReassignments: 45,
  ListPartitionReassignments: 46,
} as const;

const byKey: (ApiSchema | undefined)[] = [];
const versionsByKey: (VersionRange | undefined)[] = [];
for (const schema of MESSAGES) {
  byKey[schema.apiKey] = schema;
  versionsByKey[schema.apiKey] = parseVersions(schema.request.validVersions);
}

export function apiSchema(apiKey: number): ApiSchema | undefined {
  return byKey[apiKey];
}

export function apiName(apiKey: number): string | undefined {
  return byKey[apiKey]?.name;
}

export interface SupportedApi {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** One entry per API in the table, by API key: what an ApiVersions response lists. */
export function supportedApis(): SupportedApi[] {
  return MESSAGES.map(({ apiKey }) => ({
    apiKey,
    minVersion: versionsByKey[apiKey]!.min,
    maxVersion: versionsByKey[apiKey]!.max,
  })).sort((a, b) => a.apiKey - b.apiKey);
}

export function isSupported(apiKey: number, apiVersion: number): boolean {
  const range = versionsByKey[apiKey];
  return range !== undefined && apiVersion >= range.min && apiVersion <= range.max;
}
