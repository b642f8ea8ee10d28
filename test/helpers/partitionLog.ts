import type { Partition } from '../../src/engine/Partition.js';
import type { Log } from '../../src/log/Log.js';

/** The Log behind a Partition, which only the engine reaches: for tests that look at the log itself (its config, segments, recovery point). */
export function logOf(partition: Partition): Log {
  return partition['log'];
}
