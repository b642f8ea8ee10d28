/**
 * What the kafkajs and kafka-python cross-checks share: the bodies our decoder must give
 * for requests the two clients build from the same values, and response bodies we encode
 * for them to read. Versions change which fields are on the wire; fields a version lacks
 * decode to their defaults.
 */
import type { RecordsValue, Struct } from '../../src/protocol/index.js';

export const ZERO_UUID = Buffer.alloc(16);

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const API_VERSIONS_REQUEST: Struct = { clientSoftwareName: '', clientSoftwareVersion: '' };

export function metadataRequest(v: number): Struct {
  return {
    topics: [
      { topicId: ZERO_UUID, name: 'orders' },
      { topicId: ZERO_UUID, name: 'payments' },
    ],
    allowAutoTopicCreation: v < 4,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  };
}

/** Forgotten topics go only where the client can send them (v7+). */
/** `records`: the batch the client built (or a matcher for it). */
export function produceRequest(v: number, records: unknown): Struct {
  return {
    transactionalId: v >= 3 ? 'tx-1' : null,
    acks: -1,
    timeoutMs: 1500,
    topicData: [{ name: 'orders', partitionData: [{ index: 2, records }] }],
  };
}

export function fetchRequest(v: number, forgotten: Struct[]): Struct {
  return {
    clusterId: null,
    replicaId: -1,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: v >= 3 ? 1_048_576 : 0x7fffffff,
    isolationLevel: v >= 4 ? 1 : 0,
    sessionId: v >= 7 ? 12 : 0,
    sessionEpoch: v >= 7 ? 3 : -1,
    topics: [
      {
        topic: 'orders',
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: v >= 9 ? 4 : -1,
            fetchOffset: 42,
            lastFetchedEpoch: -1,
            logStartOffset: v >= 5 ? 7 : -1,
            partitionMaxBytes: 65536,
          },
        ],
      },
    ],
    forgottenTopicsData: v >= 7 ? forgotten : [],
    rackId: v >= 11 ? 'rack-a' : '',
  };
}

export function listOffsetsRequest(v: number): Struct {
  return {
    replicaId: -1,
    isolationLevel: v >= 2 ? 1 : 0,
    topics: [
      {
        name: 'orders',
        partitions: [{ partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: v === 0 ? 3 : 1 }],
      },
    ],
  };
}

export function createTopicsRequest(v: number): Struct {
  return {
    topics: [
      {
        name: 'orders',
        numPartitions: 3,
        replicationFactor: 1,
        assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }],
        configs: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
    timeoutMs: 3000,
    validateOnly: v >= 1,
  };
}

export const DELETE_TOPICS_REQUEST: Struct = { topics: [], topicNames: ['a', 'b'], timeoutMs: 2000 };

export function describeConfigsRequest(v: number): Struct {
  return {
    resources: [
      { resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms'] },
      { resourceType: 4, resourceName: '1', configurationKeys: null },
    ],
    includeSynonyms: v >= 1,
    includeDocumentation: false,
  };
}

export const ALTER_CONFIGS_REQUEST: Struct = {
  resources: [{ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', value: '5000' }] }],
  validateOnly: true,
};

export const CREATE_PARTITIONS_REQUEST: Struct = {
  topics: [
    { name: 'orders', count: 4, assignments: [{ brokerIds: [1] }, { brokerIds: [2] }] },
    { name: 'payments', count: 2, assignments: null },
  ],
  timeoutMs: 1000,
  validateOnly: false,
};

/** `staticFrom`: the first version in which the client sends its group instance id. */
export function joinGroupRequest(v: number, staticFrom: number): Struct {
  return {
    groupId: 'group-1',
    sessionTimeoutMs: 30000,
    rebalanceTimeoutMs: v >= 1 ? 60000 : -1,
    memberId: '',
    groupInstanceId: v >= staticFrom ? 'static-1' : null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([1, 2, 3]) }],
    reason: null,
  };
}

export function syncGroupRequest(v: number, staticFrom: number): Struct {
  return {
    groupId: 'group-1',
    generationId: 7,
    memberId: 'member-1',
    groupInstanceId: v >= staticFrom ? 'static-1' : null,
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId: 'member-1', assignment: Buffer.from([4, 5]) }],
  };
}

