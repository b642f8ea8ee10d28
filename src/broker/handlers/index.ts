/** The request handlers by API key: what the broker serves. */
import { ApiKey } from '../../protocol/index.js';
import type { RequestHandler } from '../RequestContext.js';
import { handleAlterConfigs, handleIncrementalAlterConfigs } from './AlterConfigs.js';
import { handleApiVersions } from './ApiVersions.js';
import { handleDeleteRecords } from './DeleteRecords.js';
import { handleDescribeCluster } from './DescribeCluster.js';
import { handleDescribeConfigs } from './DescribeConfigs.js';
import { handleFetch } from './Fetch.js';
import { handleFindCoordinator } from './FindCoordinator.js';
import { handleDeleteGroups, handleDescribeGroups, handleListGroups } from './GroupAdmin.js';
import { handleHeartbeat, handleJoinGroup, handleLeaveGroup, handleSyncGroup } from './GroupMembership.js';
import { handleOffsetCommit, handleOffsetDelete, handleOffsetFetch } from './GroupOffsets.js';
import { handleInitProducerId } from './InitProducerId.js';
import { handleListOffsets } from './ListOffsets.js';
import { handleMetadata } from './Metadata.js';
import { handleProduce } from './Produce.js';
import { handleCreatePartitions, handleCreateTopics, handleDeleteTopics } from './TopicAdmin.js';

export const REQUEST_HANDLERS: ReadonlyMap<number, RequestHandler> = new Map([
  [ApiKey.ApiVersions, handleApiVersions],
  [ApiKey.Metadata, handleMetadata],
  [ApiKey.Produce, handleProduce],
  [ApiKey.Fetch, handleFetch],
  [ApiKey.ListOffsets, handleListOffsets],
  [ApiKey.CreateTopics, handleCreateTopics],
  [ApiKey.DeleteTopics, handleDeleteTopics],
  [ApiKey.CreatePartitions, handleCreatePartitions],
  [ApiKey.DescribeConfigs, handleDescribeConfigs],
  [ApiKey.AlterConfigs, handleAlterConfigs],
  [ApiKey.IncrementalAlterConfigs, handleIncrementalAlterConfigs],
  [ApiKey.DeleteRecords, handleDeleteRecords],
  [ApiKey.DescribeCluster, handleDescribeCluster],
  [ApiKey.InitProducerId, handleInitProducerId],
  [ApiKey.FindCoordinator, handleFindCoordinator],
  [ApiKey.JoinGroup, handleJoinGroup],
  [ApiKey.SyncGroup, handleSyncGroup],
  [ApiKey.Heartbeat, handleHeartbeat],
  [ApiKey.LeaveGroup, handleLeaveGroup],
  [ApiKey.OffsetCommit, handleOffsetCommit],
  [ApiKey.OffsetFetch, handleOffsetFetch],
  [ApiKey.OffsetDelete, handleOffsetDelete],
  [ApiKey.ListGroups, handleListGroups],
  [ApiKey.DescribeGroups, handleDescribeGroups],
  [ApiKey.DeleteGroups, handleDeleteGroups],
]);
