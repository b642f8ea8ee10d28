import { isTributaryError } from '../../src/errors.js';
import type { CompressionCodec } from '../../src/record/Compression.js';
import type { LegacyMagic } from '../../src/record/LegacyRecord.js';

/** Every magic and codec pair a legacy MessageSet can carry here (magic-0 lz4 is refused). */
export const LEGACY_CASES: ReadonlyArray<[LegacyMagic, CompressionCodec]> = [
  [0, 'none'],
  [0, 'gzip'],
  [0, 'snappy'],
  [1, 'none'],
  [1, 'gzip'],
  [1, 'snappy'],
  [1, 'lz4'],
];

/** The code of the TributaryError `run` throws, `untyped: ...` for anything else, undefined if none. */
export function errorCodeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isTributaryError(error) ? error.code : `untyped: ${String(error)}`;
  }
  return undefined;
}
