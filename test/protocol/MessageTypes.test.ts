/**
 * The message types derived from the schema table bite: `tsc -p tsconfig.json` checks this
 * file, so each @ts-expect-error must stay an error (a handler that disagrees with the
 * schema fails the typecheck) and each expectTypeOf must hold.
 */
import { describe, expectTypeOf, test } from 'vitest';
import { handler } from '../../src/broker/RequestContext.js';
import { OffsetCommitValue } from '../../src/group/OffsetsTopicRecords.js';
import type {
  DataOf,
  EncodableData,
  EncodableRequest,
  EncodableResponse,
  RecordsValue,
  RequestOf,
  ResponseOf,
} from '../../src/protocol/index.js';
import { Fetch } from '../../src/protocol/messages/Fetch.js';
import { InitProducerId } from '../../src/protocol/messages/InitProducerId.js';
import { Produce } from '../../src/protocol/messages/Produce.js';

type ProduceRequest = RequestOf<typeof Produce>;
type ProducePartitionResponse = EncodableResponse<typeof Produce>['responses'][number]['partitionResponses'][number];
type FetchedPartition = ResponseOf<typeof Fetch>['responses'][number]['partitions'][number];

describe('derived types', () => {
  test('a nullable string is string | null; a plain one is string', () => {
    expectTypeOf<ProduceRequest['transactionalId']>().toEqualTypeOf<string | null>();
    expectTypeOf<ProduceRequest['topicData'][number]['name']>().toEqualTypeOf<string>();
  });

  test('int64 reads as a number and writes as a number or a bigint', () => {
    expectTypeOf<FetchedPartition['highWatermark']>().toEqualTypeOf<number>();
    expectTypeOf<ProducePartitionResponse['baseOffset']>().toEqualTypeOf<number | bigint>();
    expectTypeOf<DataOf<typeof OffsetCommitValue>['commitTimestamp']>().toEqualTypeOf<number>();
  });

  test('records read as a buffer of the frame and write as one buffer or several', () => {
    expectTypeOf<
      ProduceRequest['topicData'][number]['partitionData'][number]['records']
    >().toEqualTypeOf<Buffer | null>();
    expectTypeOf<
      NonNullable<EncodableRequest<typeof Produce>['topicData'][number]['partitionData'][number]['records']>
    >().toEqualTypeOf<NonNullable<RecordsValue>>();
  });

  test('nested struct arrays keep their fields', () => {
    expectTypeOf<ProduceRequest['topicData']>().toEqualTypeOf<
      { name: string; partitionData: { index: number; records: Buffer | null }[] }[]
    >();
    expectTypeOf<FetchedPartition['abortedTransactions']>().toEqualTypeOf<
      { producerId: number; firstOffset: number }[] | null
    >();
    expectTypeOf<FetchedPartition['currentLeader']>().toEqualTypeOf<{ leaderId: number; leaderEpoch: number }>();
  });

  test('decoded, every field is there; to write, defaults, tagged and later-version fields may be left out', () => {
    expectTypeOf<FetchedPartition>().toHaveProperty('divergingEpoch');
    expectTypeOf<ProducePartitionResponse>().toMatchTypeOf<{ index: number; errorCode: number }>();
    // Tagged (currentLeader), with a default (logStartOffset), only in v8+ (recordErrors).
    expectTypeOf<{ index: 0; errorCode: 0; baseOffset: 5 }>().toMatchTypeOf<ProducePartitionResponse>();
    expectTypeOf<ProducePartitionResponse['currentLeader']>().toEqualTypeOf<
      { leaderId?: number; leaderEpoch?: number } | undefined
    >();
    // A field in every version without a default must be given.
    expectTypeOf<{ index: 0; errorCode: 0 }>().not.toMatchTypeOf<ProducePartitionResponse>();
    expectTypeOf<EncodableData<typeof OffsetCommitValue>>().toMatchTypeOf<{ offset: number | bigint }>();
  });
});

describe('a handler that disagrees with the schema fails tsc', () => {
  test('matching the schema compiles', () => {
    handler(InitProducerId, (context, request) => {
      expectTypeOf(request.transactionalId).toEqualTypeOf<string | null>();
      if (request.producerId >= 0)
        return { throttleTimeMs: 0, errorCode: 0, producerId: BigInt(request.producerId), producerEpoch: 1 };
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        producerId: context.engine.producerIds.generateProducerId(),
        producerEpoch: 0,
      };
    });
    handler(Produce, async (_context, request) =>
      request.acks === 0 ? null : { responses: [{ name: 't', partitionResponses: [] }] },
    );
  });

  test('a misspelled field', () => {
    // @ts-expect-error producerID is not a field of InitProducerIdResponse (producerId, optional, is)
    handler(InitProducerId, () => ({ throttleTimeMs: 0, errorCode: 0, producerID: 1, producerEpoch: 0 }));
    // @ts-expect-error a misspelled field of a nested struct
    handler(Produce, async () => ({
      responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0, logStartOfset: 0 }] }],
    }));
  });

  test('a field of the wrong type', () => {
    // @ts-expect-error producerId is an int64: a number or a bigint, not a string
    handler(InitProducerId, () => ({ throttleTimeMs: 0, errorCode: 0, producerId: '1', producerEpoch: 0 }));
    // @ts-expect-error name is not nullable
    handler(Produce, () => ({ responses: [{ name: null, partitionResponses: [] }] }));
  });

  test('a required field missing', () => {
    // @ts-expect-error producerEpoch has no default and is in every version
    handler(InitProducerId, () => ({ throttleTimeMs: 0, errorCode: 0, producerId: 1 }));
    // @ts-expect-error baseOffset is missing from one branch
    handler(Produce, (_context, request) => {
      if (request.acks === 0) return { responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0 }] }] };
      return { responses: [] };
    });
  });

  test('a request field the schema lacks', () => {
    handler(Produce, (_context, request) => {
      // @ts-expect-error Produce requests have no timeout field (it is timeoutMs)
      void request.timeout;
      return null;
    });
  });
});
