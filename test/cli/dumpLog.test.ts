/**
 * `tributary dump-log` as a real process on a real log written by the embedded API:
 * what it prints is what was sent; a flipped byte, a torn tail and a wrong index entry
 * are each reported where they are, with exit code 1; --repair cuts the log so that it
 * opens again with the good batches, and refuses without a terminal or --yes, and
 * while a broker holds the data directory.
 */
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Log } from '../../src/log/Log.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { serve, tributary } from '../helpers/cli.js';
import { jsonLines, writeLog, type WrittenLog } from '../helpers/segments.js';

type Line = ReturnType<typeof jsonLines>[number];

async function dump(args: string[]): Promise<{ code: number | null; lines: Line[]; stderr: string }> {
  const { code, stdout, stderr } = await tributary(['dump-log', '--json', ...args]).exit;
  return { code, lines: jsonLines(stdout), stderr };
}

const ofType = (lines: Line[], type: string) => lines.filter((l) => l.type === type);

/** Batch positions and offsets as an independent reader sees them: RecordBatch over the raw file. */
function batchesOf(path: string): { position: number; baseOffset: number; lastOffset: number; size: number }[] {
  const bytes = readFileSync(path);
  const out = [];
  let position = 0;
  for (const batch of RecordBatch.all(bytes)) {
    out.push({ position, baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, size: batch.sizeInBytes });
    position += batch.sizeInBytes;
  }
  return out;
}

function flipByte(path: string, position: number): void {
  const bytes = readFileSync(path);
  bytes[position] = bytes[position]! ^ 0x5a;
  writeFileSync(path, bytes);
}

/** Corrupts the records of batch `n` (past its header, so only its CRC can tell). */
function corruptBatch(written: WrittenLog, n: number) {
  const batch = batchesOf(written.log)[n]!;
  flipByte(written.log, batch.position + batch.size - 3);
  return batch;
}

