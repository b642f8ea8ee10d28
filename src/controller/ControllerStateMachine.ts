/**
 * What the partition and replica state machines share: the controller's parts they work
 * with, and the round each handleStateChanges is (Kafka's ZkPartitionStateMachine and
 * ZkReplicaStateMachine: newBatch, the changes, sendRequestsToBrokers).
 */
import { isTributaryError, type TributaryError } from '../errors.js';
import type { ControllerBrokerRequestBatch } from './ControllerBrokerRequestBatch.js';
import type { ControllerContext } from './ControllerContext.js';
import type { ControllerZkClient } from './ControllerZkClient.js';
import type { StateChangeLogger } from './StateChangeLogger.js';

/**
 * A failure a round survives (ZooKeeper unreachable, a state change refused); not a lost
 * controller epoch (ControllerMovedException, which ends this controller), nor a bug.
 */
export function isStateChangeFailure(e: unknown): e is TributaryError {
  return isTributaryError(e) && e.code !== 'ERR_STALE_CONTROLLER_EPOCH';
}

export abstract class ControllerStateMachine {
  constructor(
    protected readonly controllerId: number,
    protected readonly context: ControllerContext,
    protected readonly zk: ControllerZkClient,
    protected readonly batch: ControllerBrokerRequestBatch,
    protected readonly logger: StateChangeLogger,
  ) {}

  /**
   * One round of state changes and the requests they owe. What a failed round queued is
   * dropped so the next can start; a failure it survives is `failed`'s to answer.
   */
  protected async inRound<T>(changes: () => Promise<T>, failed: (e: TributaryError) => T): Promise<T> {
    try {
      this.batch.newBatch();
      const result = await changes();
      this.batch.sendRequestsToBrokers(this.context.epoch);
      return result;
    } catch (e) {
      this.batch.clear();
      if (!isStateChangeFailure(e)) throw e;
      return failed(e);
    }
  }
}
