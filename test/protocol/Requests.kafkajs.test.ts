/**
 * Cross-check against kafkajs 2.2.4, for every API and version it implements: requests
 * kafkajs encodes decode with ours to the values it was given, and responses we encode
 * decode with kafkajs to the values we put in.
 */
import { describe, expect, test } from 'vitest';
import { ApiKey, apiSchema, decodeRequest, encodeResponse, type Struct } from '../../src/protocol/index.js';
import {
  CLIENT_ID,
  kafkajsApi,
  kafkajsFrame,
  kafkajsMessages,
  kafkajsMessageSet,
  kafkajsRecordBatch,
  type Entry,
} from '../helpers/kafkajsProtocol.js';
import * as scenario from '../helpers/protocolScenarios.js';

const { range } = scenario;

const CORRELATION_ID = 0x01020304;

/** kafkajs names the throttle time `throttleTime` until it began throttling client-side. */
function throttle(v: number, ms: number, since: number, clientSideFrom: number): object {
  if (v < since) return {};
  return v < clientSideFrom ? { throttleTime: ms } : { clientSideThrottleTime: ms };
}

interface Case {
  api: string;
  apiKey: number;
  versions: number[];
  args: object;
  /** The body our decoder must produce from kafkajs' request. */
  request(v: number): Struct;
  /** A response body to encode, and what kafkajs must read from it. */
  response: Struct;
  decoded(v: number): object;
}

async function decodeKafkajsRequest(api: string, apiKey: number, v: number, args: object) {
  const { request } = kafkajsApi(api, v, args);
  const decoded = decodeRequest(await kafkajsFrame(request, CORRELATION_ID));
  expect(decoded.header).toEqual({ apiKey, apiVersion: v, correlationId: CORRELATION_ID, clientId: CLIENT_ID });
  return decoded.body;
}

async function kafkajsDecodeResponse(
  api: string,
  apiKey: number,
  v: number,
  args: object,
  body: Struct,
): Promise<unknown> {
  const bytes = Buffer.concat(
    encodeResponse(apiSchema(apiKey)!, { apiKey, apiVersion: v, correlationId: CORRELATION_ID, clientId: null }, body),
  );
  expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
  expect(bytes.readInt32BE(4)).toBe(CORRELATION_ID);
  return kafkajsApi(api, v, args).response.decode(bytes.subarray(8));
}

