/**
 * Kafka 3.8's znode formats (kafka.zk.ZkData.scala): each encoding read back, the exact JSON
 * Kafka's own tests write or expect decoded (core/src/test/scala/unit/kafka/cluster/BrokerEndPointTest.scala,
 * core/src/test/scala/unit/kafka/zk/KafkaZkClientTest.scala, ReassignPartitionsZNodeTest.scala,
 * ProducerIdManagerTest.scala),
 * and hostile contents refused with ERR_MALFORMED_ZNODE naming the znode.
 */
import { describe, expect, it } from 'vitest';
import { decodeBrokerInfo, encodeBrokerInfo, type BrokerInfo } from '../../src/zk/BrokerIdZNode.js';
import { connectionString, parseEndPoint } from '../../src/zk/EndPoint.js';
import {
  decodePartitionState,
  decodeTopicAssignment,
  encodePartitionState,
  encodeTopicAssignment,
} from '../../src/zk/TopicZNode.js';
import {
  decodeClusterId,
  decodeConfigChange,
  decodeController,
  decodeControllerEpoch,
  decodeEntityConfig,
  decodeIsrChange,
  decodePreferredReplicaElection,
  decodeReassignPartitions,
  encodeClusterId,
  encodeConfigChange,
  encodeController,
  encodeControllerEpoch,
  encodeEntityConfig,
  encodeIsrChange,
  encodePreferredReplicaElection,
  encodeReassignPartitions,
  generatedBrokerId,
  sequenceNumber,
} from '../../src/zk/ZkData.js';
import { decodeProducerIdBlock, encodeProducerIdBlock, producerIdsBlock } from '../../src/zk/ProducerIdBlockZNode.js';
import { PERSISTENT_ZK_PATHS, topicPartitionStatePath } from '../../src/zk/ZkPaths.js';
import { refusalSync } from '../helpers/refusal.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** Runs `decode` and returns its error, which must be ERR_MALFORMED_ZNODE naming `path`. */
function malformed(decode: () => unknown, path: string): string {
  const refused = refusalSync(decode);
  expect(refused).toMatchObject({ code: 'ERR_MALFORMED_ZNODE', error: { path } });
  return refused.message;
}

