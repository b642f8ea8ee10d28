/**
 * ProducerIdManager: hands out producer ids for InitProducerId. Ids are reserved in
 * blocks recorded in DATA/producer-id-block before any id of the block is used, so a
 * restart, even after a crash, never hands out an id twice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError } from '../errors.js';
import { writeFileAtomic } from '../io/DurableFile.js';

export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block';
const BLOCK_SIZE = 1000;

export class ProducerIdManager {
  private next: number;
  private blockEnd: number;

  private constructor(
    private readonly path: string,
    start: number,
  ) {
    this.next = start;
    this.blockEnd = start;
  }

  static open(dataDir: string): ProducerIdManager {
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
    return new ProducerIdManager(path, start);
  }

  nextProducerId(): number {
    if (this.next === this.blockEnd) {
      this.blockEnd = this.next + BLOCK_SIZE;
      writeFileAtomic(this.path, `${this.blockEnd}\n`);
    }
    return this.next++;
  }
}