const cases: Case[] = [
  {
    api: 'apiVersions',
    apiKey: ApiKey.ApiVersions,
    versions: range(0, 2),
    args: {},
    request: () => scenario.API_VERSIONS_REQUEST,
    response: {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 0, maxVersion: 11 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 7,
    },
    decoded: (v) => ({
      errorCode: 0,
      apiVersions: [
        { apiKey: 0, minVersion: 0, maxVersion: 11 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      ...throttle(v, 7, 1, 2),
    }),
  },
  {
    api: 'metadata',
    apiKey: ApiKey.Metadata,
    versions: range(0, 6),
    args: { topics: ['orders', 'payments'], allowAutoTopicCreation: false },
    request: scenario.metadataRequest,
    response: scenario.metadataResponse('rack-a'),
    decoded: (v) => ({
      brokers: [{ nodeId: 1, host: 'broker-1', port: 9092, ...(v >= 1 ? { rack: 'rack-a' } : {}) }],
      ...(v >= 1 ? { controllerId: 1 } : {}),
      ...(v >= 2 ? { clusterId: 'cluster-x' } : {}),
      ...throttle(v, 3, 3, 6),
      topicMetadata: [
        {
          topicErrorCode: 0,
          topic: 'orders',
          ...(v >= 1 ? { isInternal: true } : {}),
          partitionMetadata: [
            {
              partitionErrorCode: 0,
              partitionId: 4,
              leader: 1,
              replicas: [1, 2],
              isr: [1],
              ...(v >= 5 ? { offlineReplicas: [2] } : {}),
            },
          ],
        },
      ],
    }),
  },
  {
    api: 'listOffsets',
    apiKey: ApiKey.ListOffsets,
    versions: range(0, 3),
    args: {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ topic: 'orders', partitions: [{ partition: 1, timestamp: -2, maxNumOffsets: 3 }] }],
    },
    request: scenario.listOffsetsRequest,
    response: scenario.LIST_OFFSETS_RESPONSE,
    decoded: (v) => ({
      ...throttle(v, 4, 2, 3),
      responses: [
        {
          topic: 'orders',
          partitions: [
            v === 0
              ? { partition: 1, errorCode: 0, offsets: ['55', '44'] }
              : { partition: 1, errorCode: 0, timestamp: '1700000000123', offset: '55' },
          ],
        },
      ],
    }),
  },
  {
    api: 'createTopics',
    apiKey: ApiKey.CreateTopics,
    versions: range(0, 3),
    args: {
      topics: [
        {
          topic: 'orders',
          numPartitions: 3,
          replicationFactor: 1,
          replicaAssignment: [{ partition: 0, replicas: [1, 2] }],
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
      validateOnly: true,
      timeout: 3000,
    },
    request: scenario.createTopicsRequest,
    response: { throttleTimeMs: 6, topics: [{ name: 'orders', errorCode: 0, errorMessage: 'created' }] },
    decoded: (v) => ({
      ...throttle(v, 6, 2, 3),
      topicErrors: [{ topic: 'orders', errorCode: 0, ...(v >= 1 ? { errorMessage: 'created' } : {}) }],
    }),
  },
  {
    api: 'deleteTopics',
    apiKey: ApiKey.DeleteTopics,
    versions: range(0, 1),
    args: { topics: ['a', 'b'], timeout: 2000 },
    request: () => scenario.DELETE_TOPICS_REQUEST,
    response: {
      throttleTimeMs: 2,
      responses: [
        { name: 'a', errorCode: 0 },
        { name: 'b', errorCode: 0 },
      ],
    },
    decoded: (v) => ({
      ...throttle(v, 2, 1, 1),
      topicErrors: [
        { topic: 'a', errorCode: 0 },
        { topic: 'b', errorCode: 0 },
      ],
    }),
  },
  {
    api: 'deleteRecords',
    apiKey: ApiKey.DeleteRecords,
    versions: range(0, 1),
    args: { topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '15' }] }], timeout: 2500 },
    request: () => ({ topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, offset: 15 }] }], timeoutMs: 2500 }),
    response: {
      throttleTimeMs: 1,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, lowWatermark: 15, errorCode: 0 }] }],
    },
    decoded: (v) => ({
      ...(v === 0 ? { throttleTime: 1 } : { clientSideThrottleTime: 1 }),
      topics: [{ topic: 'orders', partitions: [{ partition: 0, lowWatermark: 15n, errorCode: 0 }] }],
    }),
  },
  {
    api: 'initProducerId',
    apiKey: ApiKey.InitProducerId,
    versions: range(0, 1),
    args: { transactionalId: 'tx-1', transactionTimeout: 30000 },
    request: () => ({ transactionalId: 'tx-1', transactionTimeoutMs: 30000, producerId: -1, producerEpoch: -1 }),
    response: { throttleTimeMs: 8, errorCode: 0, producerId: 4000, producerEpoch: 2 },
    decoded: (v) => ({ ...throttle(v, 8, 0, 1), errorCode: 0, producerId: '4000', producerEpoch: 2 }),
  },
  {
    api: 'describeConfigs',
    apiKey: ApiKey.DescribeConfigs,
    versions: range(0, 2),
    args: {
      resources: [
        { type: 2, name: 'orders', configNames: ['retention.ms'] },
        { type: 4, name: '1', configNames: [] },
      ],
      includeSynonyms: true,
    },
    request: scenario.describeConfigsRequest,
    response: scenario.DESCRIBE_CONFIGS_RESPONSE,
    decoded: (v) => ({
      ...throttle(v, 5, 0, 2),
      resources: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: 'orders',
          configEntries: [
            {
              configName: 'retention.ms',
              configValue: '1000',
              readOnly: false,
              isDefault: false,
              configSource: 1,
              isSensitive: false,
              ...(v >= 1
                ? { configSynonyms: [{ configName: 'retention.ms', configValue: '1000', configSource: 1 }] }
                : {}),
            },
          ],
        },
      ],
    }),
  },
  {
    api: 'alterConfigs',
    apiKey: ApiKey.AlterConfigs,
    versions: range(0, 1),
    args: {
      resources: [{ type: 2, name: 'orders', configEntries: [{ name: 'retention.ms', value: '5000' }] }],
      validateOnly: true,
    },
    request: () => scenario.ALTER_CONFIGS_REQUEST,
    response: {
      throttleTimeMs: 9,
      responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' }],
    },
    decoded: (v) => ({
      ...throttle(v, 9, 0, 1),
      resources: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' }],
    }),
  },
  {
    api: 'createPartitions',
    apiKey: ApiKey.CreatePartitions,
    versions: range(0, 1),
    args: {
      topicPartitions: [
        { topic: 'orders', count: 4, assignments: [[1], [2]] },
        { topic: 'payments', count: 2 },
      ],
      validateOnly: false,
      timeout: 1000,
    },
    request: () => scenario.CREATE_PARTITIONS_REQUEST,
    response: { throttleTimeMs: 3, results: [{ name: 'orders', errorCode: 0, errorMessage: null }] },
    decoded: (v) => ({ ...throttle(v, 3, 0, 1), topicErrors: [{ topic: 'orders', errorCode: 0, errorMessage: null }] }),
  },
  {
    api: 'findCoordinator',
    apiKey: ApiKey.FindCoordinator,
    versions: range(0, 2),
    args: { groupId: 'group-1', coordinatorType: 1 },
    request: (v) => ({ key: 'group-1', keyType: v >= 1 ? 1 : 0, coordinatorKeys: [] }),
    response: { throttleTimeMs: 2, errorCode: 0, errorMessage: null, nodeId: 3, host: 'broker-3', port: 9093 },
    decoded: (v) => ({
      errorCode: 0,
      coordinator: { nodeId: 3, host: 'broker-3', port: 9093 },
      ...(v >= 1 ? { errorMessage: null } : {}),
      ...throttle(v, 2, 1, 2),
    }),
  },
  {
    api: 'joinGroup',
    apiKey: ApiKey.JoinGroup,
    versions: range(0, 5),
    args: {
      groupId: 'group-1',
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: '',
      groupInstanceId: 'static-1',
      protocolType: 'consumer',
      groupProtocols: [{ name: 'range', metadata: Buffer.from([1, 2, 3]) }],
    },
    request: (v) => scenario.joinGroupRequest(v, 5),
    response: scenario.JOIN_GROUP_RESPONSE,
    decoded: (v) => ({
      errorCode: 0,
      generationId: 7,
      groupProtocol: 'range',
      leaderId: 'member-1',
      memberId: 'member-2',
      members: [
        { memberId: 'member-1', ...(v >= 5 ? { groupInstanceId: 'static-1' } : {}), memberMetadata: Buffer.from([9]) },
      ],
      ...throttle(v, 4, 2, 3),
    }),
  },
  {
    api: 'syncGroup',
    apiKey: ApiKey.SyncGroup,
    versions: range(0, 3),
    args: {
      groupId: 'group-1',
      generationId: 7,
      memberId: 'member-1',
      groupInstanceId: 'static-1',
      groupAssignment: [{ memberId: 'member-1', memberAssignment: Buffer.from([4, 5]) }],
    },
    request: (v) => scenario.syncGroupRequest(v, 3),
    response: { throttleTimeMs: 1, errorCode: 0, assignment: Buffer.from([6, 7]) },
    decoded: (v) => ({ errorCode: 0, memberAssignment: Buffer.from([6, 7]), ...throttle(v, 1, 1, 2) }),
  },
  {
    api: 'heartbeat',
    apiKey: ApiKey.Heartbeat,
    versions: range(0, 3),
    args: { groupId: 'group-1', groupGenerationId: 7, memberId: 'member-1', groupInstanceId: 'static-1' },
    request: (v) => scenario.heartbeatRequest(v, 3),
    response: { throttleTimeMs: 5, errorCode: 0 },
    decoded: (v) => ({ errorCode: 0, ...throttle(v, 5, 1, 2) }),
  },
  {
    api: 'leaveGroup',
    apiKey: ApiKey.LeaveGroup,
    versions: range(0, 3),
    args: { groupId: 'group-1', memberId: 'member-1', groupInstanceId: 'static-1' },
    request: (v) =>
      v < 3
        ? { groupId: 'group-1', memberId: 'member-1', members: [] }
        : {
            groupId: 'group-1',
            memberId: '',
            members: [{ memberId: 'member-1', groupInstanceId: 'static-1', reason: null }],
          },
    response: {
      throttleTimeMs: 3,
      errorCode: 0,
      members: [{ memberId: 'member-1', groupInstanceId: 'static-1', errorCode: 0 }],
    },
    decoded: (v) => ({
      errorCode: 0,
      ...throttle(v, 3, 1, 2),
      ...(v >= 3 ? { members: [{ memberId: 'member-1', groupInstanceId: 'static-1', errorCode: 0 }] } : {}),
    }),
  },
  {
    api: 'offsetCommit',
    apiKey: ApiKey.OffsetCommit,
    versions: range(0, 5),
    args: {
      groupId: 'group-1',
      groupGenerationId: 7,
      memberId: 'member-1',
      retentionTime: 86_400_000,
      topics: [
        {
          topic: 'orders',
          partitions: [{ partition: 0, offset: '42', timestamp: 1_700_000_000_000, metadata: 'meta' }],
        },
      ],
    },
    request: scenario.offsetCommitRequest,
    response: { throttleTimeMs: 6, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] },
    decoded: (v) => ({
      responses: [{ topic: 'orders', partitions: [{ partition: 0, errorCode: 0 }] }],
      ...throttle(v, 6, 3, 4),
    }),
  },
  {
    api: 'offsetFetch',
    apiKey: ApiKey.OffsetFetch,
    versions: range(1, 4),
    args: { groupId: 'group-1', topics: [{ topic: 'orders', partitions: [{ partition: 0 }, { partition: 1 }] }] },
    request: () => scenario.OFFSET_FETCH_REQUEST,
    response: {
      throttleTimeMs: 8,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 5, metadata: 'meta', errorCode: 0 },
          ],
        },
      ],
      errorCode: 0,
    },
    decoded: (v) => ({
      responses: [{ topic: 'orders', partitions: [{ partition: 0, offset: '42', metadata: 'meta', errorCode: 0 }] }],
      ...(v >= 2 ? { errorCode: 0 } : {}),
      ...throttle(v, 8, 3, 4),
    }),
  },
  {
    api: 'listGroups',
    apiKey: ApiKey.ListGroups,
    versions: range(0, 2),
    args: {},
    request: () => ({ statesFilter: [] }),
    response: {
      throttleTimeMs: 2,
      errorCode: 0,
      groups: [{ groupId: 'group-1', protocolType: 'consumer', groupState: 'Stable' }],
    },
    decoded: (v) => ({
      errorCode: 0,
      groups: [{ groupId: 'group-1', protocolType: 'consumer' }],
      ...throttle(v, 2, 1, 2),
    }),
  },
  {
    api: 'describeGroups',
    apiKey: ApiKey.DescribeGroups,
    versions: range(0, 2),
    args: { groupIds: ['group-1'] },
    request: () => ({ groups: ['group-1'], includeAuthorizedOperations: false }),
    response: scenario.DESCRIBE_GROUPS_RESPONSE,
    decoded: (v) => ({
      groups: [
        {
          errorCode: 0,
          groupId: 'group-1',
          state: 'Stable',
          protocolType: 'consumer',
          protocol: 'range',
          members: [
            {
              memberId: 'member-1',
              clientId: 'client-1',
              clientHost: '/127.0.0.1',
              memberMetadata: Buffer.from([1]),
              memberAssignment: Buffer.from([2]),
            },
          ],
        },
      ],
      ...throttle(v, 1, 1, 2),
    }),
  },
  {
    api: 'deleteGroups',
    apiKey: ApiKey.DeleteGroups,
    versions: range(0, 1),
    args: ['group-1', 'group-2'],
    request: () => ({ groupsNames: ['group-1', 'group-2'] }),
    response: { throttleTimeMs: 3, results: [{ groupId: 'group-1', errorCode: 0 }] },
    // kafkajs keeps v0's throttleTimeMs name in v1 too.
    decoded: () => ({ throttleTimeMs: 3, results: [{ groupId: 'group-1', errorCode: 0 }] }),
  },
  {
    api: 'saslHandshake',
    apiKey: ApiKey.SaslHandshake,
    versions: range(0, 1),
    args: { mechanism: 'PLAIN' },
    request: () => ({ mechanism: 'PLAIN' }),
    response: { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] },
    decoded: () => ({ errorCode: 0, enabledMechanisms: ['PLAIN', 'SCRAM-SHA-256'] }),
  },
  {
    // kafkajs passes SASL tokens with their int32 size already in front.
    api: 'saslAuthenticate',
    apiKey: ApiKey.SaslAuthenticate,
    versions: range(0, 1),
    args: { authBytes: Buffer.from([0, 0, 0, 3, 1, 2, 3]) },
    request: () => ({ authBytes: Buffer.from([1, 2, 3]) }),
    response: { errorCode: 0, errorMessage: null, authBytes: Buffer.from([4, 5]), sessionLifetimeMs: 3_600_000 },
    decoded: (v) => ({
      errorCode: 0,
      errorMessage: null,
      authBytes: Buffer.from([0, 0, 0, 2, 4, 5]),
      ...(v >= 1 ? { sessionLifetimeMs: '3600000' } : {}),
    }),
  },
  {
    // KafkaAdminClient's and kafkajs' reassignment of a partition to a target replica list.
    api: 'alterPartitionReassignments',
    apiKey: ApiKey.AlterPartitionReassignments,
    versions: [0],
    args: { topics: [{ topic: 'orders', partitionAssignment: [{ partition: 2, replicas: [3, 1] }] }], timeout: 4000 },
    request: () => ({
      timeoutMs: 4000,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, replicas: [3, 1] }] }],
    }),
    response: {
      throttleTimeMs: 5,
      errorCode: 0,
      errorMessage: null,
      responses: [{ name: 'orders', partitions: [{ partitionIndex: 2, errorCode: 39, errorMessage: 'no' }] }],
    },
    decoded: () => ({
      throttleTime: 5,
      errorCode: 0,
      responses: [{ topic: 'orders', partitions: [{ partition: 2, errorCode: 39 }] }],
    }),
  },
  {
    api: 'listPartitionReassignments',
    apiKey: ApiKey.ListPartitionReassignments,
    versions: [0],
    args: { topics: [{ topic: 'orders', partitions: [0, 2] }], timeout: 4000 },
    request: () => ({ timeoutMs: 4000, topics: [{ name: 'orders', partitionIndexes: [0, 2] }] }),
    response: {
      throttleTimeMs: 5,
      errorCode: 0,
      errorMessage: null,
      topics: [
        {
          name: 'orders',
          partitions: [{ partitionIndex: 2, replicas: [3, 1, 2], addingReplicas: [3], removingReplicas: [2] }],
        },
      ],
    },
    decoded: () => ({
      throttleTime: 5,
      errorCode: 0,
      topics: [
        {
          name: 'orders',
          partitions: [{ partition: 2, replicas: [3, 1, 2], addingReplicas: [3], removingReplicas: [2] }],
        },
      ],
    }),
  },
];

