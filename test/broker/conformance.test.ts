/**
 * Conformance: requests that are malformed but that Kafka accepts, sent raw over a socket,
 * each answered as Kafka answers it. Every API and version the broker advertises is iterated
 * (an API added later is covered without a change here), each with its minimal body.
 *
 * - Bytes after the body: Kafka's RequestContext.parseRequest reads the body with the API's
 *   generated Data.read and never looks at what is left in the buffer (librdkafka 2.x sends
 *   Metadata v12 with three such bytes).
 * - Unknown tagged fields, in the request header v2 (RequestHeaderData.read) and at the end of
 *   a flexible body (the generated read's `default:` case, readUnknownTaggedField): kept aside
 *   and ignored.
 * - A v2 batch whose header maxTimestamp is -1 or wrong, or marked LogAppendTime by a client
 *   in a CreateTime topic: LogValidator.assignOffsetsNonCompressed sets the batch's
 *   maxTimestamp to the records' largest (setMaxTimestamp(CREATE_TIME, ...)), which also
 *   clears the timestamp-type bit, and recomputes the CRC.
 * - A record with timestamp -1 in a topic bounding timestamps: LogValidator.validateTimestamp
 *   checks only records with `timestamp != RecordBatch.NO_TIMESTAMP`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/Broker.js';
import { native } from '../../src/native/addon.js';
import { ApiKey, apiSchema } from '../../src/protocol/index.js';
import { isFlexible } from '../../src/protocol/MessageCodec.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/Requests.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { BatchAttributes, BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { minimalRequest } from '../helpers/protocolBodies.js';
import { brokerWithRawClient, producePartition, type RawKafkaClient } from '../helpers/rawKafkaClient.js';

const CLIENT_ID = 'conformance';
/** Where the client id starts: after the size, apiKey, apiVersion and correlationId. */
const CLIENT_ID_AT = 4 + 2 + 2 + 4;
/** A tag no request defines; Kafka's generated read keeps it as an unknown tagged field. */
const UNKNOWN_TAG = [0x01, 0x5a, 0x02, 0xca, 0xfe];

let broker: Broker;
let client: RawKafkaClient;

beforeEach(async () => {
  ({ broker, client } = await brokerWithRawClient(1));
  broker.engine.createTopic('bounded', { partitions: 1, config: { 'message.timestamp.before.max.ms': 60_000 } });
});

afterEach(async () => {
  client.close();
  await broker.close();
});

interface Advertised {
  apiKey: number;
  version: number;
  name: string;
}

async function advertised(): Promise<Advertised[]> {
  const body = await client.call(ApiKey.ApiVersions, 0, {});
  return (body.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]).flatMap(
    ({ apiKey, minVersion, maxVersion }) =>
      Array.from({ length: maxVersion - minVersion + 1 }, (_, i) => ({
        apiKey,
        version: minVersion + i,
        name: `${apiSchema(apiKey)!.name} v${minVersion + i}`,
      })),
  );
}

/** The minimal request as one buffer, size prefix included. */
function frameOf({ apiKey, version }: Advertised, correlationId: number): Buffer {
  const header = { apiKey, apiVersion: version, correlationId, clientId: CLIENT_ID };
  return Buffer.concat(encodeRequest(apiSchema(apiKey)!, header, minimalRequest(apiKey, version)));
}

