/**
 * A GroupCoordinator on a real Engine in a temp dir, driven by vitest's fake clock
 * (setTimeout and Date), with the usual join/sync steps of a group's members.
 */
import { createRequire } from 'node:module';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import {
  GroupCoordinator,
  type GroupCoordinatorOptions,
  type JoinGroupRequest,
  type JoinGroupResult,
} from '../../src/group/GroupCoordinator.js';
import { tempDir } from './tmp.js';

const require = createRequire(import.meta.url);
// kafkajs' own ConsumerProtocol encoder: the subscription bytes a real client sends.
const { MemberMetadata } = require('kafkajs/src/consumer/assignerProtocol') as {
  MemberMetadata: { encode(m: { version: number; topics: string[] }): Buffer };
};

export const SESSION = 1000;
export const REBALANCE = 3000;

export function subscription(...topics: string[]): Buffer {
  return MemberMetadata.encode({ version: 0, topics });
}

export interface Fixture {
  engine: Engine;
  coordinator: GroupCoordinator;
  dataDir: string;
}

const open: Fixture[] = [];

export async function setup(options: Partial<GroupCoordinatorOptions> = {}, dataDir = tempDir()): Promise<Fixture> {
  const engine = await Engine.open({ dataDir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 });
  if (!engine.hasTopic('orders')) engine.createTopic('orders', { partitions: 6 });
  if (!engine.hasTopic('payments')) engine.createTopic('payments', { partitions: 2 });
  const coordinator = await GroupCoordinator.open({
    engine,
    offsetsTopicPartitions: 5,
    groupMinSessionTimeoutMs: 100,
    ...options,
  });
  const fixture = { engine, coordinator, dataDir };
  open.push(fixture);
  return fixture;
}

export async function teardown(f: Fixture): Promise<void> {
  open.splice(open.indexOf(f), 1);
  await f.coordinator.close();
  await f.engine.close();
}

export function joinRequest(overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription('orders') }],
    clientId: 'client',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: false,
    ...overrides,
  };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(async () => {
  vi.useRealTimers();
  for (const f of [...open]) await teardown(f);
});

/** Lets the clock run until `pending` settles (a join waits for the rebalance's delayed operations). */
export async function settle<T>(pending: Promise<T>, stepMs = 50): Promise<T> {
  let done = false;
  void pending.finally(() => (done = true));
  for (let waited = 0; !done && waited < 60_000; waited += stepMs) await vi.advanceTimersByTimeAsync(stepMs);
  return pending;
}

/** Joins new members at once and lets the initial rebalance delay run out. */
export function joinAll(c: GroupCoordinator, requests: Partial<JoinGroupRequest>[]): Promise<JoinGroupResult[]> {
  return settle(Promise.all(requests.map((r) => c.joinGroup(joinRequest(r)))));
}

/** A Stable group: members join, the leader assigns `partition-i` to member i, everyone syncs. */
export async function stableGroup(
  c: GroupCoordinator,
  requests: Partial<JoinGroupRequest>[],
): Promise<JoinGroupResult[]> {
  const joined = await joinAll(c, requests);
  const leader = joined.find((j) => j.memberId === j.leader)!;
  const assignments = leader.members.map((m, i) => ({
    memberId: m.memberId,
    assignment: Buffer.from(`partition-${i}`),
  }));
  const syncs = await Promise.all(
    joined.map((j) =>
      c.syncGroup({
        groupId: requests[0]?.groupId ?? 'g',
        generationId: j.generationId,
        memberId: j.memberId,
        groupInstanceId: requests[joined.indexOf(j)]?.groupInstanceId ?? null,
        protocolType: j.protocolType,
        protocolName: j.protocolName,
        assignments: j.memberId === j.leader ? assignments : [],
      }),
    ),
  );
  for (const s of syncs) expect(s.errorCode).toBe(0);
  return joined;
}

export function heartbeat(c: GroupCoordinator, j: JoinGroupResult, groupInstanceId: string | null = null) {
  return c
    .heartbeat({ groupId: 'g', generationId: j.generationId, memberId: j.memberId, groupInstanceId })
    .then((r) => r.errorCode);
}