export function heartbeatRequest(v: number, staticFrom: number): Struct {
  return {
    groupId: 'group-1',
    generationId: 7,
    memberId: 'member-1',
    groupInstanceId: v >= staticFrom ? 'static-1' : null,
  };
}

export function offsetCommitRequest(v: number): Struct {
  return {
    groupId: 'group-1',
    generationIdOrMemberEpoch: v >= 1 ? 7 : -1,
    memberId: v >= 1 ? 'member-1' : '',
    groupInstanceId: null,
    retentionTimeMs: v >= 2 && v <= 4 ? 86_400_000 : -1,
    topics: [
      {
        name: 'orders',
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 42,
            committedLeaderEpoch: -1,
            commitTimestamp: v === 1 ? 1_700_000_000_000 : -1,
            committedMetadata: 'meta',
          },
        ],
      },
    ],
  };
}

export const OFFSET_FETCH_REQUEST: Struct = {
  groupId: 'group-1',
  topics: [{ name: 'orders', partitionIndexes: [0, 1] }],
  groups: [],
  requireStable: false,
};

export function metadataResponse(rack: string | null): Struct {
  return {
    throttleTimeMs: 3,
    brokers: [{ nodeId: 1, host: 'broker-1', port: 9092, rack }],
    clusterId: 'cluster-x',
    controllerId: 1,
    topics: [
      {
        errorCode: 0,
        name: 'orders',
        isInternal: true,
        partitions: [
          {
            errorCode: 0,
            partitionIndex: 4,
            leaderId: 1,
            leaderEpoch: 5,
            replicaNodes: [1, 2],
            isrNodes: [1],
            offlineReplicas: [2],
          },
        ],
      },
    ],
  };
}

export const PRODUCE_RESPONSE: Struct = {
  responses: [
    {
      name: 'orders',
      partitionResponses: [
        {
          index: 2,
          errorCode: 0,
          baseOffset: 1_234_567_890_123,
          logAppendTimeMs: 1_700_000_000_000,
          logStartOffset: 17,
        },
      ],
    },
  ],
  throttleTimeMs: 5,
};

export function fetchResponse(records: RecordsValue): Struct {
  return {
    throttleTimeMs: 9,
    errorCode: 0,
    sessionId: 12,
    responses: [
      {
        topic: 'orders',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 100,
            lastStableOffset: 90,
            logStartOffset: 3,
            abortedTransactions: [{ producerId: 77, firstOffset: 5 }],
            preferredReadReplica: 2,
            records,
          },
        ],
      },
    ],
  };
}

export const LIST_OFFSETS_RESPONSE: Struct = {
  throttleTimeMs: 4,
  topics: [
    {
      name: 'orders',
      partitions: [
        {
          partitionIndex: 1,
          errorCode: 0,
          oldStyleOffsets: [55, 44],
          timestamp: 1_700_000_000_123,
          offset: 55,
          leaderEpoch: 2,
        },
      ],
    },
  ],
};

export const DESCRIBE_CONFIGS_RESPONSE: Struct = {
  throttleTimeMs: 5,
  results: [
    {
      errorCode: 0,
      errorMessage: null,
      resourceType: 2,
      resourceName: 'orders',
      configs: [
        {
          name: 'retention.ms',
          value: '1000',
          readOnly: false,
          isDefault: false,
          configSource: 1,
          isSensitive: false,
          synonyms: [{ name: 'retention.ms', value: '1000', source: 1 }],
        },
      ],
    },
  ],
};

export const JOIN_GROUP_RESPONSE: Struct = {
  throttleTimeMs: 4,
  errorCode: 0,
  generationId: 7,
  protocolName: 'range',
  leader: 'member-1',
  memberId: 'member-2',
  members: [{ memberId: 'member-1', groupInstanceId: 'static-1', metadata: Buffer.from([9]) }],
};

export const DESCRIBE_GROUPS_RESPONSE: Struct = {
  throttleTimeMs: 1,
  groups: [
    {
      errorCode: 0,
      groupId: 'group-1',
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
      members: [
        {
          memberId: 'member-1',
          groupInstanceId: null,
          clientId: 'client-1',
          clientHost: '/127.0.0.1',
          memberMetadata: Buffer.from([1]),
          memberAssignment: Buffer.from([2]),
        },
      ],
    },
  ],
};