describe.each(cases)('kafkajs $api', ({ api, apiKey, versions, args, request, response, decoded }) => {
  test.each(versions)(`request v%i decodes to kafkajs' values`, async (v) => {
    expect(await decodeKafkajsRequest(api, apiKey, v, args)).toEqual(request(v));
  });

  test.each(versions)('our response v%i decodes with kafkajs', async (v) => {
    expect(await kafkajsDecodeResponse(api, apiKey, v, args, response)).toMatchObject(decoded(v));
  });
});

// kafkajs writes an empty nullable array as null (-1): for Metadata, "all topics".
describe('kafkajs metadata with no topic list (all topics)', () => {
  test.each(range(1, 6))('v%i: null topics', async (v) => {
    const body = await decodeKafkajsRequest('metadata', ApiKey.Metadata, v, { topics: [] });
    expect(body.topics).toBeNull();
  });
});

describe('kafkajs initProducerId without a transactional id', () => {
  test.each(range(0, 1))('v%i: null transactionalId', async (v) => {
    const body = await decodeKafkajsRequest('initProducerId', ApiKey.InitProducerId, v, { transactionalId: null });
    expect(body).toEqual({ transactionalId: null, transactionTimeoutMs: 5000, producerId: -1, producerEpoch: -1 });
  });
});

