/**
 * The ZooKeeper-mode inter-broker schemas, the controller's admin APIs (ElectLeaders, the
 * partition reassignments) and OffsetForLeaderEpoch against Kafka's own message specs, field by field:
 * fixtures/kafka-3.8.0/ holds Kafka 3.8.0's clients/src/main/resources/common/message/*.json,
 * unchanged. Each spec field (commonStructs resolved) must be ours with the same camelCase
 * name, type, versions, nullable and tagged versions, tag and default. Kafka's classes are
 * not runnable here, so a few byte vectors are written out by hand from the same specs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultOf, writeMessage } from '../../src/protocol/MessageCodec.js';
import type { Struct } from '../../src/protocol/MessageTypes.js';
import { AlterPartitionReassignments } from '../../src/protocol/messages/AlterPartitionReassignments.js';
import { ControlledShutdown } from '../../src/protocol/messages/ControlledShutdown.js';
import { ElectLeaders } from '../../src/protocol/messages/ElectLeaders.js';
import { LeaderAndIsr } from '../../src/protocol/messages/LeaderAndIsr.js';
import { ListPartitionReassignments } from '../../src/protocol/messages/ListPartitionReassignments.js';
import { OffsetForLeaderEpoch } from '../../src/protocol/messages/OffsetForLeaderEpoch.js';
import { StopReplica } from '../../src/protocol/messages/StopReplica.js';
import { UpdateMetadata } from '../../src/protocol/messages/UpdateMetadata.js';
import { ProtocolWriter } from '../../src/protocol/ProtocolWriter.js';
import type { ApiSchema, Field, MessageSchema } from '../../src/protocol/Schema.js';

interface SpecField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number;
  fields?: SpecField[];
}

interface Spec {
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: SpecField[];
  commonStructs?: { name: string; fields: SpecField[] }[];
}

function readSpec(name: string): Spec {
  const text = readFileSync(join(import.meta.dirname, 'fixtures', 'kafka-3.8.0', `${name}.json`), 'utf8');
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) as Spec;
}

/** Kafka's field name in our camelCase. */
const camel = (name: string) => name[0]!.toLowerCase() + name.slice(1);

/** A spec type in our vocabulary: a named struct (or array of them) is `struct` / `[]struct`. */
function typeOf(f: SpecField, structNames: Set<string>): string {
  const element = f.type.startsWith('[]') ? f.type.slice(2) : f.type;
  const isStruct = f.fields !== undefined || structNames.has(element);
  if (!isStruct) return f.type;
  return f.type.startsWith('[]') ? '[]struct' : 'struct';
}

/** The default a field decodes to when absent: Kafka's "default", else its type's zero. */
function specDefault(f: SpecField, ours: Field): unknown {
  if (f.default === undefined) return defaultOf(ours);
  if (f.default === 'null') return null;
  if (ours.type === 'bool') return f.default === 'true';
  return Number(f.default);
}

function compareFields(
  spec: readonly SpecField[],
  ours: readonly Field[],
  common: Map<string, SpecField[]>,
  path: string,
) {
  expect(
    ours.map((f) => f.name),
    path,
  ).toEqual(spec.map((f) => camel(f.name)));
  spec.forEach((s, i) => {
    const f = ours[i]!;
    const at = `${path}.${f.name}`;
    expect(f.type, at).toBe(typeOf(s, new Set(common.keys())));
    expect(f.versions, at).toBe(s.versions);
    expect(f.nullableVersions, at).toBe(s.nullableVersions);
    expect(f.taggedVersions, at).toBe(s.taggedVersions);
    expect(f.tag, at).toBe(s.tag);
    expect(defaultOf(f), at).toEqual(specDefault(s, f));
    const nested = s.fields ?? common.get(s.type.replace('[]', ''));
    if (nested !== undefined) compareFields(nested, f.fields!, common, at);
  });
}

function compare(message: MessageSchema, specName: string): void {
  const spec = readSpec(specName);
  expect(message.name).toBe(spec.name);
  expect(message.validVersions).toBe(spec.validVersions);
  expect(message.flexibleVersions).toBe(spec.flexibleVersions);
  const common = new Map((spec.commonStructs ?? []).map((s) => [s.name, s.fields]));
  compareFields(spec.fields, message.fields, common, spec.name);
}

describe.each<[string, ApiSchema]>([
  ['LeaderAndIsr', LeaderAndIsr],
  ['StopReplica', StopReplica],
  ['UpdateMetadata', UpdateMetadata],
  ['ControlledShutdown', ControlledShutdown],
  ['ElectLeaders', ElectLeaders],
  ['AlterPartitionReassignments', AlterPartitionReassignments],
  ['ListPartitionReassignments', ListPartitionReassignments],
  ['OffsetForLeaderEpoch', OffsetForLeaderEpoch],
])('%s', (name, schema) => {
  test('the request is Kafka 3.8.0’s spec, field by field', () => compare(schema.request, `${name}Request`));
  test('the response is Kafka 3.8.0’s spec, field by field', () => compare(schema.response, `${name}Response`));
});

