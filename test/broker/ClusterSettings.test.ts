/**
 * A ZooKeeper-mode broker's settings, read and checked as Kafka 3.8's KafkaConfig does
 * (zkConnect, brokerId with populateSynonyms and validateValues, listeners and
 * effectiveAdvertisedListeners, ZkConfigs/ReplicationConfigs defaults), and ZooKeeper's own
 * connect-string rules (ConnectStringParser, PathUtils.validatePath). A single node (no
 * zookeeper.connect) keeps today's rules.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { applyBrokerSettings, DEFAULT_BROKER_CONFIG } from '../../src/broker/BrokerConfig.js';
import { clusterSettingsOf, type ClusterCommandLine } from '../../src/broker/ClusterSettings.js';
import { parseConnectString } from '../../src/zk/ConnectStringParser.js';
import { refusalMessage } from '../helpers/refusal.js';

const ZK = { 'zookeeper.connect': '127.0.0.1:2181' };

function cluster(settings: Record<string, string>, commandLine: ClusterCommandLine = {}) {
  const { config } = applyBrokerSettings(DEFAULT_BROKER_CONFIG, { ...ZK, ...settings });
  return clusterSettingsOf(config.settings, commandLine)!;
}

const refusal = (run: () => unknown): string => refusalMessage('ERR_INVALID_CONFIG', run);

describe('cluster settings', () => {
  it('none without zookeeper.connect: a single node, as today', () => {
    const { config } = applyBrokerSettings(DEFAULT_BROKER_CONFIG, { 'broker.id': '3' });
    expect(clusterSettingsOf(config.settings, {})).toBeNull();
  });

  it("takes Kafka's defaults (ZkConfigs, ReplicationConfigs, ServerConfigs)", () => {
    const settings = cluster({}, { nodeId: 1 });
    expect(settings).toMatchObject({
      zookeeperConnect: '127.0.0.1:2181',
      zookeeper: { servers: [{ host: '127.0.0.1', port: 2181 }], chroot: null },
      brokerId: 1,
      maxReservedBrokerId: 1000,
      rack: null,
      zookeeperSessionTimeoutMs: 18000,
      // KafkaConfig.zkConnectionTimeoutMs: the session timeout when unset.
      zookeeperConnectionTimeoutMs: 18000,
      zookeeperMaxInFlightRequests: 10,
      controlledShutdownEnable: true,
      controlledShutdownMaxRetries: 3,
      controlledShutdownRetryBackoffMs: 5000,
      controllerSocketTimeoutMs: 30000,
      autoLeaderRebalanceEnable: true,
      leaderImbalanceCheckIntervalSeconds: 300,
      leaderImbalancePerBrokerPercentage: 10,
      defaultReplicationFactor: 1,
      uncleanLeaderElectionEnable: false,
    });
    // listeners' default PLAINTEXT://:9092: every interface, advertised as this machine's name.
    expect(settings.listener).toEqual({
      host: null,
      port: 9092,
      listenerName: 'PLAINTEXT',
      securityProtocol: 'PLAINTEXT',
    });
    expect(settings.advertisedListeners).toEqual([{ ...settings.listener, host: hostname() }]);
  });

  it('reads every setting the file gives', () => {
    const settings = cluster({
      'zookeeper.connect': 'zk1:2181,zk2:2182,[::1]:2183/kafka/prod',
      'broker.id': '2',
      'broker.rack': 'rack-a',
      'zookeeper.session.timeout.ms': '6000',
      'zookeeper.connection.timeout.ms': '3000',
      'zookeeper.max.in.flight.requests': '4',
      'controlled.shutdown.enable': 'false',
      'controlled.shutdown.max.retries': '2',
      'controlled.shutdown.retry.backoff.ms': '250',
      'controller.socket.timeout.ms': '4000',
      'auto.leader.rebalance.enable': 'false',
      'leader.imbalance.check.interval.seconds': '5',
      'leader.imbalance.per.broker.percentage': '20',
      'default.replication.factor': '3',
      'unclean.leader.election.enable': 'true',
      listeners: 'INTERNAL://127.0.0.1:19092',
      'advertised.listeners': 'INTERNAL://broker2.example:19092',
      'listener.security.protocol.map': 'INTERNAL:PLAINTEXT',
    });
    expect(settings).toMatchObject({
      zookeeper: {
        servers: [
          { host: 'zk1', port: 2181 },
          { host: 'zk2', port: 2182 },
          { host: '::1', port: 2183 },
        ],
        chroot: '/kafka/prod',
      },
      brokerId: 2,
      rack: 'rack-a',
      zookeeperSessionTimeoutMs: 6000,
      zookeeperConnectionTimeoutMs: 3000,
      zookeeperMaxInFlightRequests: 4,
      controlledShutdownEnable: false,
      controlledShutdownMaxRetries: 2,
      controlledShutdownRetryBackoffMs: 250,
      controllerSocketTimeoutMs: 4000,
      autoLeaderRebalanceEnable: false,
      leaderImbalanceCheckIntervalSeconds: 5,
      leaderImbalancePerBrokerPercentage: 20,
      defaultReplicationFactor: 3,
      uncleanLeaderElectionEnable: true,
    });
    expect(settings.listener).toEqual({
      host: '127.0.0.1',
      port: 19092,
      listenerName: 'INTERNAL',
      securityProtocol: 'PLAINTEXT',
    });
    expect(settings.advertisedListeners).toEqual([{ ...settings.listener, host: 'broker2.example' }]);
  });

  it('lets --node-id, --host, --port and --advertised-host override the file', () => {
    const settings = cluster(
      { 'broker.id': '5', listeners: 'PLAINTEXT://0.0.0.0:9092', 'advertised.listeners': 'PLAINTEXT://a.example:9092' },
      { nodeId: 7, host: '127.0.0.1', port: 0, advertisedHost: 'b.example' },
    );
    expect(settings.brokerId).toBe(7);
    expect(settings.listener).toMatchObject({ host: '127.0.0.1', port: 0 });
    expect(settings.advertisedListeners[0]).toMatchObject({ host: 'b.example', port: 9092 });
  });

  describe('the broker id (KafkaConfig.validateValues, KafkaServer.getOrGenerateBrokerId)', () => {
    it('node.id stands for broker.id; unset or -1 with broker.id.generation.enable is generated (null)', () => {
      expect(cluster({ 'node.id': '4' }).brokerId).toBe(4);
      expect(cluster({}).brokerId).toBeNull();
      expect(cluster({ 'broker.id': '-1' }).brokerId).toBeNull();
    });

    it('refuses node.id and broker.id that differ, in a cluster and on a single node', () => {
      const message = 'You must set `node.id` to the same value as `broker.id`.';
      expect(refusal(() => cluster({ 'broker.id': '1', 'node.id': '2' }))).toBe(message);
      expect(refusal(() => applyBrokerSettings(DEFAULT_BROKER_CONFIG, { 'broker.id': '1', 'node.id': '2' }))).toBe(
        message,
      );
      expect(cluster({ 'broker.id': '2', 'node.id': '2' }).brokerId).toBe(2);
    });

    it('keeps a configured id at or below reserved.broker.max.id while generation is on', () => {
      expect(refusal(() => cluster({ 'broker.id': '1001' }))).toMatch(
        /broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id/,
      );
      expect(cluster({ 'broker.id': '1001', 'reserved.broker.max.id': '2000' }).brokerId).toBe(1001);
      expect(refusal(() => cluster({ 'broker.id': '-2' }))).toMatch(/greater than or equal to -1/);
    });

    it('needs an id of its own when generation is off', () => {
      expect(cluster({ 'broker.id': '1500', 'broker.id.generation.enable': 'false' }).brokerId).toBe(1500);
      expect(refusal(() => cluster({ 'broker.id.generation.enable': 'false' }))).toMatch(
        /broker.id must be greater than or equal to 0/,
      );
    });

    it('a single node still refuses -1 and a replication factor other than 1', () => {
      expect(refusal(() => applyBrokerSettings(DEFAULT_BROKER_CONFIG, { 'broker.id': '-1' }))).toMatch(
        /broker.id=-1: expected an integer in \[0, 2147483647\]/,
      );
      expect(refusal(() => applyBrokerSettings(DEFAULT_BROKER_CONFIG, { 'default.replication.factor': '3' }))).toMatch(
        /default.replication.factor=3: expected an integer in \[1, 1\]/,
      );
      expect(refusal(() => cluster({ 'default.replication.factor': '0' }))).toMatch(/default.replication.factor=0/);
    });
  });

  describe('listeners (EndPoint.createEndPoint, CoreUtils.listenerListToEndPoints)', () => {
    it('refuses a protocol other than PLAINTEXT, naming it', () => {
      expect(refusal(() => cluster({ listeners: 'SSL://:9093' }))).toMatch(
        /listeners: SSL:\/\/:9093 uses security protocol SSL; tributary serves PLAINTEXT only/,
      );
      expect(
        refusal(() => cluster({ listeners: 'CLIENT://:9093', 'listener.security.protocol.map': 'CLIENT:SASL_SSL' })),
      ).toMatch(/uses security protocol SASL_SSL/);
    });

    it('refuses what Kafka refuses: unparseable, unmapped, repeated names, foreign advertised names, 0.0.0.0', () => {
      expect(refusal(() => cluster({ listeners: 'localhost:9092' }))).toMatch(
        /Unable to parse localhost:9092 to a broker endpoint/,
      );
      expect(refusal(() => cluster({ listeners: 'CLIENT://:9092' }))).toMatch(
        /No security protocol defined for listener CLIENT/,
      );
      expect(refusal(() => cluster({ 'listener.security.protocol.map': 'CLIENT:TLS' }))).toMatch(
        /Invalid security protocol `TLS` defined in listener.security.protocol.map/,
      );
      expect(refusal(() => cluster({ listeners: 'PLAINTEXT://:9092,PLAINTEXT://:9093' }))).toMatch(
        /Each listener must have a different name/,
      );
      expect(
        refusal(() =>
          cluster({
            listeners: 'PLAINTEXT://:9092',
            'advertised.listeners': 'OTHER://h:9092',
            'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT',
          }),
        ),
      ).toMatch(/advertised.listeners listener names must be equal to or a subset of the ones defined in listeners/);
      expect(refusal(() => cluster({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }))).toMatch(
        /nonroutable meta-address 0.0.0.0/,
      );
    });

    it('binds one listener: two are refused clearly', () => {
      expect(
        refusal(() =>
          cluster({ listeners: 'A://:9092,B://:9093', 'listener.security.protocol.map': 'A:PLAINTEXT,B:PLAINTEXT' }),
        ),
      ).toMatch(/tributary binds one listener, 2 given/);
    });
  });

  describe('zookeeper.connect (ZooKeeper ConnectStringParser)', () => {
    it('defaults the port to 2181; a chroot of / is none', () => {
      expect(parseConnectString('zk')).toEqual({ servers: [{ host: 'zk', port: 2181 }], chroot: null });
      expect(parseConnectString('zk:2181/')).toEqual({ servers: [{ host: 'zk', port: 2181 }], chroot: null });
      expect(parseConnectString('a:1, b:2/c')).toEqual({
        servers: [
          { host: 'a', port: 1 },
          { host: 'b', port: 2 },
        ],
        chroot: '/c',
      });
    });

    it.each([
      ['zk:2181/kafka/', /chroot \/kafka\/: Path must not end with \/ character/],
      ['zk:2181/a//b', /empty node name specified/],
      ['zk:2181/a/../b', /relative paths not allowed/],
      ['zk:2181/a\u0001b', /invalid character/],
      ['zk:notaport', /'zk:notaport' has no valid port/],
      ['zk:70000', /has no valid port/],
      [':2181', /has no host/],
      ['/kafka', /no ZooKeeper server given/],
    ])('refuses %s', (connect, problem) => {
      expect(refusal(() => cluster({ 'zookeeper.connect': connect }))).toMatch(problem);
    });

    it("refuses a session timeout of the wrong type (Kafka's ConfigDef)", () => {
      expect(refusal(() => cluster({ 'zookeeper.session.timeout.ms': 'soon' }))).toMatch(
        /Invalid value soon for configuration zookeeper.session.timeout.ms/,
      );
      expect(refusal(() => cluster({ 'zookeeper.max.in.flight.requests': '0' }))).toMatch(/Value must be at least 1/);
    });
  });
});
