/**
 * AlterPartitionManager (Kafka 3.8's DefaultAlterPartitionManager) against a scripted
 * controller: the request's version (by name at v1 when a topic has no id, by id at v3 with
 * the ISR's broker epochs otherwise, never above what the controller speaks), a partition's
 * error rejecting its submission with the typed error, a partition left out of the answer sent
 * again, a top-level error and a controller that does not answer each sent again after the
 * backoff. The real controller's side is test/cluster/alterPartition.test.ts.
 */
import { afterEach, expect, test } from 'vitest';
import { AlterPartitionManager } from '../../src/broker/AlterPartitionManager.js';
import { createLogger } from '../../src/broker/Logger.js';
import { MetadataCache } from '../../src/broker/MetadataCache.js';
import { KafkaErrors } from '../../src/errors.js';
import {
  ApiKey,
  encodeResponse,
  type DecodedRequest,
  type EncodableResponse,
  type RequestHeader,
  type Struct,
} from '../../src/protocol/index.js';
import { AlterPartition } from '../../src/protocol/messages/AlterPartition.js';
import { ApiVersions } from '../../src/protocol/messages/ApiVersions.js';
import { hostileBroker, type Behaviour } from '../helpers/hostileBroker.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

type Answer = EncodableResponse<typeof AlterPartition>;
const idOfA = Buffer.alloc(16, 5);

/**
 * A controller speaking AlterPartition up to `maxVersion`, its connections behaving as
 * `script` says, answering the AlterPartition requests with `answers` in turn.
 */
async function controller(
  maxVersion: number,
  answers: ((request: Struct) => Answer)[],
  script: (n: number) => Behaviour,
) {
  const respond = (request: DecodedRequest, header: RequestHeader): Buffer[] => {
    if (header.apiKey === ApiKey.ApiVersions)
      return encodeResponse(ApiVersions, header, {
        errorCode: 0,
        apiKeys: [
          { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3 },
          { apiKey: ApiKey.AlterPartition, minVersion: 0, maxVersion },
        ],
        throttleTimeMs: 0,
      });
    return encodeResponse(AlterPartition, header, answers.shift()!(request.body));
  };
  const peer = await hostileBroker(script, respond);
  closers.push(() => peer.close());
  return peer;
}

/** The manager of broker 1 (epoch 7), its cache naming broker 9 at `port` as controller; topic a has an id, b none. */
function managerFor(port: number, logged: Struct[] = []): AlterPartitionManager {
  const cache = new MetadataCache();
  cache.updateMetadata({
    controllerId: 9,
    liveBrokers: [
      { id: 9, rack: null, endpoints: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port, securityProtocol: 0 }] },
    ],
    topicIds: new Map([['a', idOfA.toString('base64url')]]),
    partitionStates: [],
  });
  const manager = new AlterPartitionManager({
    brokerId: 1,
    brokerEpoch: () => 7,
    metadataCache: cache,
    listenerName: 'PLAINTEXT',
    requestTimeoutMs: 300,
    retryBackoffMs: 20,
    logger: createLogger('info', (line) => {
      logged.push(JSON.parse(line) as Struct);
      if (process.env.DBG) console.log(line);
    }),
  });
  closers.push(() => manager.close());
  return manager;
}

const committed = (partitionIndex: number, isr: number[], partitionEpoch: number) => ({
  partitionIndex,
  errorCode: 0,
  leaderId: 1,
  leaderEpoch: 3,
  isr,
  leaderRecoveryState: 0,
  partitionEpoch,
});
const failed = (partitionIndex: number, errorCode: number) => ({
  partitionIndex,
  errorCode,
  leaderId: 0,
  leaderEpoch: 0,
  isr: [],
  partitionEpoch: 0,
});
/** The AlterPartition requests the controller got, in order. */
const alterRequests = (peer: { requests: DecodedRequest[][] }) =>
  peer.requests.flat().filter((r) => r.header.apiKey === ApiKey.AlterPartition);

