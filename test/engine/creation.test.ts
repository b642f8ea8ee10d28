/**
 * Topic creation is all or nothing under real failures: a creation that runs out of file
 * descriptors (EMFILE, in a child under prlimit) or of space (ENOSPC, a small tmpfs)
 * raises a typed error and leaves no trace, neither a registered topic whose partitions
 * never opened (describeTopic threw a TypeError on one: issue 18) nor their files.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import type { EngineOptions } from '../../src/engine/EngineOptions.js';
import { runChild } from '../helpers/childProcess.js';
import { tempDir } from '../helpers/tmp.js';

const CHILD = join(import.meta.dirname, 'fixtures', 'create-topics-child.mjs');
const root = process.getuid?.() === 0;

const open = (dataDir: string, extra: Partial<EngineOptions> = {}) =>
  Engine.open({ dataDir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0, ...extra });

function partitionDirs(dataDir: string): string[] {
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

const dirsOf = (topics: string[], partitions: number) =>
  topics.flatMap((t) => Array.from({ length: partitions }, (_, i) => `${t}-${i}`)).sort();

/** Opens the engine again and checks it holds exactly `topics` (each with `partitions`), and only their files. */
async function expectExactly(dataDir: string, topics: string[], partitions: number): Promise<void> {
  const engine = await open(dataDir);
  try {
    expect(engine.listTopics()).toEqual([...topics].sort());
    for (const t of topics) expect(engine.describeTopic(t).partitions).toHaveLength(partitions);
    expect(partitionDirs(dataDir)).toEqual(dirsOf(topics, partitions));
  } finally {
    await engine.close();
  }
}

/** Mounts a tmpfs with `options` on a fresh directory for `body`, unmounting it after. */
async function withTmpfs(options: string, body: (dir: string) => Promise<void>): Promise<void> {
  const mount = tempDir();
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mount]);
  try {
    await body(mount);
  } finally {
    execFileSync('umount', ['-l', mount]);
  }
}

describe('topic creation is all or nothing', () => {
  test('EMFILE part way through a topic registers nothing, and every listed topic describes', async () => {
    const dataDir = tempDir();
    // 4 partitions a topic: the limit falls inside a topic's files, not between topics.
    const run = await runChild(CHILD, [dataDir, '4'], null, ['prlimit', '--nofile=120']);
    const created = run.lines.filter((l) => l.startsWith('created ')).map((l) => l.slice(8));
    const failed = run.lines.find((l) => l.startsWith('error '));
    expect(failed, run.lines.join('\n')).toMatch(/^error EMFILE t\d+$/);
    expect(created.length).toBeGreaterThan(3);
    expect(run.lines.slice(-2)).toEqual([`described ${created.length}`, 'closed']);
    await expectExactly(dataDir, created, 4);
  });

  test.skipIf(!root)('ENOSPC creating the partitions files (no inodes left) leaves no topic', async () => {
    await withTmpfs('size=4m,nr_inodes=40', async (dataDir) => {
      const engine = await open(dataDir);
      const created: string[] = [];
      let failure: unknown;
      try {
        for (let i = 0; failure === undefined; i++) {
          try {
            engine.createTopic(`t${i}`, { partitions: 3 });
            created.push(`t${i}`);
          } catch (error) {
            failure = error;
          }
        }
        expect(failure).toMatchObject({ name: 'TributaryError', code: 'ENOSPC' });
        for (const t of engine.listTopics()) expect(engine.describeTopic(t).partitions).toHaveLength(3);
        expect(engine.listTopics()).toEqual(created.sort());
      } finally {
        execFileSync('mount', ['-o', 'remount,nr_inodes=1000', dataDir]); // room to close (checkpoints)
        await engine.close();
      }
      await expectExactly(dataDir, created, 3);
    });
  });

  test.skipIf(!root)('ENOSPC writing the registry removes the partitions just made', async () => {
    await withTmpfs('size=256k', async (dataDir) => {
      const engine = await open(dataDir);
      let filler = 0;
      try {
        engine.createTopic('kept', { partitions: 2 });
        // Fill the disk: the new topic's (empty) files need inodes only, its registry entry a block.
        try {
          for (;;) writeFileSync(join(dataDir, `filler-${filler++}`), Buffer.alloc(4096));
        } catch (error) {
          expect(error).toMatchObject({ code: 'ENOSPC' });
        }
        expect(() => engine.createTopic('refused', { partitions: 2 })).toThrow(
          expect.objectContaining({ name: 'TributaryError', code: 'ENOSPC', syscall: 'write' }),
        );
        expect(engine.listTopics()).toEqual(['kept']);
        expect(engine.describeTopic('kept').partitions).toHaveLength(2);
        expect(partitionDirs(dataDir)).toEqual(['kept-0', 'kept-1']);
      } finally {
        for (let i = 0; i < filler; i++) rmSync(join(dataDir, `filler-${i}`), { force: true });
        await engine.close();
      }
    });
  });
});

describe('the partition limit (maxPartitions, max.broker.partitions)', () => {
  test('a creation or a growth past the limit is refused with ERR_PARTITION_LIMIT, nothing made', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir, { maxPartitions: 5 });
    try {
      engine.createTopic('a', { partitions: 3 });
      expect(() => engine.createTopic('b', { partitions: 3 })).toThrow(
        expect.objectContaining({ code: 'ERR_PARTITION_LIMIT', message: expect.stringMatching(/limit of 5/) }),
      );
      expect(() => engine.createPartitions('a', 6)).toThrow(expect.objectContaining({ code: 'ERR_PARTITION_LIMIT' }));
      engine.createTopic('b', { partitions: 2 });
      expect(partitionDirs(dataDir)).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1']);
      await engine.deleteTopic('a');
      engine.createPartitions('b', 5); // a delete gives its partitions back
    } finally {
      await engine.close();
    }
    const reopened = await open(dataDir, { maxPartitions: 5 });
    try {
      expect(() => reopened.createTopic('c', { partitions: 1 })).toThrow(
        expect.objectContaining({ code: 'ERR_PARTITION_LIMIT' }),
      );
    } finally {
      await reopened.close();
    }
  });
});
