/**
 * Kafka's connection limits over real sockets against a real Broker: max.connections,
 * max.connections.per.ip and max.connections.per.ip.overrides (kafka.network.ConnectionQuotas.inc:
 * a connection over a limit is accepted, then closed by Acceptor.accept), and the broker goes on
 * serving the connections it holds and new ones once a slot frees. Clients of other IPs are
 * loopback addresses (127.0.0.2, ...).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { applyBrokerSettings, DEFAULT_BROKER_CONFIG } from '../../src/broker/BrokerConfig.js';
import { createLogger } from '../../src/broker/Logger.js';
import { ApiKey } from '../../src/protocol/index.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

let broker: Broker | null = null;
const clients: RawKafkaClient[] = [];
let logLines: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await broker?.close();
  broker = null;
});

async function start(settings: Record<string, string>): Promise<number> {
  logLines = [];
  broker = await Broker.start({
    dataDir: tempDir(),
    port: 0,
    settings,
    logger: createLogger('info', (line) => logLines.push(line)),
  });
  return broker.port;
}

/** A connection from `from` that the broker answers (ApiVersions), or null if the broker closed it. */
async function served(port: number, from = '127.0.0.1'): Promise<RawKafkaClient | null> {
  const client = await RawKafkaClient.connect(port, from);
  clients.push(client);
  client.send(ApiKey.ApiVersions, 2, 1, {});
  const frame = await client.nextFrame();
  return frame === null ? null : client;
}

async function servedCount(port: number, from: string, attempts: number): Promise<number> {
  let count = 0;
  for (let i = 0; i < attempts; i++) if ((await served(port, from)) !== null) count++;
  return count;
}

describe('ConnectionQuotas', () => {
  it('closes connections over max.connections.per.ip from that address only, and serves a new one once a slot frees', async () => {
    const port = await start({ 'max.connections.per.ip': '3' });
    const held = await Promise.all([1, 2, 3].map(() => served(port)));
    expect(held.every((c) => c !== null)).toBe(true);
    expect(await served(port)).toBeNull();
    expect(logLines.join('')).toMatch(
      /address already has the configured maximum of 3 connections","msg":"rejected connection"/,
    );
    // Another address has slots of its own.
    expect(await servedCount(port, '127.0.0.2', 4)).toBe(3);
    // The held connections are still served.
    held[0]!.send(ApiKey.ApiVersions, 2, 2, {});
    expect((await held[0]!.response(ApiKey.ApiVersions, 2)).correlationId).toBe(2);
    held[1]!.close();
    await held[1]!.closedPromise;
    await expect.poll(async () => (await served(port)) !== null).toBe(true);
  });

  it('gives the addresses in max.connections.per.ip.overrides their own limit, even with max.connections.per.ip=0', async () => {
    const port = await start({
      'max.connections.per.ip': '0',
      'max.connections.per.ip.overrides': '127.0.0.2:2, localhost:1',
    });
    expect(await servedCount(port, '127.0.0.2', 3)).toBe(2);
    // localhost resolves to 127.0.0.1 (and ::1), as Kafka resolves an override's host name.
    expect(await servedCount(port, '127.0.0.1', 2)).toBe(1);
    expect(await servedCount(port, '127.0.0.3', 1)).toBe(0);
  });

  it('closes connections over max.connections, whatever their address, and serves again once one closes', async () => {
    const port = await start({ 'max.connections': '4', 'max.connections.per.ip': '3' });
    const held = [await served(port), await served(port), await served(port, '127.0.0.2')];
    expect(held.every((c) => c !== null)).toBe(true);
    const fourth = await served(port, '127.0.0.3');
    expect(fourth).not.toBeNull();
    expect(await served(port, '127.0.0.4')).toBeNull();
    expect(await served(port, '127.0.0.2')).toBeNull();
    expect(logLines.join('')).toMatch(/maximum of 4 connections \(max.connections\)/);
    fourth!.close();
    await fourth!.closedPromise;
    await expect.poll(async () => (await served(port, '127.0.0.4')) !== null).toBe(true);
  });

  it("refuses the settings KafkaConfig.validateValues refuses, and takes Kafka's defaults", () => {
    const apply = (settings: Record<string, string>) => applyBrokerSettings(DEFAULT_BROKER_CONFIG, settings).config;
    expect(apply({})).toMatchObject({
      maxConnections: 2 ** 31 - 1,
      maxConnectionsPerIp: 2 ** 31 - 1,
      maxConnectionsPerIpOverrides: {},
    });
    expect(() => apply({ 'max.connections.per.ip': '0' })).toThrow(/can be set to zero only if/);
    expect(() => apply({ 'max.connections.per.ip.overrides': 'host-without-count' })).toThrow(/host:count/);
    expect(() => apply({ 'max.connections.per.ip.overrides': 'a b:3' })).toThrow(/host:count/);
    // ConfigDef's atLeast(0) on max.connections, with ConfigException's message.
    expect(() => apply({ 'max.connections': '-1' })).toThrow(
      'Invalid value -1 for configuration max.connections: Value must be at least 0',
    );
    expect(apply({ 'max.connections.per.ip.overrides': 'broker-1:5,::1:7' }).maxConnectionsPerIpOverrides).toEqual({
      'broker-1': 5,
      '::1': 7,
    });
  });
});
