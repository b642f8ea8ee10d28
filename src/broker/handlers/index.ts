/** The request handlers, each with its API: what the broker serves. */
import type { RequestHandler } from '../RequestContext.js';
import { handleAlterConfigs, handleIncrementalAlterConfigs } from './AlterConfigs.js';
import { handleApiVersions } from './ApiVersions.js';
import { handleDeleteRecords } from './DeleteRecords.js';
import { handleDescribeCluster } from './DescribeCluster.js';
import { handleDescribeConfigs } from './DescribeConfigs.js';
import { handleDescribeProducers } from './DescribeProducers.js';
import { handleFetch } from './Fetch.js';
import { handleFindCoordinator } from './FindCoordinator.js';
import { handleDeleteGroups, handleDescribeGroups, handleListGroups } from './GroupAdmin.js';
import { handleHeartbeat, handleJoinGroup, handleLeaveGroup, handleSyncGroup } from './GroupMembership.js';
import { handleAddOffsetsToTxn, handleAddPartitionsToTxn, handleEndTxn } from './Transactions.js';
import { handleOffsetCommit, handleOffsetDelete, handleOffsetFetch, handleTxnOffsetCommit } from './GroupOffsets.js';
import { handleInitProducerId } from './InitProducerId.js';
import { handleListOffsets } from './ListOffsets.js';
import { handleOffsetForLeaderEpoch } from './OffsetForLeaderEpoch.js';
import { handleMetadata } from './Metadata.js';
import { handleProduce } from './Produce.js';
import { handleDescribeTransactions, handleListTransactions } from './TransactionAdmin.js';
import { handleWriteTxnMarkers } from './WriteTxnMarkers.js';
import { handleControlledShutdown } from './ControlledShutdown.js';
import { handleLeaderAndIsr } from './LeaderAndIsr.js';
import { handleStopReplica } from './StopReplica.js';
import { handleUpdateMetadata } from './UpdateMetadata.js';
import { handleCreatePartitions, handleCreateTopics, handleDeleteTopics } from './TopicAdmin.js';
import { handleElectLeaders } from './ElectLeaders.js';
import { handleAlterPartitionReassignments, handleListPartitionReassignments } from './PartitionReassignments.js';

export const REQUEST_HANDLERS: readonly RequestHandler[] = [
  handleApiVersions,
  handleMetadata,
  handleProduce,
  handleFetch,
  handleListOffsets,
  handleOffsetForLeaderEpoch,
  handleCreateTopics,
  handleDeleteTopics,
  handleCreatePartitions,
  handleDescribeConfigs,
  handleAlterConfigs,
  handleIncrementalAlterConfigs,
  handleDeleteRecords,
  handleDescribeCluster,
  handleInitProducerId,
  handleDescribeProducers,
  handleFindCoordinator,
  handleJoinGroup,
  handleSyncGroup,
  handleHeartbeat,
  handleLeaveGroup,
  handleOffsetCommit,
  handleOffsetFetch,
  handleOffsetDelete,
  handleListGroups,
  handleDescribeGroups,
  handleDeleteGroups,
  handleAddPartitionsToTxn,
  handleAddOffsetsToTxn,
  handleEndTxn,
  handleWriteTxnMarkers,
  handleTxnOffsetCommit,
  handleDescribeTransactions,
  handleListTransactions,
];

/**
 * The ZooKeeper-mode inter-broker APIs (listener zkBroker): served, and advertised by
 * ApiVersions, only by a broker in cluster mode, as a 3.8 ZooKeeper broker does. The single
 * node is no ZooKeeper broker: it neither lists them nor serves them. With them, the
 * controller's admin APIs (ElectLeaders, the partition reassignments): the single node has no
 * controller, and its partitions one replica each, so nothing to elect or move.
 */
export const CLUSTER_REQUEST_HANDLERS: readonly RequestHandler[] = [
  handleLeaderAndIsr,
  handleStopReplica,
  handleUpdateMetadata,
  handleControlledShutdown,
  handleElectLeaders,
  handleAlterPartitionReassignments,
  handleListPartitionReassignments,
];