const ENTRIES: Entry[] = [
  { key: 'k1', value: 'v1' },
  { key: 'k2', value: 'v2' },
];

describe('kafkajs produce', () => {
  const args = {
    acks: -1,
    timeout: 1500,
    transactionalId: 'tx-1',
    topicData: [{ topic: 'orders', partitions: [{ partition: 2, messages: ENTRIES }] }],
  };

  test.each(range(0, 7))(`request v%i decodes to kafkajs' values, records as a view of its batch`, async (v) => {
    const body = await decodeKafkajsRequest('produce', ApiKey.Produce, v, args);
    expect(body).toEqual(scenario.produceRequest(v, expect.any(Buffer)));
    const records = (body.topicData as { partitionData: { records: Buffer }[] }[])[0]!.partitionData[0]!.records;
    expect(await kafkajsMessages(records)).toMatchObject(
      ENTRIES.map(({ key, value }) => ({ key: Buffer.from(key), value: Buffer.from(value) })),
    );
  });

  test.each(range(0, 7))('our response v%i decodes with kafkajs', async (v) => {
    const offsets =
      v < 2
        ? { offset: '1234567890123' }
        : v < 3
          ? { offset: '1234567890123', timestamp: '1700000000000' }
          : {
              baseOffset: '1234567890123',
              logAppendTime: '1700000000000',
              ...(v >= 5 ? { logStartOffset: '17' } : {}),
            };
    expect(await kafkajsDecodeResponse('produce', ApiKey.Produce, v, args, scenario.PRODUCE_RESPONSE)).toMatchObject({
      topics: [{ topicName: 'orders', partitions: [{ partition: 2, errorCode: 0, ...offsets }] }],
      ...throttle(v, 5, 1, 6),
    });
  });
});

