import { describe, expect, test } from 'vitest';
import {
  ApiKey,
  apiSchema,
  decodeRequest,
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponse,
  encodeApiVersionsFallback,
  encodeRequest,
  encodeResponse,
  MESSAGES,
  ProtocolError,
  supportedApis,
  type RequestHeader,
  type Struct,
} from '../../src/protocol/index.js';
import { parseVersions } from '../../src/protocol/Versions.js';
import { Rng } from '../helpers/random.js';
import { expectedStruct, randomStruct } from '../helpers/protocolBodies.js';

const str = (s: string) => [...Buffer.from(s)];
const int16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const int32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const sized = (body: number[]) => [...int32(body.length), ...body];

const frameOf = (chunks: Buffer[]) => Buffer.concat(chunks).subarray(4);

function protocolError(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw new Error(`expected a ProtocolError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a ProtocolError');
}

const everyVersion = MESSAGES.flatMap((api) => {
  const { min, max } = parseVersions(api.request.validVersions);
  return Array.from({ length: max - min + 1 }, (_, i) => ({ api, version: min + i, label: `${api.name} v${min + i}` }));
});

/** ControlledShutdown v0's request header is v0: no client id (ApiMessageType.requestHeaderVersion). */
function hasHeaderV0(apiKey: number, version: number): boolean {
  return apiKey === ApiKey.ControlledShutdown && version === 0;
}

describe('every version of every API round-trips', () => {
  test.each(everyVersion)('$label', ({ api, version }) => {
    const rng = new Rng(api.apiKey * 100 + version + 1);
    for (let i = 0; i < 8; i++) {
      const header: RequestHeader = {
        apiKey: api.apiKey,
        apiVersion: version,
        correlationId: rng.int(0, 2 ** 31 - 1),
        clientId: rng.oneIn(4) ? null : 'client-1',
      };
      const request = randomStruct(api.request.fields, version, rng);
      const chunks = encodeRequest(api, header, request);
      const bytes = Buffer.concat(chunks);
      expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
      expect(decodeRequest(bytes.subarray(4))).toEqual({
        header: { ...header, clientId: hasHeaderV0(api.apiKey, version) ? null : header.clientId },
        body: expectedStruct(api.request.fields, request, version),
      });

      const response = randomStruct(api.response.fields, version, rng);
      const decoded = decodeResponse(api, version, frameOf(encodeResponse(api, header, response)));
      expect(decoded).toEqual({
        correlationId: header.correlationId,
        body: expectedStruct(api.response.fields, response, version),
      });
    }
  });
});

describe('flexible versions, checked byte by byte against the spec', () => {
  // ApiVersions v3 as librdkafka sends it: request header v2, compact strings, tag sections.
  const apiVersionsV3 = [
    ...int16(18),
    ...int16(3),
    ...int32(1),
    ...int16(7),
    ...str('rdkafka'),
    0,
    11,
    ...str('librdkafka'),
    6,
    ...str('2.0.2'),
    0,
  ];

  test('ApiVersions v3 request', () => {
    expect(decodeRequest(Buffer.from(apiVersionsV3))).toEqual({
      header: { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'rdkafka' },
      body: { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' },
    });
    const header = { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'rdkafka' };
    expect([
      ...Buffer.concat(
        encodeRequest(apiSchema(header.apiKey)!, header, {
          clientSoftwareName: 'librdkafka',
          clientSoftwareVersion: '2.0.2',
        }),
      ),
    ]).toEqual(sized(apiVersionsV3));
  });

  test('ApiVersions v3 response: header v0 (KIP-511), compact array, a tagged field', () => {
    const header = { apiKey: 18, apiVersion: 3, correlationId: 9, clientId: null };
    const body = {
      errorCode: 0,
      apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 12 }],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 5,
    };
    const expected = [
      ...int32(9),
      ...int16(0),
      2,
      ...int16(3),
      ...int16(0),
      ...int16(12),
      0,
      ...int32(0),
      1,
      1,
      8,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      5,
    ];
    expect([...Buffer.concat(encodeResponse(apiSchema(header.apiKey)!, header, body))]).toEqual(sized(expected));
  });

  test('Metadata v9 response: header v1 carries a tag section', () => {
    const header = { apiKey: 3, apiVersion: 9, correlationId: 9, clientId: null };
    const body = { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 1, topics: [] };
    const expected = [...int32(9), 0, ...int32(0), 1, 0, ...int32(1), 1, ...int32(-2147483648), 0];
    expect([...Buffer.concat(encodeResponse(apiSchema(header.apiKey)!, header, body))]).toEqual(sized(expected));
  });

  test('Produce v9 request: header v2, compact records', () => {
    const frame = Buffer.from([
      ...int16(0),
      ...int16(9),
      ...int32(4),
      ...int16(1),
      ...str('c'),
      0,
      0,
      ...int16(-1),
      ...int32(100),
      2,
      2,
      ...str('t'),
      2,
      ...int32(0),
      4,
      7,
      8,
      9,
      0,
      0,
      0,
    ]);
    const { body } = decodeRequest(frame);
    expect(body).toEqual({
      transactionalId: null,
      acks: -1,
      timeoutMs: 100,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from([7, 8, 9]) }] }],
    });
  });
});

/** A Produce v3 request (classic encoding) with one 40-byte records field. */
function produceV3(records = Buffer.alloc(40, 1)): Buffer {
  return frameOf(
    encodeRequest(
      apiSchema(ApiKey.Produce)!,
      { apiKey: ApiKey.Produce, apiVersion: 3, correlationId: 77, clientId: 'c' },
      {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5,
        topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
      },
    ),
  );
}

describe('malformed requests', () => {
  /** Header v0 (apiKey, apiVersion, correlationId), then v1's client id 'c'. */
  const headerBytes = (apiKey: number, version: number) => 2 + 2 + 4 + (hasHeaderV0(apiKey, version) ? 0 : 2 + 1);

  test('a request cut at any byte is ERR_INVALID_REQUEST, with the header once it was read', () => {
    const rng = new Rng(42);
    for (const { api, version } of everyVersion) {
      const header = { apiKey: api.apiKey, apiVersion: version, correlationId: 5, clientId: 'c' };
      const frame = frameOf(encodeRequest(api, header, randomStruct(api.request.fields, version, rng)));
      const read = { ...header, clientId: hasHeaderV0(api.apiKey, version) ? null : 'c' };
      for (let end = 0; end < frame.length; end++) {
        const error = protocolError(() => decodeRequest(frame.subarray(0, end)));
        expect(error.code).toBe('ERR_INVALID_REQUEST');
        expect(error.header).toEqual(end >= headerBytes(api.apiKey, version) ? read : undefined);
      }
    }
  });

  // Kafka's AbstractRequest.parseRequest reads the generated message from a ByteBufferAccessor
  // and never checks what remains in the buffer: bytes after the body are ignored.
  test('bytes after the body are ignored, for every API and version', () => {
    const rng = new Rng(19);
    for (const { api, version } of everyVersion) {
      const header = { apiKey: api.apiKey, apiVersion: version, correlationId: 5, clientId: 'c' };
      const frame = frameOf(encodeRequest(api, header, randomStruct(api.request.fields, version, rng)));
      const decoded = decodeRequest(frame);
      const request = decodeRequestHeader(Buffer.concat([frame, Buffer.from([0, 0, 0])]));
      expect(decodeRequestBody(api, request)).toEqual(decoded.body);
      expect(request.reader.remaining).toBe(3);
    }
  });

  // The client's side, as Kafka's: NetworkClient.parseResponse -> AbstractResponse.parseResponse
  // reads the generated message from a ByteBufferAccessor and ignores what follows it too.
  test('bytes after a response body are ignored', () => {
    const rng = new Rng(91);
    for (const { api, version } of everyVersion) {
      const header = { apiKey: api.apiKey, apiVersion: version, correlationId: 5, clientId: 'c' };
      const frame = frameOf(encodeResponse(api, header, randomStruct(api.response.fields, version, rng)));
      const longer = Buffer.concat([frame, Buffer.from([1, 2])]);
      expect(decodeResponse(api, version, longer)).toEqual(decodeResponse(api, version, frame));
    }
  });

  test('an array claiming 10^9 elements in a 20-byte frame fails at once', () => {
    const frame = Buffer.from([
      ...int16(0),
      ...int16(0),
      ...int32(1),
      ...int16(-1),
      ...int16(1),
      ...int32(5),
      ...int32(1e9),
    ]);
    expect(frame.length).toBe(20);
    const error = protocolError(() => decodeRequest(frame));
    expect(error.code).toBe('ERR_INVALID_REQUEST');
    expect(error.message).toMatch(/array of 1000000000 elements at byte 16/);
  });

  test('records, strings and compact arrays longer than the frame', () => {
    const frame = produceV3();
    const records = frame.length - 40 - 4;
    frame.writeInt32BE(0x7fffffff, records);
    expect(protocolError(() => decodeRequest(frame)).message).toMatch(/bytes of 2147483647 bytes/);
    const longName = Buffer.from([
      ...int16(3),
      ...int16(0),
      ...int32(1),
      ...int16(-1),
      ...int32(1),
      ...int16(0x7fff),
      0x61,
    ]);
    expect(protocolError(() => decodeRequest(longName)).message).toMatch(/string of 32767 bytes/);
    const compact = Buffer.from([...int16(3), ...int16(9), ...int32(1), ...int16(-1), 0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(protocolError(() => decodeRequest(compact)).message).toMatch(/array of 4294967294 elements/);
  });

  test('negative lengths other than null', () => {
    const frame = produceV3();
    frame.writeInt32BE(-2, frame.length - 40 - 4);
    expect(protocolError(() => decodeRequest(frame)).message).toMatch(/negative length -2/);
  });

  test('null where the version does not allow it', () => {
    const frame = Buffer.from([...int16(3), ...int16(0), ...int32(1), ...int16(-1), ...int32(-1)]);
    expect(protocolError(() => decodeRequest(frame)).message).toMatch(
      /null in non-nullable field MetadataRequest\.topics/,
    );
  });

  test('randomly damaged requests decode or throw ProtocolError, nothing else', () => {
    const rng = new Rng(7);
    const frames = everyVersion.map(({ api, version }) =>
      frameOf(
        encodeRequest(
          api,
          { apiKey: api.apiKey, apiVersion: version, correlationId: 1, clientId: 'c' },
          randomStruct(api.request.fields, version, rng),
        ),
      ),
    );
    for (let i = 0; i < 5000; i++) {
      const frame = Buffer.from(frames[rng.int(0, frames.length - 1)]!);
      for (let flips = rng.int(1, 3); flips > 0; flips--) frame[rng.int(4, frame.length - 1)] = rng.int(0, 255);
      try {
        decodeRequest(frame);
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
      }
    }
  });
});

describe('unsupported API keys and versions', () => {
  const header = (apiKey: number, apiVersion: number) =>
    Buffer.from([...int16(apiKey), ...int16(apiVersion), ...int32(12), ...int16(2), ...str('id'), 1, 2, 3]);

  test.each([
    ['an unknown API key', 1000, 0],
    ['a version newer than ours', ApiKey.Fetch, 13],
    ['a newer ApiVersions', ApiKey.ApiVersions, 9],
    ['a negative version', ApiKey.Metadata, -1],
  ])('%s: ERR_UNSUPPORTED_VERSION with the header', (_, apiKey, apiVersion) => {
    const error = protocolError(() => decodeRequest(header(apiKey, apiVersion)));
    expect(error.code).toBe('ERR_UNSUPPORTED_VERSION');
    expect(error.kafka.code).toBe(35);
    expect(error.header).toEqual({ apiKey, apiVersion, correlationId: 12, clientId: 'id' });
  });

  test('ControlledShutdown v0 has header v0 (no client id)', () => {
    expect(decodeRequest(Buffer.from([...int16(7), ...int16(0), ...int32(3), ...int32(1)]))).toEqual({
      header: { apiKey: 7, apiVersion: 0, correlationId: 3, clientId: null },
      body: { brokerId: 1, brokerEpoch: -1 },
    });
  });

  test('encoding a version outside the table is refused', () => {
    const error = protocolError(() =>
      encodeResponse(
        apiSchema(ApiKey.Fetch)!,
        { apiKey: ApiKey.Fetch, apiVersion: 13, correlationId: 1, clientId: null },
        {},
      ),
    );
    expect(error.code).toBe('ERR_UNSUPPORTED_VERSION');
  });

  test('the ApiVersions fallback is a v0 response with UNSUPPORTED_VERSION and our versions', () => {
    const bytes = Buffer.concat(
      encodeApiVersionsFallback({ apiKey: 18, apiVersion: 9, correlationId: 12, clientId: 'id' }),
    );
    const apis = supportedApis();
    const expected = [
      ...int32(12),
      ...int16(35),
      ...int32(apis.length),
      ...apis.flatMap((a) => [...int16(a.apiKey), ...int16(a.minVersion), ...int16(a.maxVersion)]),
    ];
    expect([...bytes]).toEqual(sized(expected));
  });
});

describe('zero copy', () => {
  test('a decoded Produce request holds its records as a view of the frame', () => {
    const frame = produceV3();
    const { body } = decodeRequest(frame);
    const records = (body.topicData as Struct[])[0]!.partitionData as Struct[];
    const view = records[0]!.records as Buffer;
    expect(view.buffer).toBe(frame.buffer);
    expect(view.byteOffset).toBe(frame.byteOffset + frame.length - 40);
    frame[frame.length - 1] = 9;
    expect(view[39]).toBe(9);
  });

  test('an encoded Fetch response holds the very buffers passed in, small fields coalesced', () => {
    const views = Array.from({ length: 10 }, (_, i) => Buffer.alloc(1000, i));
    const partitions = views.map((records, partitionIndex) => ({
      partitionIndex,
      errorCode: 0,
      highWatermark: 10,
      records,
    }));
    const chunks = encodeResponse(
      apiSchema(ApiKey.Fetch)!,
      { apiKey: ApiKey.Fetch, apiVersion: 11, correlationId: 1, clientId: null },
      { responses: [{ topic: 't', partitions }] },
    );
    expect(chunks).toHaveLength(20);
    for (const view of views) expect(chunks).toContain(view);
    expect(chunks[0]!.readInt32BE(0)).toBe(chunks.reduce((n, c) => n + c.length, 0) - 4);
  });

  test('int64 fields take bigints too', () => {
    const header = { apiKey: ApiKey.ListOffsets, apiVersion: 1, correlationId: 1, clientId: null };
    const body = {
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 2n ** 40n }] }],
    };
    const listOffsets = apiSchema(ApiKey.ListOffsets)!;
    const decoded = decodeResponse(listOffsets, 1, frameOf(encodeResponse(listOffsets, header, body)));
    expect(decoded.body).toMatchObject({ topics: [{ partitions: [{ timestamp: -1, offset: 2 ** 40 }] }] });
  });
});
