/**
 * FileProducerIdManager: a single node's producer ids. Ids are reserved in blocks recorded
 * in DATA/producer-id-block before any id of the block is used, so a restart, even after a
 * crash, never hands out an id twice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileSystemError, TributaryError } from '../errors.js';
import { writeFileAtomic } from '../io/DurableFile.js';
import type { ProducerIdManager } from './ProducerIdManager.js';

export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block';
const BLOCK_SIZE = 1000;

export class FileProducerIdManager implements ProducerIdManager {
  private next: number;
  private blockEnd: number;

  private constructor(
    private readonly path: string,
    start: number,
  ) {
    this.next = start;
    this.blockEnd = start;
  }

  static open(dataDir: string): FileProducerIdManager {
    const path = join(dataDir, PRODUCER_ID_BLOCK_FILE);
    let start = 0;
    try {
      start = Number(readFileSync(path, 'utf8').trim());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new TributaryError(`${path} does not hold a producer id`, 'ERR_CORRUPT_PRODUCER_ID_BLOCK', { path });
    }
    return new FileProducerIdManager(path, start);
  }

  /** The first id past every block reserved here: where a cluster's blocks must begin when this data directory joins one. */
  get reservedEnd(): number {
    return this.blockEnd;
  }

  generateProducerId(): number {
    if (this.next === this.blockEnd) {
      // The block counts as reserved only once written: a failed write hands out none of it.
      const blockEnd = this.next + BLOCK_SIZE;
      try {
        writeFileAtomic(this.path, `${blockEnd}\n`);
      } catch (error) {
        throw fileSystemError('reserving a block of producer ids', error);
      }
      this.blockEnd = blockEnd;
    }
    return this.next++;
  }
}