test('a topic without an id keeps the request at v1, by name; one left out is sent again; a partition error rejects typed', async () => {
  const peer = await controller(
    3,
    [
      () => ({ throttleTimeMs: 0, errorCode: 0, topics: [] }),
      () => ({
        throttleTimeMs: 0,
        errorCode: 0,
        topics: [
          { topicName: 'b', partitions: [committed(2, [1, 2], 6)] },
          { topicName: 'a', partitions: [failed(0, KafkaErrors.FENCED_LEADER_EPOCH.code)] },
        ],
      }),
    ],
    () => 'answer',
  );
  const manager = managerFor(peer.port);
  // b goes at once, alone; a waits for b's request to be answered, then both go together.
  const b = manager.submit('b', 2, { leaderEpoch: 3, isr: [1, 2], partitionEpoch: 5 });
  const a = manager.submit('a', 0, { leaderEpoch: 3, isr: [1], partitionEpoch: 4 });
  await expect(a).rejects.toMatchObject({ code: 'ERR_FENCED_LEADER_EPOCH' });
  expect(await b).toEqual({ leader: 1, leaderEpoch: 3, isr: [1, 2], leaderRecoveryState: 0, partitionEpoch: 6 });
  const [first, second] = alterRequests(peer);
  expect([first!.header.apiVersion, second!.header.apiVersion]).toEqual([1, 1]);
  const bData = {
    topicName: 'b',
    partitions: [{ partitionIndex: 2, leaderEpoch: 3, newIsr: [1, 2], partitionEpoch: 5 }],
  };
  expect(first!.body).toMatchObject({ brokerId: 1, brokerEpoch: 7, topics: [bData] });
  expect(second!.body).toMatchObject({
    topics: [
      bData,
      { topicName: 'a', partitions: [{ partitionIndex: 0, leaderEpoch: 3, newIsr: [1], partitionEpoch: 4 }] },
    ],
  });
});

test('by id at v3 (the ISR with epochs -1) when every topic has one; no answer in time and a top-level error are sent again', async () => {
  const peer = await controller(
    3,
    [
      () => ({ throttleTimeMs: 0, errorCode: KafkaErrors.STALE_BROKER_EPOCH.code, topics: [] }),
      () => ({ throttleTimeMs: 0, errorCode: 0, topics: [{ topicId: idOfA, partitions: [committed(0, [1, 3], 9)] }] }),
    ],
    (n) => (n === 0 ? 'silent' : 'answer'),
  );
  const logged: Struct[] = [];
  const manager = managerFor(peer.port, logged);
  expect(await manager.submit('a', 0, { leaderEpoch: 3, isr: [1, 3], partitionEpoch: 8 })).toMatchObject({
    isr: [1, 3],
    partitionEpoch: 9,
  });
  // The silent connection (its ApiVersions unanswered), then two requests on the next one.
  expect(peer.requests.map((c) => c.filter((r) => r.header.apiKey === ApiKey.AlterPartition).length)).toEqual([0, 2]);
  const [, last] = alterRequests(peer);
  expect(last!.header.apiVersion).toBe(3);
  expect(last!.body).toMatchObject({
    topics: [
      {
        topicId: idOfA,
        partitions: [
          {
            partitionIndex: 0,
            newIsrWithEpochs: [
              { brokerId: 1, brokerEpoch: -1 },
              { brokerId: 3, brokerEpoch: -1 },
            ],
          },
        ],
      },
    ],
  });
  expect(logged.some((l) => /got no response/.test(String(l.error)))).toBe(true);
  expect(logged.some((l) => l.errorCode === KafkaErrors.STALE_BROKER_EPOCH.code)).toBe(true);
});

test('the version never passes the controller’s: v2 by id, the ISR as ids', async () => {
  const peer = await controller(
    2,
    [() => ({ throttleTimeMs: 0, errorCode: 0, topics: [{ topicId: idOfA, partitions: [committed(0, [1], 5)] }] })],
    () => 'answer',
  );
  expect(await managerFor(peer.port).submit('a', 0, { leaderEpoch: 3, isr: [1], partitionEpoch: 4 })).toMatchObject({
    partitionEpoch: 5,
  });
  const [request] = alterRequests(peer);
  expect(request!.header.apiVersion).toBe(2);
  expect(request!.body).toMatchObject({ topics: [{ topicId: idOfA, partitions: [{ newIsr: [1] }] }] });
});

test('a second change of a pending partition is refused; close rejects the pending and the later ones', async () => {
  const peer = await controller(3, [], () => 'silent');
  const manager = managerFor(peer.port);
  const pending = manager.submit('a', 0, { leaderEpoch: 3, isr: [1], partitionEpoch: 4 });
  await expect(manager.submit('a', 0, { leaderEpoch: 3, isr: [1, 2], partitionEpoch: 4 })).rejects.toMatchObject({
    code: 'ERR_OPERATION_NOT_ATTEMPTED',
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  manager.close();
  await expect(pending).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  await expect(manager.submit('a', 1, { leaderEpoch: 3, isr: [1], partitionEpoch: 4 })).rejects.toMatchObject({
    code: 'ERR_CLOSED',
  });
});
