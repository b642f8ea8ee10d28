/**
 * The controller's channel to a broker (Kafka's RequestSendThread) over a "broker" that
 * misbehaves: a frame announcing 2 GiB, then a response with the wrong correlation id, then
 * the right answer. Each failure is logged with a clear error, the connection is dropped and
 * the request sent again on a new one after the backoff, until it is answered; requests go one
 * at a time, in order, at the versions the batch chose (no ApiVersions first).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { ControllerChannelManager } from '../../src/broker/ControllerChannelManager.js';
import { createLogger } from '../../src/broker/Logger.js';
import type { StopReplicaResponse } from '../../src/controller/ControllerChannel.js';
import { CONTROL_API_VERSIONS, type ControlRequest } from '../../src/controller/ControlRequests.js';
import { ApiKey, encodeResponse, type DecodedRequest, type RequestHeader } from '../../src/protocol/index.js';
import { StopReplica } from '../../src/protocol/messages/StopReplica.js';
import { UpdateMetadata } from '../../src/protocol/messages/UpdateMetadata.js';
import { hostileBroker, type Behaviour, type HostileBroker } from '../helpers/hostileBroker.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const base = { controllerId: 1, isKRaftController: false, controllerEpoch: 3, brokerEpoch: 42 };

const stopReplica: ControlRequest = {
  api: 'StopReplica',
  brokerId: 2,
  version: CONTROL_API_VERSIONS.StopReplica,
  data: {
    ...base,
    topicStates: [
      { topicName: 'gone', partitionStates: [{ partitionIndex: 0, leaderEpoch: -2, deletePartition: true }] },
    ],
  },
};

const updateMetadata: ControlRequest = {
  api: 'UpdateMetadata',
  brokerId: 2,
  version: CONTROL_API_VERSIONS.UpdateMetadata,
  data: { ...base, type: 0, topicStates: [], liveBrokers: [] },
};

/** The broker's right answers: StopReplica's partition deleted, UpdateMetadata accepted. */
function respond(_request: DecodedRequest, header: RequestHeader): Buffer[] {
  if (header.apiKey === ApiKey.StopReplica)
    return encodeResponse(StopReplica, header, {
      errorCode: 0,
      partitionErrors: [{ topicName: 'gone', partitionIndex: 0, errorCode: 0 }],
    });
  return encodeResponse(UpdateMetadata, header, { errorCode: 0 });
}

async function channelTo(script: (connection: number) => Behaviour): Promise<{
  peer: HostileBroker;
  channel: ControllerChannelManager;
  warnings: string[];
}> {
  const peer = await hostileBroker(script, respond, 20);
  closers.push(() => peer.close());
  const warnings: string[] = [];
  const logger = createLogger('warn', (line) => warnings.push(line));
  const channel = new ControllerChannelManager({
    controllerId: 1,
    listenerName: 'PLAINTEXT',
    socketTimeoutMs: 2000,
    logger,
  });
  closers.push(() => channel.close());
  const endpoint = { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: peer.port, securityProtocol: 0 };
  channel.updateBrokers([{ id: 2, endpoints: [endpoint] }]);
  return { peer, channel, warnings };
}

describe('ControllerChannelManager', () => {
  test('a huge frame and a wrong correlation id each cost a reconnect; the request is sent again until answered', async () => {
    const behaviours: Behaviour[] = ['oversized', 'wrongCorrelation', 'answer'];
    const { peer, channel, warnings } = await channelTo((n) => behaviours[n] ?? 'answer');
    const answered = new Promise<StopReplicaResponse>((resolve) => channel.send(stopReplica, resolve));
    expect(await answered).toEqual({
      errorCode: 0,
      partitionErrors: [{ topicName: 'gone', partitionIndex: 0, errorCode: 0 }],
    });
    // One connection per try, each carrying the same StopReplica v4 and nothing before it (no ApiVersions).
    expect(peer.requests.map((c) => c.map((r) => `${r.header.apiKey}v${r.header.apiVersion}`))).toEqual([
      ['5v4'],
      ['5v4'],
      ['5v4'],
    ]);
    expect(peer.requests[2]![0]!.body).toMatchObject({ controllerEpoch: 3, brokerEpoch: 42 });
    // The flood behind the 2 GiB size prefix was cut off, not buffered.
    expect(await peer.flooded[0]!).toBeLessThan(32 * 1024 * 1024);
    const errors = warnings.map((line) => JSON.parse(line) as { msg: string; error: string });
    expect(errors.map((e) => e.error)).toEqual([
      expect.stringMatching(/Invalid receive \(size = 2147483647 larger than 104857600\)/),
      expect.stringMatching(/Correlation id for response \(1001\) .* does not match request \(1\)/),
    ]);
    expect(errors.every((e) => e.msg === 'Controller failed to send a request to a broker; reconnecting')).toBe(true);
  });

  test('one request in flight per broker, in the order sent; a silent broker is retried after the socket timeout', async () => {
    const { peer, channel } = await channelTo((n) => (n === 0 ? 'silent' : 'answer'));
    const answered = new Promise<StopReplicaResponse>((resolve) => {
      channel.send(updateMetadata);
      channel.send(stopReplica, resolve);
    });
    const started = Date.now();
    await answered;
    // controller.socket.timeout.ms (2 s here) passed on the silent connection before the retry.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(peer.requests.map((c) => c.map((r) => r.header.apiKey))).toEqual([
      [ApiKey.UpdateMetadata],
      [ApiKey.UpdateMetadata, ApiKey.StopReplica],
    ]);
    expect(peer.maxOutstanding).toBe(1);
  });
});
