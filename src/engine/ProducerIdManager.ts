/**
 * ProducerIdManager: where InitProducerId's new producer ids come from (Kafka's
 * kafka.coordinator.transaction.ProducerIdManager trait), for the broker's idempotent
 * producers, the transaction coordinator and the embedded producers alike. A single node
 * reserves blocks in its data directory (FileProducerIdManager); a cluster's broker claims
 * them from ZooKeeper (src/broker/ZkProducerIdManager.ts), which the broker hands the engine
 * at open, so the engine never reaches ZooKeeper.
 */
import { TributaryError } from '../errors.js';

export interface ProducerIdManager {
  /**
   * ProducerIdManager.generateProducerId: an id never handed out before, by this node or any
   * other of its cluster. Synchronous, so a caller's read and write of its own state stay in
   * one turn; it throws instead (a TributaryError, ERR_COORDINATOR_LOAD_IN_PROGRESS while a
   * cluster's next block is on its way) where Kafka's returns a Failure, which the callers
   * answer as Errors.forException does.
   */
  generateProducerId(): number;
}

/**
 * generateProducerId as Kafka's callers take its Try[Long]: the id, or the TributaryError it
 * failed with, which they answer with its Kafka error (Errors.forException). Anything else
 * is a bug and is thrown.
 */
export function tryGenerateProducerId(manager: ProducerIdManager): number | TributaryError {
  try {
    return manager.generateProducerId();
  } catch (error) {
    if (error instanceof TributaryError) return error;
    throw error;
  }
}