/** `frame` with `bytes` put in place of its `at`..`at + removed` bytes, its size prefix updated. */
function splice(frame: Buffer, at: number, removed: number, bytes: number[]): Buffer {
  const out = Buffer.concat([frame.subarray(0, at), Buffer.from(bytes), frame.subarray(at + removed)]);
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

/** Sends `frame` and expects the answer Kafka gives: a response of that version, its correlation id. */
async function expectAnswered(api: Advertised, correlationId: number, frame: Buffer): Promise<void> {
  client.write(frame);
  const response = await client.nextFrame();
  expect(response, `${api.name}: the broker closed the connection`).not.toBeNull();
  const decoded = decodeResponse(apiSchema(api.apiKey)!, api.version, response!);
  expect(decoded.correlationId, api.name).toBe(correlationId);
}

const flexible = (api: Advertised) => isFlexible(apiSchema(api.apiKey)!.request, api.version);

describe('malformed requests Kafka accepts, for every API and version advertised', () => {
  it('bytes after the body are ignored', async () => {
    const apis = await advertised();
    for (const [i, api] of apis.entries()) {
      const frame = frameOf(api, 1000 + i);
      await expectAnswered(api, 1000 + i, splice(frame, frame.length, 0, [0, 0, 0]));
    }
  });

  it('a null client id (length -1) is taken as none', async () => {
    const apis = await advertised();
    for (const [i, api] of apis.entries()) {
      const frame = frameOf(api, 4000 + i);
      // RequestHeaderData's clientId is nullable in every header version that has it.
      await expectAnswered(api, 4000 + i, splice(frame, CLIENT_ID_AT, 2 + CLIENT_ID.length, [0xff, 0xff]));
    }
  });

  it('an unknown tagged field in the request header v2 is ignored', async () => {
    const apis = (await advertised()).filter(flexible);
    expect(apis.length).toBeGreaterThan(0);
    for (const [i, api] of apis.entries()) {
      const frame = frameOf(api, 2000 + i);
      // The client id (int16 length + bytes), then the tag count.
      const tags = CLIENT_ID_AT + 2 + CLIENT_ID.length;
      expect(frame[tags], api.name).toBe(0);
      await expectAnswered(api, 2000 + i, splice(frame, tags, 1, UNKNOWN_TAG));
    }
  });

  it('an unknown tagged field at the end of a flexible body is ignored', async () => {
    const apis = (await advertised()).filter(flexible);
    for (const [i, api] of apis.entries()) {
      const frame = frameOf(api, 3000 + i);
      // The body's own tagged-field section is its last byte: no tagged field differs from its default.
      expect(frame[frame.length - 1], api.name).toBe(0);
      await expectAnswered(api, 3000 + i, splice(frame, frame.length - 1, 1, UNKNOWN_TAG));
    }
  });
});

/** `batch` with its header changed by `change`, and its CRC recomputed as the client's would be. */
function altered(batch: Buffer, change: (bytes: Buffer) => void): Buffer {
  const bytes = Buffer.from(batch);
  change(bytes);
  bytes.writeUInt32BE(native.crc32c(bytes, BatchHeader.attributes), BatchHeader.crc);
  return bytes;
}

describe.each(['none', 'lz4'] as const)('Produce %s batches Kafka corrects rather than refuses', (compression) => {
  const now = Date.now();
  const good = buildRecordBatch(
    [5, 9, 2].map((d) => ({ value: Buffer.from(`v${d}`), timestamp: now + d })),
    { compression, partitionLeaderEpoch: 0 }, // as stored: the single node's leader epoch (LogValidator stamps it)
  );
  const cases: [string, (bytes: Buffer) => void][] = [
    ['maxTimestamp -1', (b) => b.writeBigInt64BE(-1n, BatchHeader.maxTimestamp)],
    ['a maxTimestamp below its records', (b) => b.writeBigInt64BE(BigInt(now), BatchHeader.maxTimestamp)],
    ['a maxTimestamp above its records', (b) => b.writeBigInt64BE(BigInt(now + 1000), BatchHeader.maxTimestamp)],
    [
      'the LogAppendTime bit set by the client',
      (b) =>
        b.writeInt16BE(
          b.readInt16BE(BatchHeader.attributes) | BatchAttributes.timestampTypeLogAppend,
          BatchHeader.attributes,
        ),
    ],
  ];

  it.each(cases)('a batch with %s is appended as the CreateTime batch of its records', async (_, change) => {
    expect(await producePartition(client, altered(good, change))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    const stored = broker.engine.partition('t', 0).read(0, 1 << 20).records;
    // Past the offset and length the broker assigns, the stored batch is the well-formed one.
    expect(stored.subarray(BatchHeader.batchLength)).toEqual(good.subarray(BatchHeader.batchLength));
  });

  it('a record without a timestamp (-1) is appended to a topic that bounds timestamps', async () => {
    const batch = buildRecordBatch([{ value: Buffer.from('x'), timestamp: -1 }], { baseTimestamp: -1 });
    expect(await producePartition(client, batch, 'bounded')).toMatchObject({ errorCode: 0, baseOffset: 0 });
  });
});
