import { describe, expect, test } from 'vitest';
import {
  filenamePrefixFromOffset,
  parsePartitionDirName,
  parseSegmentFileName,
  partitionDirName,
} from '../../src/log/LogFileNames.js';

describe('LogFileNames', () => {
  test('segment names are 20-digit base offsets', () => {
    expect(filenamePrefixFromOffset(368769)).toBe('00000000000000368769');
    expect(parseSegmentFileName('00000000000000368769.timeindex')).toEqual({ baseOffset: 368769, kind: 'timeindex' });
    expect(parseSegmentFileName('368769.log')).toBeNull();
    expect(parseSegmentFileName('00000000000000368769.log.deleted')).toBeNull();
  });

  test('partition directories are <topic>-<partition>, topics may contain dashes', () => {
    expect(partitionDirName({ topic: 'a-b', partition: 7 })).toBe('a-b-7');
    expect(parsePartitionDirName('a-b-7')).toEqual({ topic: 'a-b', partition: 7 });
    expect(parsePartitionDirName('lost+found')).toBeNull();
  });
});