function encode(message: MessageSchema, version: number, body: Struct): number[] {
  const w = new ProtocolWriter();
  writeMessage(message, version, w, body);
  return [...Buffer.concat(w.finish())];
}

describe('bytes, written out from the specs', () => {
  test('UpdateMetadata v8: compact arrays and strings, the tagged Type (tag 0) at the end of the body', () => {
    const body = encode(UpdateMetadata.request, 8, {
      controllerId: 1,
      isKRaftController: false,
      type: 2,
      controllerEpoch: 3,
      brokerEpoch: 4,
      topicStates: [],
      liveBrokers: [{ id: 5, endpoints: [{ port: 9092, host: 'h', listener: 'L', securityProtocol: 0 }], rack: null }],
    });
    expect(body).toEqual([
      ...[0, 0, 0, 1], // controllerId
      0, // isKRaftController
      ...[0, 0, 0, 3], // controllerEpoch
      ...[0, 0, 0, 0, 0, 0, 0, 4], // brokerEpoch
      1, // topicStates: compact array of 0
      2, // liveBrokers: compact array of 1
      ...[0, 0, 0, 5], // id
      2, // endpoints: 1
      ...[0, 0, 0x23, 0x84], // port 9092
      2,
      0x68, // host 'h'
      2,
      0x4c, // listener 'L'
      0,
      0, // securityProtocol
      0, // endpoint's tagged fields
      0, // rack: null compact string
      0, // broker's tagged fields
      1, // one tagged field
      0, // tag 0 (Type)
      1, // size 1
      2, // Type = 2 (Full)
    ]);
  });

  test('StopReplica v3: per-partition leader epoch and delete flag; v0: ungrouped partitions and one delete flag', () => {
    const v3 = encode(StopReplica.request, 3, {
      controllerId: 1,
      controllerEpoch: 2,
      brokerEpoch: -1,
      topicStates: [
        { topicName: 't', partitionStates: [{ partitionIndex: 0, leaderEpoch: -2, deletePartition: true }] },
      ],
    });
    expect(v3).toEqual([
      ...[0, 0, 0, 1, 0, 0, 0, 2],
      ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
      2, // topicStates: 1
      2,
      0x74, // 't'
      2, // partitionStates: 1
      ...[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe, 1, 0], // index 0, epoch -2, delete, tags
      0, // topic's tags
      0, // body's tags
    ]);
    const v0 = encode(StopReplica.request, 0, {
      controllerId: 1,
      controllerEpoch: 2,
      deletePartitions: true,
      ungroupedPartitions: [{ topicName: 't', partitionIndex: 3 }],
    });
    expect(v0).toEqual([...[0, 0, 0, 1, 0, 0, 0, 2], 1, ...[0, 0, 0, 1], ...[0, 1, 0x74], ...[0, 0, 0, 3]]);
  });

  test('LeaderAndIsr v1: ungrouped partition states with their topic; v5+ responses group errors by topic id', () => {
    const v1 = encode(LeaderAndIsr.request, 1, {
      controllerId: 1,
      controllerEpoch: 2,
      ungroupedPartitionStates: [
        {
          topicName: 't',
          partitionIndex: 0,
          controllerEpoch: 2,
          leader: 1,
          leaderEpoch: 4,
          isr: [1],
          partitionEpoch: 5,
          replicas: [1],
          isNew: true,
        },
      ],
      liveLeaders: [],
    });
    expect(v1).toEqual([
      ...[0, 0, 0, 1, 0, 0, 0, 2],
      ...[0, 0, 0, 1], // one partition state
      ...[0, 1, 0x74],
      ...[0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4],
      ...[0, 0, 0, 1, 0, 0, 0, 1], // isr [1]
      ...[0, 0, 0, 5],
      ...[0, 0, 0, 1, 0, 0, 0, 1], // replicas [1]
      1, // isNew
      ...[0, 0, 0, 0], // liveLeaders: none
    ]);
    const v5 = encode(LeaderAndIsr.response, 5, {
      errorCode: 0,
      topics: [{ topicId: Buffer.alloc(16, 7), partitionErrors: [{ partitionIndex: 2, errorCode: 11 }] }],
    });
    expect(v5).toEqual([0, 0, 2, ...Array<number>(16).fill(7), 2, ...[0, 0, 0, 2, 0, 11, 0], 0, 0]);
  });
});