describe('kafkajs fetch', () => {
  const args = {
    replicaId: -1,
    maxWaitTime: 500,
    minBytes: 1,
    maxBytes: 1_048_576,
    isolationLevel: 1,
    sessionId: 12,
    sessionEpoch: 3,
    rackId: 'rack-a',
    forgottenTopics: [{ topic: 'old', partitions: [1, 2] }],
    topics: [
      {
        topic: 'orders',
        partitions: [{ partition: 0, currentLeaderEpoch: 4, fetchOffset: '42', logStartOffset: '7', maxBytes: 65536 }],
      },
    ],
  };

  test.each(range(0, 11))(`request v%i decodes to kafkajs' values`, async (v) => {
    expect(await decodeKafkajsRequest('fetch', ApiKey.Fetch, v, args)).toEqual(
      scenario.fetchRequest(v, [{ topic: 'old', partitions: [1, 2] }]),
    );
  });

  test.each(range(0, 11))('our response v%i, records in two chunks, decodes with kafkajs', async (v) => {
    const records = v >= 4 ? await kafkajsRecordBatch(ENTRIES) : kafkajsMessageSet(ENTRIES);
    const body = scenario.fetchResponse([records.subarray(0, 10), records.subarray(10)]);
    const partition = {
      partition: 0,
      errorCode: 0,
      highWatermark: '100',
      ...(v >= 4 ? { lastStableOffset: '90', abortedTransactions: [{ producerId: '77', firstOffset: '5' }] } : {}),
      ...(v >= 5 ? { lastStartOffset: '3' } : {}),
      ...(v >= 11 ? { preferredReadReplica: 2 } : {}),
      messages: ENTRIES.map(({ key, value }) => ({ key: Buffer.from(key), value: Buffer.from(value) })),
    };
    expect(await kafkajsDecodeResponse('fetch', ApiKey.Fetch, v, args, body)).toMatchObject({
      ...throttle(v, 9, 1, 8),
      ...(v >= 7 ? { errorCode: 0, sessionId: 12 } : {}),
      responses: [{ topicName: 'orders', partitions: [partition] }],
    });
  });
});
