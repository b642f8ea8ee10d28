/**
 * RemoteGroupCoordinator: the GroupCoordinatorApi calls as Kafka requests to a broker,
 * each answer checked against what kafkajs' admin (an independent client) sees of the
 * group: its member and assignment, its committed offsets, and its state after leaving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { BrokerConnection } from '../../src/network/BrokerConnection.js';
import { RemoteGroupCoordinator } from '../../src/client/RemoteGroupCoordinator.js';
import { KafkaErrors } from '../../src/errors.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(): Promise<{
  coordinator: RemoteGroupCoordinator;
  admin: ReturnType<ReturnType<typeof kafkaClient>['admin']>;
}> {
  const broker = await Broker.start({ dataDir: tempDir(), port: 0, logger: createLogger('silent') });
  cleanups.push(() => broker.close());
  broker.engine.createTopic('t', { partitions: 2 });
  const bootstrap = await BrokerConnection.open({ host: '127.0.0.1', port: broker.port });
  cleanups.push(() => bootstrap.close());
  const coordinator = await RemoteGroupCoordinator.open(bootstrap, 'g', 10_000);
  cleanups.push(() => coordinator.close());
  const admin = kafkaClient(broker.port).admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());
  return { coordinator, admin };
}

const JOIN = {
  groupId: 'g',
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  groupInstanceId: null,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from('subscription') }],
  clientId: 'ignored: the connection names the client',
  clientHost: 'ignored',
  requireKnownMemberId: true,
};

describe('RemoteGroupCoordinator', () => {
  it('joins, syncs, heartbeats, commits, fetches offsets and leaves over the wire', async () => {
    const { coordinator, admin } = await setUp();
    const first = await coordinator.joinGroup({ ...JOIN, memberId: '' });
    expect(first.errorCode).toBe(KafkaErrors.MEMBER_ID_REQUIRED.code);
    const memberId = first.memberId;
    const joined = await coordinator.joinGroup({ ...JOIN, memberId });
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, leader: memberId, memberId, protocolName: 'range' });
    expect(joined.members).toEqual([{ memberId, groupInstanceId: null, metadata: Buffer.from('subscription') }]);
    const assignment = Buffer.from('assignment bytes');
    const synced = await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId, assignment }],
    });
    expect(synced).toMatchObject({ errorCode: 0, assignment });
    expect(await coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId, groupInstanceId: null })).toEqual({
      errorCode: 0,
    });
    const { groups } = await admin.describeGroups(['g']);
    expect(groups[0]).toMatchObject({
      state: 'Stable',
      protocol: 'range',
      members: [{ memberId, memberAssignment: assignment }],
    });

    const commit = {
      groupId: 'g',
      memberId,
      groupInstanceId: null,
      offsets: [0, 1].map((partition) => ({
        topic: 't',
        partition,
        offset: 5 + partition,
        leaderEpoch: -1,
        metadata: '',
      })),
    };
    expect(await coordinator.commitOffsets({ ...commit, generationId: 1 })).toEqual(
      [0, 1].map((partition) => ({ topic: 't', partition, errorCode: 0 })),
    );
    expect(await coordinator.commitOffsets({ ...commit, generationId: 7 })).toEqual(
      [0, 1].map((partition) => ({ topic: 't', partition, errorCode: KafkaErrors.ILLEGAL_GENERATION.code })),
    );
    const [seen] = await admin.fetchOffsets({ groupId: 'g', topics: ['t'] });
    expect(seen!.partitions.map(({ partition, offset }) => ({ partition, offset }))).toEqual([
      { partition: 0, offset: '5' },
      { partition: 1, offset: '6' },
    ]);
    const fetched = await coordinator.fetchOffsets({
      groupId: 'g',
      partitions: [{ topic: 't', partition: 1 }],
      requireStable: true,
    });
    expect(fetched).toEqual({
      errorCode: 0,
      offsets: [{ topic: 't', partition: 1, offset: 6, leaderEpoch: -1, metadata: '', errorCode: 0 }],
    });

    const left = await coordinator.leaveGroup({ groupId: 'g', members: [{ memberId, groupInstanceId: null }] });
    expect(left).toEqual({ errorCode: 0, members: [{ memberId, groupInstanceId: null, errorCode: 0 }] });
    expect((await admin.describeGroups(['g'])).groups[0]).toMatchObject({ state: 'Empty', members: [] });
  });
});
