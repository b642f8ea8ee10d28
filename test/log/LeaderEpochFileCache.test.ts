/**
 * The leader epoch cache and its checkpoint file, case by case as Kafka's
 * LeaderEpochFileCacheTest and LeaderEpochCheckpointFileTest (3.8).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LeaderEpochFileCache, UNDEFINED_EPOCH } from '../../src/log/LeaderEpochFileCache.js';
import { tempDir } from '../helpers/tmp.js';

/** A cache in a fresh directory holding `entries` ([epoch, startOffset]...), and the directory. */
function cacheWith(entries: [number, number][]): { cache: LeaderEpochFileCache; dir: string } {
  const dir = tempDir();
  const cache = new LeaderEpochFileCache(dir);
  for (const [epoch, offset] of entries) cache.assign(epoch, offset);
  return { cache, dir };
}

const entriesOf = (cache: LeaderEpochFileCache) => cache.entries.map((e) => [e.epoch, e.startOffset]);

describe('LeaderEpochFileCache', () => {
  test("writes Kafka's leader-epoch-checkpoint format at each assignment, and a new cache reads it back", () => {
    const { cache, dir } = cacheWith([
      [2, 6],
      [3, 8],
    ]);
    expect(readFileSync(join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n2\n2 6\n3 8\n');
    expect(readdirSync(dir)).toEqual(['leader-epoch-checkpoint']); // no temp file left
    expect(entriesOf(new LeaderEpochFileCache(dir))).toEqual(entriesOf(cache));
    expect(new LeaderEpochFileCache(dir).latestEpoch).toBe(3);
    expect(new LeaderEpochFileCache(tempDir()).latestEpoch).toBeNull();
  });

  test('assign: the latest epoch again at a later offset changes nothing; an earlier offset, an older epoch or a start not later truncate', () => {
    const { cache } = cacheWith([
      [2, 6],
      [3, 8],
    ]);
    cache.assign(3, 10); // shouldNotOverwriteOffsetForALeaderEpochOnceItHasBeenAssigned
    expect(entriesOf(cache)).toEqual([
      [2, 6],
      [3, 8],
    ]);
    cache.assign(3, 7); // shouldTruncateIfMatchingEpochButEarlierStartingOffset
    expect(entriesOf(cache)).toEqual([
      [2, 6],
      [3, 7],
    ]);
    cache.assign(4, 6); // shouldEnforceMonotonicallyIncreasingStartOffsets
    expect(entriesOf(cache)).toEqual([[4, 6]]);
    cache.assign(1, 9); // shouldEnforceMonotonicallyIncreasingEpochs: an older epoch removes every newer one
    expect(entriesOf(cache)).toEqual([[1, 9]]);
    expect(() => cache.assign(-1, 10)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => cache.assign(5, -1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  test('endOffsetFor: undefined, the latest (the log end), between epochs (the next start), older than all, newer than all', () => {
    const { cache } = cacheWith([
      [2, 6],
      [4, 10],
      [6, 20],
    ]);
    const at = (epoch: number) => cache.endOffsetFor(epoch, 25);
    expect(at(UNDEFINED_EPOCH)).toEqual({ leaderEpoch: -1, endOffset: -1 }); // shouldReturnUndefinedOffsetIfUndefinedEpochRequested
    expect(at(6)).toEqual({ leaderEpoch: 6, endOffset: 25 }); // shouldReturnLogEndOffsetIfLatestEpochRequested
    expect(at(4)).toEqual({ leaderEpoch: 4, endOffset: 20 });
    expect(at(3)).toEqual({ leaderEpoch: 2, endOffset: 10 }); // shouldReturnNextAvailableEpochIfThereIsNoExactEpochForTheOneRequested
    expect(at(1)).toEqual({ leaderEpoch: 1, endOffset: 6 }); // shouldReturnFirstEpochIfRequestedEpochLessThanFirstEpoch
    expect(at(7)).toEqual({ leaderEpoch: -1, endOffset: -1 }); // shouldReturnInvalidOffsetIfEpochIsRequestedWhichIsNotCurrentlyTracked
    expect(new LeaderEpochFileCache(tempDir()).endOffsetFor(0, 5)).toEqual({ leaderEpoch: -1, endOffset: -1 }); // shouldFetchEndOffsetOfEmptyCache
  });

  test('truncateFromEnd drops the entries starting at or after the offset; truncateFromStart keeps the one covering it, moved to it', () => {
    const { cache, dir } = cacheWith([
      [2, 6],
      [3, 8],
      [4, 11],
    ]);
    cache.truncateFromEnd(12); // nothing starts at or after 12
    expect(entriesOf(cache)).toHaveLength(3);
    cache.truncateFromEnd(8); // shouldDropEntriesOnEpochBoundaryWhenRemovingLatestEntries
    expect(entriesOf(cache)).toEqual([[2, 6]]);
    cache.assign(3, 8);
    cache.assign(4, 11);
    cache.truncateFromStart(9); // shouldUpdateSavedOffsetWhenOffsetToClearToIsBetweenEpochs
    expect(entriesOf(cache)).toEqual([
      [3, 9],
      [4, 11],
    ]);
    cache.truncateFromStart(11); // shouldRetainLatestEpochOnClearAllEarliestAndUpdateItsOffset
    expect(entriesOf(cache)).toEqual([[4, 11]]);
    expect(readFileSync(join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n1\n4 11\n');
    cache.clear();
    expect(entriesOf(new LeaderEpochFileCache(dir))).toEqual([]);
  });

  test("a checkpoint not in Kafka's format is ERR_CORRUPT_CHECKPOINT", () => {
    for (const text of ['1\n0\n', '0\n2\n1 0\n', '0\n1\n1\n', '0\n1\nx 0\n', '0\n1\n1 2 3\n']) {
      const dir = tempDir();
      writeFileSync(join(dir, 'leader-epoch-checkpoint'), text);
      expect(() => new LeaderEpochFileCache(dir), text).toThrow(
        expect.objectContaining({ code: 'ERR_CORRUPT_CHECKPOINT' }),
      );
    }
  });
});
