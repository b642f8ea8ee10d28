import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  errorRegistry,
  type ErrorCode,
  isTributaryError,
  KafkaErrors,
  kafkaResponseError,
  TributaryError,
} from '../src/errors.js';
import { native } from '../src/native/addon.js';

const NATIVE = resolve(import.meta.dirname, '..', 'native');

/** The C++ sources under native/ and native/test/. */
function nativeSources(): { file: string; source: string }[] {
  return [NATIVE, join(NATIVE, 'test')].flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => /\.(cc|h)$/.test(name))
      .map((name) => ({ file: join(dir, name), source: readFileSync(join(dir, name), 'utf8') })),
  );
}

/** The string literals in C++ source that are error codes: "ERR_..." names and errno names ("ENOSPC"). */
function codeLiterals(source: string): string[] {
  return [...source.matchAll(/"(ERR_\w+|E[A-Z0-9_]+)"/g)].map((m) => m[1]!);
}

function unregistered(source: string): string[] {
  return codeLiterals(source).filter((code) => !Object.hasOwn(errorRegistry, code));
}

describe('TributaryError', () => {
  test('maps its code to the Kafka error it becomes on the wire', () => {
    expect(new TributaryError('x', 'ERR_CORRUPT_BATCH').kafka).toBe(KafkaErrors.CORRUPT_MESSAGE);
    expect(new TributaryError('x', 'ERR_OFFSET_OUT_OF_RANGE').kafka).toMatchObject({ code: 1, retriable: false });
    expect(new TributaryError('x', 'ERR_MESSAGE_TOO_LARGE').kafka.code).toBe(10);
    expect(new TributaryError('x', 'ENOSPC').kafka).toBe(KafkaErrors.KAFKA_STORAGE_ERROR);
    expect(new TributaryError('x', 'ERR_REBALANCE_IN_PROGRESS').kafka).toMatchObject({
      code: 27,
      name: 'REBALANCE_IN_PROGRESS',
    });
    // @ts-expect-error: not a registry code (at run time still a storage error, not Object.prototype's)
    expect(new TributaryError('x', 'ERR_toString').kafka).toBe(KafkaErrors.KAFKA_STORAGE_ERROR);
    expect(new TributaryError('x', 'ERR_UNKNOWN_TOPIC_OR_PARTITION').kafka).toMatchObject({ code: 3, retriable: true });
    expect(new TributaryError('x', 'ERR_UNKNOWN_TOPIC').kafka.code).toBe(3);
    expect(new TributaryError('x', 'ERR_INVALID_TOPIC').kafka).toMatchObject({
      code: 17,
      name: 'INVALID_TOPIC_EXCEPTION',
    });
    expect(new TributaryError('x', 'ERR_TOPIC_EXISTS').kafka).toMatchObject({ code: 36, name: 'TOPIC_ALREADY_EXISTS' });
  });

  test('native errors arrive as TributaryError with their details', () => {
    let error: unknown;
    try {
      new native.Segment('/nonexistent-dir/a.log', 4096, true);
    } catch (e) {
      error = e;
    }
    expect(isTributaryError(error, 'ENOENT')).toBe(true);
    expect(isTributaryError(error, 'EIO')).toBe(false);
    expect(error).toMatchObject({ name: 'TributaryError', errno: -2, syscall: 'open' });
  });

  test('a response error code becomes the code named after its Kafka error; an unknown one UNKNOWN_SERVER_ERROR', () => {
    expect(kafkaResponseError(27, 'heartbeat')).toMatchObject({
      code: 'ERR_REBALANCE_IN_PROGRESS',
      message: 'heartbeat failed: REBALANCE_IN_PROGRESS',
    });
    // Kafka's Errors.forCode: "Unexpected error code" is UNKNOWN_SERVER_ERROR.
    expect(kafkaResponseError(30, 'join')).toMatchObject({
      code: 'ERR_UNKNOWN_SERVER_ERROR',
      message: 'join failed: ERROR_30',
    });
  });
});

describe('the error registry', () => {
  test('maps every code to an entry of KafkaErrors, each named as its key', () => {
    const kafkaErrors = new Set<unknown>(Object.values(KafkaErrors));
    for (const [code, kafka] of Object.entries(errorRegistry)) expect(kafkaErrors.has(kafka), code).toBe(true);
    for (const [name, kafka] of Object.entries(KafkaErrors)) expect(kafka.name).toBe(name);
    expect(Object.keys(errorRegistry)).toEqual(expect.arrayContaining(['ERR_CORRUPT_BATCH', 'ENOSPC', 'ERR_NONE']));
  });

  test('the wire errors of codes that are not Kafka names (Kafka Errors.java)', () => {
    const wire = (code: ErrorCode): string => new TributaryError('x', code).kafka.name;
    expect(wire('ERR_TRUNCATED')).toBe('CORRUPT_MESSAGE');
    expect(wire('ERR_DECOMPRESSED_TOO_LARGE')).toBe('CORRUPT_MESSAGE');
    expect(wire('ERR_RECORD_BATCH_TOO_LARGE')).toBe('RECORD_LIST_TOO_LARGE');
    expect(wire('ERR_CODEC_UNAVAILABLE')).toBe('UNSUPPORTED_COMPRESSION_TYPE');
    expect(wire('ERR_INVALID_ARGUMENT')).toBe('INVALID_REQUEST');
    expect(wire('ERR_CONSUMER_CLOSED')).toBe('INVALID_REQUEST');
    expect(wire('ERR_OUT_OF_RANGE')).toBe('KAFKA_STORAGE_ERROR');
    expect(wire('ERR_SEGMENT_FULL')).toBe('KAFKA_STORAGE_ERROR');
    expect(wire('ERR_LOG_OFFLINE')).toBe('KAFKA_STORAGE_ERROR');
    expect(wire('ERR_REQUEST_TIMED_OUT')).toBe('REQUEST_TIMED_OUT');
    for (const errno of ['ENOSPC', 'EIO', 'EMFILE', 'ECONNREFUSED'] as const) {
      expect(new TributaryError('x', errno).kafka).toMatchObject({ code: 56, retriable: true });
    }
  });

  test('holds every code native code raises (each "ERR_..." and errno literal in native/)', () => {
    const sources = nativeSources();
    const found = new Set(sources.flatMap(({ source }) => codeLiterals(source)));
    for (const code of ['ERR_CORRUPT_BATCH', 'ERR_OUT_OF_RANGE', 'ERR_INVALID_ARGUMENT', 'ENOSPC', 'EOPNOTSUPP'])
      expect(found.has(code), code).toBe(true);
    expect(sources.flatMap(({ file, source }) => unregistered(source).map((code) => `${file}: ${code}`))).toEqual([]);
  });

  test('the native scan fails on a code planted outside the registry', () => {
    const planted = 'return Status::Error("ERR_NOT_IN_REGISTRY", "x");\n  error.Set("code", "ERR_INVALID_ARG");';
    expect(unregistered(planted)).toEqual(['ERR_NOT_IN_REGISTRY', 'ERR_INVALID_ARG']);
    expect(unregistered('case ENOSPC:\n  return "ENOSPC";\ncase EXDEV:\n  return "EXDEV";')).toEqual(['EXDEV']);
  });
});
