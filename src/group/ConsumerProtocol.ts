/**
 * Kafka's consumer protocol (protocolType "consumer"): what a member puts in JoinGroup's
 * metadata (ConsumerProtocolSubscription) and what the leader hands each member in
 * SyncGroup (ConsumerProtocolAssignment). Each is an int16 version, then the struct at
 * that version. As in Kafka, a version newer than ours is read with our newest format
 * (later versions only append fields), and an empty assignment means no partitions.
 */
import { readMessage, writeMessage } from '../protocol/MessageCodec.js';
import type { DataOf, EncodableData } from '../protocol/MessageTypes.js';
import { invalidRequest } from '../protocol/ProtocolError.js';
import { ProtocolReader } from '../protocol/ProtocolReader.js';
import { ProtocolWriter } from '../protocol/ProtocolWriter.js';
import { data, field, structs, type MessageSchema } from '../protocol/Schema.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The newest version of both structs. */
export const CONSUMER_PROTOCOL_VERSION = 3;

const USER_DATA = field('userData', 'bytes', '0+', { nullableVersions: '0+', default: null });

const SUBSCRIPTION = data('ConsumerProtocolSubscription', '0-3', 'none', [
  field('topics', '[]string'),
  USER_DATA,
  // What the member consumes now, so sticky assignors can keep it there.
  structs('ownedPartitions', '1+', [field('topic', 'string', '1+'), field('partitions', '[]int32', '1+')]),
  // The generation ownedPartitions belong to; -1 when unknown.
  field('generationId', 'int32', '2+', { default: -1 }),
  field('rackId', 'string', '3+', { nullableVersions: '3+', default: null }),
]);

const ASSIGNMENT = data('ConsumerProtocolAssignment', '0-3', 'none', [
  structs('assignedPartitions', '0+', [field('topic', 'string'), field('partitions', '[]int32')]),
  USER_DATA,
]);

export type ConsumerProtocolSubscription = DataOf<typeof SUBSCRIPTION>;
export type ConsumerProtocolAssignment = DataOf<typeof ASSIGNMENT>;
/** Partitions of one topic, as both structs group them. */
export type TopicPartitions = ConsumerProtocolAssignment['assignedPartitions'][number];

function encode<S extends MessageSchema>(schema: S, version: number, body: EncodableData<S>): Buffer {
  if (!Number.isInteger(version) || version < 0 || version > CONSUMER_PROTOCOL_VERSION) {
    throw invalidRequest(`${schema.name} version ${version} is not one of 0-${CONSUMER_PROTOCOL_VERSION}`);
  }
  const w = new ProtocolWriter(128);
  w.int16(version);
  writeMessage(schema, version, w, body);
  return Buffer.concat(w.finish());
}

function decode<S extends MessageSchema>(schema: S, bytes: Buffer): { version: number; body: DataOf<S> } {
  const r = new ProtocolReader(bytes);
  const version = r.int16();
  if (version < 0) throw invalidRequest(`${schema.name} version ${version} is negative`, 0);
  return { version, body: readMessage(schema, Math.min(version, CONSUMER_PROTOCOL_VERSION), r) };
}

export function encodeSubscription(
  subscription: ConsumerProtocolSubscription,
  version = CONSUMER_PROTOCOL_VERSION,
): Buffer {
  return encode(SUBSCRIPTION, version, subscription);
}

/** The subscription and the version it was written in. */
export function decodeSubscription(bytes: Buffer): ConsumerProtocolSubscription & { version: number } {
  const { version, body } = decode(SUBSCRIPTION, bytes);
  return { ...body, version };
}

export function encodeAssignment(assignment: ConsumerProtocolAssignment, version = CONSUMER_PROTOCOL_VERSION): Buffer {
  return encode(ASSIGNMENT, version, assignment);
}

export function decodeAssignment(bytes: Buffer): ConsumerProtocolAssignment & { version: number } {
  if (bytes.length === 0) return { assignedPartitions: [], userData: null, version: 0 };
  const { version, body } = decode(ASSIGNMENT, bytes);
  return { ...body, version };
}

/** Groups partitions by topic, topics and partitions in order, as Kafka's serializer writes ownedPartitions. */
export function groupByTopic(partitions: readonly { topic: string; partition: number }[]): TopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  return [...byTopic.keys()]
    .sort(compareStrings)
    .map((topic) => ({ topic, partitions: byTopic.get(topic)!.sort((a, b) => a - b) }));
}

/** The flat list of { topic, partition }. */
export function flatten(grouped: readonly TopicPartitions[]): { topic: string; partition: number }[] {
  return grouped.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })));
}

/** Java's String.compareTo: UTF-16 code units, not locale order. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