describe('BrokerIdZNode', () => {
  it('decodes version 1 as one PLAINTEXT endpoint (BrokerEndPointTest.testFromJsonV1)', () => {
    const info = decodeBrokerInfo(
      1,
      bytes('{"jmx_port":-1,"timestamp":"1420485325400","host":"172.16.8.243","version":1,"port":9091}'),
    );
    expect(info.endpoints).toEqual([
      { host: '172.16.8.243', port: 9091, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' },
    ]);
    expect(info.rack).toBeNull();
  });

  it('decodes version 3 with the default protocol map and a rack (testFromJsonV3)', () => {
    const info = decodeBrokerInfo(
      1,
      bytes(`{"version":3,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666",
        "endpoints":["PLAINTEXT://host1:9092", "SSL://host1:9093"],"rack":"dc1"}`),
    );
    expect(info.endpoints[1]).toEqual({ host: 'host1', port: 9093, listenerName: 'SSL', securityProtocol: 'SSL' });
    expect(info.rack).toBe('dc1');
  });

  it('decodes version 4 with a listener map and a null rack (testFromJsonV4WithNullRack)', () => {
    const info = decodeBrokerInfo(
      1,
      bytes(`{"version":4,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666",
        "endpoints":["CLIENT://host1:9092", "REPLICATION://host1:9093"],
        "listener_security_protocol_map":{"CLIENT":"SSL", "REPLICATION":"PLAINTEXT"},"rack":null}`),
    );
    expect(info.endpoints).toEqual([
      { host: 'host1', port: 9092, listenerName: 'CLIENT', securityProtocol: 'SSL' },
      { host: 'host1', port: 9093, listenerName: 'REPLICATION', securityProtocol: 'PLAINTEXT' },
    ]);
    expect(info.rack).toBeNull();
    expect(info.features).toEqual({});
  });

  it('decodes version 5 features (testFromJsonV5)', () => {
    const info = decodeBrokerInfo(
      1,
      bytes(`{"version":5,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666",
        "endpoints":["CLIENT://host1:9092", "REPLICATION://host1:9093"],
        "listener_security_protocol_map":{"CLIENT":"SSL", "REPLICATION":"PLAINTEXT"},"rack":"dc1",
        "features": {"feature1": {"min_version": 1, "max_version": 2}, "feature2": {"min_version": 2, "max_version": 4}}}`),
    );
    expect(info.features).toEqual({
      feature1: { minVersion: 1, maxVersion: 2 },
      feature2: { minVersion: 2, maxVersion: 4 },
    });
  });

  it('encodes version 5 with the first PLAINTEXT endpoint on top, and reads it back', () => {
    const info: BrokerInfo = {
      id: 7,
      endpoints: [
        { host: '::1', port: 9093, listenerName: 'INTERNAL', securityProtocol: 'PLAINTEXT' },
        { host: 'b7.example', port: 9092, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' },
      ],
      rack: 'r1',
      features: { 'metadata.version': { minVersion: 1, maxVersion: 20 } },
      jmxPort: -1,
      version: 5,
    };
    const encoded = encodeBrokerInfo(info, 1700000000000);
    expect(JSON.parse(encoded.toString())).toEqual({
      version: 5,
      host: '::1',
      port: 9093,
      endpoints: ['INTERNAL://[::1]:9093', 'PLAINTEXT://b7.example:9092'],
      jmx_port: -1,
      timestamp: '1700000000000',
      rack: 'r1',
      listener_security_protocol_map: { INTERNAL: 'PLAINTEXT', PLAINTEXT: 'PLAINTEXT' },
      features: { 'metadata.version': { min_version: 1, max_version: 20 } },
    });
    expect(decodeBrokerInfo(7, encoded)).toEqual(info);
  });

  it('refuses hostile registrations, naming /brokers/ids/<id>', () => {
    const path = '/brokers/ids/3';
    const v5 = (fields: string) =>
      bytes(`{"version":5,"jmx_port":-1,"endpoints":["PLAINTEXT://h:1"],"timestamp":"1"${fields}}`);
    expect(malformed(() => decodeBrokerInfo(3, bytes('not json')), path)).toMatch(/not JSON: not json/);
    expect(malformed(() => decodeBrokerInfo(3, bytes('[1,2]')), path)).toMatch(/expected a JSON object/);
    expect(malformed(() => decodeBrokerInfo(3, null), path)).toMatch(/not JSON/);
    expect(malformed(() => decodeBrokerInfo(3, bytes('{"version":0,"jmx_port":-1}')), path)).toMatch(/"version" 0/);
    expect(malformed(() => decodeBrokerInfo(3, bytes('{"version":"5","jmx_port":-1}')), path)).toMatch(
      /"version" is not a 32-bit integer/,
    );
    expect(malformed(() => decodeBrokerInfo(3, bytes('{"version":5}')), path)).toMatch(/"jmx_port" is missing/);
    expect(malformed(() => decodeBrokerInfo(3, v5(',"endpoints":"PLAINTEXT://h:1"')), path)).toMatch(/"endpoints"/);
    expect(malformed(() => decodeBrokerInfo(3, v5(',"rack":5')), path)).toMatch(/"rack" is not a string/);
    expect(
      malformed(() => decodeBrokerInfo(3, v5(',"listener_security_protocol_map":{"PLAINTEXT":"TLS"}')), path),
    ).toMatch(/"listener_security_protocol_map.PLAINTEXT" is not a security protocol/);
    expect(malformed(() => decodeBrokerInfo(3, v5(',"listener_security_protocol_map":{"OTHER":"SSL"}')), path)).toMatch(
      /No security protocol defined for listener PLAINTEXT/,
    );
    expect(
      malformed(() => decodeBrokerInfo(3, v5(',"features":{"f":{"min_version":3,"max_version":2}}')), path),
    ).toMatch(/"features.f" is not a version range/);
  });
});

describe('EndPoint', () => {
  // BrokerEndPointTest.testEndpointFromUri
  it.each([
    ['PLAINTEXT://localhost:9092', 'localhost'],
    ['PLAINTEXT://local_host:9092', 'local_host'],
    ['PLAINTEXT://:9092', null],
    ['PLAINTEXT://[::1]:9092', '::1'],
    ['PLAINTEXT://[fe80::b1da:69ca:57f7:63d8%3]:9092', 'fe80::b1da:69ca:57f7:63d8%3'],
    ['PLAINTEXT://MyHostname:9092', 'MyHostname'],
  ])('parses %s and writes it back', (uri, host) => {
    const endPoint = parseEndPoint(uri);
    expect(endPoint).toMatchObject({ host, port: 9092, listenerName: 'PLAINTEXT' });
    expect(connectionString(endPoint as Exclude<typeof endPoint, string>)).toBe(uri);
  });

  it('names what it cannot parse', () => {
    expect(parseEndPoint('localhost:9092')).toBe('Unable to parse localhost:9092 to a broker endpoint');
    expect(parseEndPoint('CLIENT://h:1')).toBe('No security protocol defined for listener CLIENT');
    expect(parseEndPoint('plaintext://h:1')).toMatchObject({ listenerName: 'PLAINTEXT' });
  });
});

describe('TopicZNode and TopicPartitionStateZNode', () => {
  const topicId = 'AAAAAAAAAAAAAAAAAAAAAQ';

  it('encodes version 3 with adding/removing replicas only where there are some, and reads it back', () => {
    const assignment = new Map([
      [0, { replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [4] }],
      [1, { replicas: [2, 3], addingReplicas: [], removingReplicas: [] }],
    ]);
    const encoded = encodeTopicAssignment(topicId, assignment);
    expect(encoded.toString()).toBe(
      `{"version":3,"partitions":{"0":[1,2,3],"1":[2,3]},"adding_replicas":{"0":[3]},"removing_replicas":{"0":[4]},"topic_id":"${topicId}"}`,
    );
    expect(decodeTopicAssignment('t', encoded)).toEqual({ topic: 't', topicId, assignment });
  });

  it('reads a version 1 topic (partitions only, no id), as Kafka 0.x wrote it', () => {
    const decoded = decodeTopicAssignment('old', bytes('{"version":1,"partitions":{"0":[0,1]}}'));
    expect(decoded.topicId).toBeNull();
    expect(decoded.assignment.get(0)).toEqual({ replicas: [0, 1], addingReplicas: [], removingReplicas: [] });
  });

  it('refuses a bad topic znode, naming it', () => {
    const path = '/brokers/topics/t';
    expect(malformed(() => decodeTopicAssignment('t', bytes('{"version":4}')), path)).toMatch(/"version" 4/);
    expect(malformed(() => decodeTopicAssignment('t', bytes('{"version":3,"partitions":{"x":[1]}}')), path)).toMatch(
      /"partitions.x" is not a partition number/,
    );
    expect(malformed(() => decodeTopicAssignment('t', bytes('{"version":3,"partitions":{"0":[1.5]}}')), path)).toMatch(
      /"partitions.0" is not a 32-bit integer/,
    );
    expect(malformed(() => decodeTopicAssignment('t', bytes('{"version":3,"topic_id":"short"}')), path)).toMatch(
      /"topic_id" is not a topic id/,
    );
  });

  it('writes the partition state as Kafka, leader_recovery_state only when RECOVERING; the epoch is the znode version', () => {
    const state = {
      leaderAndIsr: { leader: 1, leaderEpoch: 4, isr: [1, 2], leaderRecoveryState: 0 as const, partitionEpoch: 9 },
      controllerEpoch: 3,
    };
    const encoded = encodePartitionState(state);
    expect(encoded.toString()).toBe('{"version":1,"leader":1,"leader_epoch":4,"controller_epoch":3,"isr":[1,2]}');
    expect(decodePartitionState('t', 0, encoded, 9)).toEqual(state);
    const recovering = { ...state, leaderAndIsr: { ...state.leaderAndIsr, leaderRecoveryState: 1 as const } };
    expect(JSON.parse(encodePartitionState(recovering).toString()).leader_recovery_state).toBe(1);
    expect(decodePartitionState('t', 0, encodePartitionState(recovering), 9)).toEqual(recovering);
  });

  it('refuses a bad partition state, naming it', () => {
    const path = topicPartitionStatePath('t', 2);
    const state = (fields: string) => bytes(`{"version":1,"leader":1,"leader_epoch":0,"isr":[1]${fields}}`);
    expect(malformed(() => decodePartitionState('t', 2, state(''), 0), path)).toMatch(/"controller_epoch" is missing/);
    expect(malformed(() => decodePartitionState('t', 2, state(',"controller_epoch":"1"'), 0), path)).toMatch(
      /"controller_epoch" is not a 32-bit integer/,
    );
    expect(
      malformed(() => decodePartitionState('t', 2, state(',"controller_epoch":1,"leader_recovery_state":2'), 0), path),
    ).toMatch(/"leader_recovery_state" is not 0 or 1/);
    expect(malformed(() => decodePartitionState('t', 2, bytes('{"version":2}'), 0), path)).toMatch(/"version" 2/);
  });
});

describe('the other znodes of ZkData', () => {
  it('/cluster/id: {"version":"1","id":...} (ClusterIdZNode.toJson writes the version as a string)', () => {
    expect(encodeClusterId('abc').toString()).toBe('{"version":"1","id":"abc"}');
    expect(decodeClusterId(encodeClusterId('abc'))).toBe('abc');
    expect(malformed(() => decodeClusterId(bytes('{"version":"1"}')), '/cluster/id')).toMatch(/"id" is missing/);
  });

  it('/controller: version 2 with kraftControllerEpoch -1; a version 1 znode has none', () => {
    expect(encodeController(2, 1234).toString()).toBe(
      '{"version":2,"brokerid":2,"timestamp":"1234","kraftControllerEpoch":-1}',
    );
    expect(decodeController(encodeController(2, 1234), 5)).toEqual({
      brokerId: 2,
      kraftControllerEpoch: -1,
      zkVersion: 5,
    });
    expect(decodeController(bytes('{"version":1,"brokerid":0,"timestamp":"1"}'), 0).kraftControllerEpoch).toBeNull();
    expect(malformed(() => decodeController(bytes('{"version":2}'), 0), '/controller')).toMatch(
      /"brokerid" is missing/,
    );
  });

  it('/controller_epoch: plain decimal text', () => {
    expect(encodeControllerEpoch(17).toString()).toBe('17');
    expect(decodeControllerEpoch(bytes('17'))).toBe(17);
    expect(malformed(() => decodeControllerEpoch(bytes('{"epoch":1}')), '/controller_epoch')).toMatch(/not a 32-bit/);
    expect(malformed(() => decodeControllerEpoch(bytes('4294967296')), '/controller_epoch')).toMatch(/not a 32-bit/);
  });

  it('/config/<type>/<name>: {"version":1,"config":{...}}; no znode is no overrides', () => {
    const encoded = encodeEntityConfig({ 'retention.ms': '1000' });
    expect(encoded.toString()).toBe('{"version":1,"config":{"retention.ms":"1000"}}');
    expect(decodeEntityConfig('topics', 't', encoded)).toEqual({ 'retention.ms': '1000' });
    expect(decodeEntityConfig('topics', 't', null)).toEqual({});
    expect(
      malformed(() => decodeEntityConfig('topics', 't', bytes('{"version":1,"config":{"a":1}}')), '/config/topics/t'),
    ).toMatch(/"config.a" is not a string/);
  });

  it('/config/changes: version 2 entity_path as KafkaZkClientTest expects; version 1 read too', () => {
    expect(encodeConfigChange({ type: 'topics', name: 'topic1' }).toString()).toBe(
      '{"version":2,"entity_path":"topics/topic1"}',
    );
    expect(
      decodeConfigChange('config_change_0000000000', encodeConfigChange({ type: 'brokers', name: '<default>' })),
    ).toEqual({
      type: 'brokers',
      name: '<default>',
    });
    expect(
      decodeConfigChange('config_change_0000000001', bytes('{"version":1,"entity_type":"topics","entity_name":"x"}')),
    ).toEqual({ type: 'topics', name: 'x' });
    const path = '/config/changes/config_change_0000000002';
    expect(malformed(() => decodeConfigChange('config_change_0000000002', bytes('{"version":3}')), path)).toMatch(
      /supported versions are 1 and 2/,
    );
    expect(
      malformed(
        () => decodeConfigChange('config_change_0000000002', bytes('{"version":2,"entity_path":"nope/x"}')),
        path,
      ),
    ).toMatch(/"entity_path" names no config type/);
    expect(sequenceNumber('config_change_0000000042', 'config_change_')).toBe('0000000042');
  });

  it('ISR changes and preferred replica elections: the JSON KafkaZkClientTest expects', () => {
    const partitions = [
      { topic: 'topic-a', partition: 0 },
      { topic: 'topic-b', partition: 0 },
    ];
    const expected = '{"version":1,"partitions":[{"topic":"topic-a","partition":0},{"topic":"topic-b","partition":0}]}';
    expect(encodeIsrChange(partitions).toString()).toBe(expected);
    expect(decodeIsrChange('isr_change_0000000000', bytes(expected))).toEqual(partitions);
    expect(encodePreferredReplicaElection(partitions).toString()).toBe(expected);
    expect(decodePreferredReplicaElection(bytes(expected))).toEqual(partitions);
    expect(
      malformed(
        () => decodePreferredReplicaElection(bytes('{"version":1,"partitions":[{"topic":"a"}]}')),
        '/admin/preferred_replica_election',
      ),
    ).toMatch(/"partitions\[0\].partition" is missing/);
  });

  it('/admin/reassign_partitions: the JSON of ReassignPartitionsZNodeTest', () => {
    const json = '{"version":1,"partitions":[{"topic":"foo","partition":0,"replicas":[1,2]}]}';
    expect(decodeReassignPartitions(bytes(json))).toEqual([{ topic: 'foo', partition: 0, replicas: [1, 2] }]);
    expect(encodeReassignPartitions([{ topic: 'foo', partition: 0, replicas: [1, 2] }]).toString()).toBe(json);
    // ReassignPartitionsZNodeTest.testDecodeInvalidJson: a reassignment that is not JSON fails.
    expect(malformed(() => decodeReassignPartitions(bytes('invalid json')), '/admin/reassign_partitions')).toMatch(
      /not JSON/,
    );
  });

  it('the persistent paths a broker creates, as ZkData.PersistentZkPaths', () => {
    expect(PERSISTENT_ZK_PATHS).toEqual([
      '/consumers',
      '/brokers/ids',
      '/brokers/topics',
      '/config/changes',
      '/admin/delete_topics',
      '/brokers/seqid',
      '/isr_change_notification',
      '/latest_producer_id_block',
      '/log_dir_event_notification',
      '/config/topics',
      '/config/clients',
      '/config/users',
      '/config/brokers',
      '/config/ips',
    ]);
  });

  it('a generated broker id is the sequence znode version above reserved.broker.max.id (KafkaServer.generateBrokerId)', () => {
    expect(generatedBrokerId(1, 1000)).toBe(1001);
  });
});

describe('ProducerIdBlockZNode', () => {
  const path = '/latest_producer_id_block';

  it("writes ProducerIdBlockZNode.generateProducerIdBlockJson's JSON and reads it back", () => {
    const block = producerIdsBlock(2, 1000n, 1000);
    const json = '{"version":1,"broker":2,"block_start":"1000","block_end":"1999"}';
    expect(encodeProducerIdBlock(block).toString()).toBe(json);
    expect(decodeProducerIdBlock(bytes(json))).toEqual(block);
    // Java longs exactly, past 2^53 (ProducerIdManagerTest.testExceedProducerIdLimitZk's block).
    const last = producerIdsBlock(0, 2n ** 63n - 1001n, 1000);
    expect(last.lastProducerId).toBe(2n ** 63n - 2n);
    expect(decodeProducerIdBlock(encodeProducerIdBlock(last))).toEqual(last);
  });

  it('empty data is no block yet (the znode as createTopLevelPaths makes it)', () => {
    expect(decodeProducerIdBlock(new Uint8Array(0))).toBeNull();
    expect(decodeProducerIdBlock(null)).toBeNull();
  });

  it('refuses what parseProducerIdBlockData would not take, and more, naming the znode', () => {
    const refused = (json: string) => malformed(() => decodeProducerIdBlock(bytes(json)), path);
    expect(refused('{"version":1,"broker":0,"block_start":0,"block_end":999}')).toMatch(
      /"block_start" is not a string/,
    );
    expect(refused('{"version":1,"broker":0,"block_start":"0x10","block_end":"999"}')).toMatch(/not a decimal long/);
    expect(refused('{"version":1,"broker":0,"block_start":"0","block_end":"9223372036854775808"}')).toMatch(
      /exceeded the long type limit/,
    );
    expect(refused('{"version":1,"block_start":"0","block_end":"999"}')).toMatch(/"broker" is missing/);
    expect(refused('{"version":2,"broker":0,"block_start":"0","block_end":"999"}')).toMatch(/2 is not a producer id/);
    expect(refused('{"version":1,"broker":0,"block_start":"-5","block_end":"999"}')).toMatch(/negative/);
    // An end before the start, or a size past Int.MaxValue (Math.toIntExact).
    expect(refused('{"version":1,"broker":0,"block_start":"10","block_end":"8"}')).toMatch(/"block_end"/);
    expect(refused('{"version":1,"broker":0,"block_start":"0","block_end":"2147483647"}')).toMatch(/"block_end"/);
    expect(refused('not json')).toMatch(/not JSON/);
  });
});