describe('tributary dump-log', () => {
  it('prints every batch and record as written, and the indexes agree with the log', async () => {
    const written = await writeLog();
    const { code, lines } = await dump(['--records', written.log, written.index, written.timeIndex]);
    expect(code).toBe(0);
    const batches = ofType(lines, 'batch');
    expect(batches.map((b) => b.compression)).toEqual(written.codecs);
    expect(
      batches.map(({ position, baseOffset, lastOffset, size }) => ({ position, baseOffset, lastOffset, size })),
    ).toEqual(batchesOf(written.log));
    for (const b of batches)
      expect(b).toMatchObject({
        magic: 2,
        crcValid: true,
        timestampType: 'CreateTime',
        isTransactional: false,
        isControl: false,
      });
    const records = ofType(lines, 'record').map(({ offset, timestamp, key, value, headers }) => ({
      offset,
      timestamp,
      key,
      value,
      headers,
    }));
    expect(records).toEqual(written.sent);
    expect(ofType(lines, 'problem')).toEqual([]);
    const indexEntries = ofType(lines, 'index-entry');
    // index.interval.bytes 1: every batch after the first has an entry, by its last offset.
    expect(indexEntries.map(({ offset, position }) => ({ offset, position }))).toEqual(
      batchesOf(written.log)
        .slice(1)
        .map((b) => ({ offset: b.lastOffset, position: b.position })),
    );
    expect(ofType(lines, 'time-index-entry').length).toBeGreaterThan(0);
    expect(ofType(lines, 'summary').map((s) => s.problems)).toEqual([0, 0, 0]);
  });

  it('prints lines like kafka-dump-log without --json', async () => {
    const written = await writeLog();
    const { code, stdout } = await tributary(['dump-log', '--print-data-log', written.log]).exit;
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Dumping ${written.log}\nbaseOffset: 0 lastOffset: 0 count: 1 position: 0 `));
    expect(stdout).toMatch(
      /\| offset: 0 timestamp: 1700000000000 key: key-0-0 headers: \[batch=0,é=0\] payload: value 0\.0 \n/,
    );
    expect(stdout).toMatch(/compression: zstd /);
    expect(stdout).toMatch(/Summary of .*: batches: 6 records: 21 problems: 0\n$/);
  });

  it('reports a batch with a flipped byte by its offset and position, and exits 1', async () => {
    const written = await writeLog();
    const bad = corruptBatch(written, 2);
    const { code, lines, stderr } = await dump(['--records', written.log]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^tributary: \d+ problems? found\n$/);
    const problems = ofType(lines, 'problem');
    expect(problems[0]).toMatchObject({
      offset: bad.baseOffset,
      position: bad.position,
      message: expect.stringMatching(/^CRC \d+ does not match/),
    });
    expect(problems.every((p) => p.offset === bad.baseOffset)).toBe(true);
    expect(
      ofType(lines, 'batch')
        .filter((b) => b.crcValid === false)
        .map((b) => b.position),
    ).toEqual([bad.position]);
  });

  it('reports base offsets that step back or leave a gap (fields the CRC does not cover)', async () => {
    const written = await writeLog();
    const batches = batchesOf(written.log);
    const bytes = readFileSync(written.log);
    bytes.writeBigInt64BE(BigInt(batches[1]!.baseOffset), batches[2]!.position);
    bytes.writeBigInt64BE(BigInt(batches[5]!.baseOffset + 10), batches[5]!.position);
    writeFileSync(written.log, bytes);
    const { code, lines } = await dump([written.log]);
    expect(code).toBe(1);
    const problems = ofType(lines, 'problem').filter((p) => !/index entry/.test(p.message as string));
    expect(problems).toEqual([
      {
        type: 'problem',
        offset: batches[1]!.baseOffset,
        position: batches[2]!.position,
        message: `base offset ${batches[1]!.baseOffset} is below ${batches[2]!.baseOffset}: offsets do not increase`,
      },
      {
        type: 'problem',
        offset: batches[5]!.baseOffset + 10,
        position: batches[5]!.position,
        message: `base offset ${batches[5]!.baseOffset + 10} leaves a gap after ${batches[5]!.baseOffset - 1}`,
      },
    ]);
  });

  it('reports a torn tail by the offset and position of the torn batch', async () => {
    const written = await writeLog();
    const last = batchesOf(written.log).at(-1)!;
    truncateSync(written.log, last.position + 30);
    const { code, lines } = await dump([written.log]);
    expect(code).toBe(1);
    const [torn, ...fromIndexes] = ofType(lines, 'problem');
    expect(torn).toMatchObject({
      offset: last.baseOffset,
      position: last.position,
      message: expect.stringMatching(/^torn batch at the end of the file.*\(30 bytes from here on\)$/),
    });
    // The torn batch's index entries now point past the whole batches.
    expect(fromIndexes.map((p) => p.message)).toEqual([
      expect.stringMatching(
        new RegExp(
          `\\.index entry \\(offset ${last.lastOffset}, position ${last.position}\\): position is past the log's last whole batch \\(ending at ${last.position}\\)$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `\\.timeindex entry \\(timestamp \\d+, offset ${last.lastOffset}\\): no batch ends at offset ${last.lastOffset}$`,
        ),
      ),
    ]);
  });

  it('reports index entries that point at the wrong position', async () => {
    const written = await writeLog();
    const batches = batchesOf(written.log);
    const index = readFileSync(written.index);
    index.writeUInt32BE(batches[2]!.position + 1, 4); // first entry (batch 1's last offset) now inside batch 2
    index.writeUInt32BE(batches[4]!.position, 12); // second entry (batch 2's last offset) at batch 4, so the third goes backwards
    writeFileSync(written.index, index);
    const fromLog = await dump([written.log]);
    expect(fromLog.code).toBe(1);
    expect(ofType(fromLog.lines, 'problem').map((p) => p.message)).toEqual([
      expect.stringMatching(/\.index entry \(offset \d+, position \d+\): position is not the start of a batch$/),
      expect.stringMatching(/\.index entry \(offset \d+, position \d+\): the batch there ends at offset 14$/),
      expect.stringMatching(/\.index entry \(offset \d+, position \d+\): entry does not increase on the previous one/),
    ]);
    const fromIndex = await dump([written.index]);
    expect(fromIndex.code).toBe(1);
    const entries = ofType(fromIndex.lines, 'index-entry');
    expect(entries.slice(0, 4).map((e) => e.problem !== null)).toEqual([true, true, true, false]);
    expect(entries[1]).toMatchObject({ offset: batches[2]!.lastOffset, position: batches[4]!.position });

    const repaired = await dump(['--repair', '--yes', written.log]);
    expect(ofType(repaired.lines, 'repair').map((r) => r.action)).toEqual([
      expect.stringMatching(/^delete .*\.index and .*\.timeindex \(rebuilt when the log opens\)$/),
    ]);
    await Log.open({ dir: written.partitionDir, hadCleanShutdown: true }).close();
    expect((await dump([written.log, written.index])).code).toBe(0);
  });

  it('--repair --yes cuts the log at the first bad batch, and the log opens with the batches before it', async () => {
    const written = await writeLog();
    const bad = corruptBatch(written, 3);
    const { code, lines } = await dump(['--repair', '--yes', written.log]);
    expect(code).toBe(1);
    expect(ofType(lines, 'repair')).toEqual([
      {
        type: 'repair',
        file: written.log,
        action: expect.stringMatching(
          new RegExp(
            `^truncate .* at position ${bad.position} \\(\\d+ bytes, from offset ${bad.baseOffset}\\) and delete `,
          ),
        ),
      },
    ]);
    expect(statSync(written.log).size).toBe(bad.position);
    expect(existsSync(written.index) || existsSync(written.timeIndex)).toBe(false);

    const log = Log.open({ dir: written.partitionDir, hadCleanShutdown: true });
    try {
      expect(log.logEndOffset).toBe(bad.baseOffset);
      const read = log.read(0, 1 << 20);
      expect([...RecordBatch.all(read!.records)].map((b) => b.isValid())).toEqual([true, true, true]);
    } finally {
      await log.close();
    }
    const again = await dump([written.log, written.index, written.timeIndex]);
    expect(again.code).toBe(0);
  });

  it('--repair refuses without a terminal to ask on unless --yes, and while a broker holds the data directory', async () => {
    const written = await writeLog();
    corruptBatch(written, 1);
    const before = readFileSync(written.log);
    const unasked = await tributary(['dump-log', '--repair', written.log]).exit;
    expect(unasked.code).toBe(1);
    expect(unasked.stderr).toMatch(
      /^tributary: will not truncate .* at position \d+ \(\d+ bytes, from offset 1\) .*without asking: no terminal to ask on \(add --yes\)\n$/,
    );
    expect(readFileSync(written.log).equals(before)).toBe(true);

    const broker = await serve(written.dataDir);
    const locked = await tributary(['dump-log', '--repair', '--yes', written.log]).exit;
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(new RegExp(`^tributary: data directory is locked by process ${broker.child.pid}`));
    broker.child.kill('SIGTERM');
    await broker.exit;
  });

  it('explains itself with --help and refuses bad arguments with exit code 2', async () => {
    const help = await tributary(['dump-log', '--help']).exit;
    expect(help).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage: tributary dump-log \[options\] FILE\.\.\./),
    });
    const written = await writeLog();
    const cases: [string[], RegExp][] = [
      [[], /needs at least one FILE/],
      [['--format', 'xml', written.log], /--format must be text or json/],
      [['--frobnicate', written.log], /Unknown option '--frobnicate'/],
      [[join(written.dataDir, 'topics.json')], /is not a segment file/],
      [[join(written.partitionDir, '00000000000000000099.log')], /no such file/],
      [['--yes', written.log], /--yes goes with --repair/],
    ];
    const runs = await Promise.all(cases.map(([args]) => tributary(['dump-log', ...args]).exit));
    for (const [i, [args, message]] of cases.entries()) {
      const run = runs[i]!;
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.split('\n')).toHaveLength(2);
    }
  });
});
