/**
 * The transactional requests of an embedded producer (InitProducerId, AddPartitionsToTxn,
 * AddOffsetsToTxn, TxnOffsetCommit, EndTxn), made as direct calls on the engine's one
 * transaction and group coordinators: what Kafka's Sender sends the coordinator, without
 * the network. Each answer is a Kafka error code, as on the wire.
 *
 * CONCURRENT_TRANSACTIONS (the coordinator still writing the markers of the transaction
 * ended last, or aborting a fenced producer's) is retriable: where Kafka's client retries
 * after a backoff, this one waits for that transaction's completion, then retries. EndTxn
 * resolves once its markers are written, so records a commit made visible are visible to
 * read_committed consumers as soon as commitTransaction() resolves.
 */
import { KafkaErrors } from '../errors.js';
import type { GroupCoordinator } from '../group/GroupCoordinator.js';
import { GROUP_METADATA_TOPIC_NAME } from '../group/OffsetsTopicStore.js';
import type { TransactionCoordinator } from '../transaction/TransactionCoordinator.js';
import type { TransactionCoordinatorClient } from './TransactionManager.js';

/** The engine's coordinators, opened on first use. */
export interface Coordinators {
  transactions: TransactionCoordinator;
  groups: GroupCoordinator;
}

/** How long a request keeps retrying CONCURRENT_TRANSACTIONS: Kafka's max.block.ms default. */
const MAX_BLOCK_MS = 60_000;
/** The wait between retries when no completion is under way (Kafka's AddPartitionsToTxn backoff, 20 ms). */
const RETRY_BACKOFF_MS = 20;

const CONCURRENT = KafkaErrors.CONCURRENT_TRANSACTIONS.code;

/** The coordinators' calls, each waiting for them to open and retrying CONCURRENT_TRANSACTIONS. */
export function inProcessTransactionCoordinator(open: () => Promise<Coordinators>): TransactionCoordinatorClient {
  // Opened once (the Tributary keeps the one promise anyway): each request then awaits it once, not three times.
  let opened: Promise<Coordinators> | null = null;
  const coordinators = (): Promise<Coordinators> => (opened ??= open());
  const retrying = async <T>(
    transactionalId: string,
    call: (c: Coordinators) => Promise<T>,
    errorOf: (result: T) => number,
  ): Promise<T> => {
    const c = await coordinators();
    const deadline = Date.now() + MAX_BLOCK_MS;
    for (;;) {
      const result = await call(c);
      if (errorOf(result) !== CONCURRENT || Date.now() > deadline) return result;
      await waitForCompletion(c.transactions, transactionalId);
    }
  };
  const code = (errorCode: number): number => errorCode;
  return {
    initProducerId: (id, timeoutMs, expected) =>
      retrying(
        id,
        (c) =>
          c.transactions.handleInitProducerId(
            id,
            timeoutMs,
            expected && { producerId: expected.producerId, producerEpoch: expected.epoch },
          ),
        (r) => r.errorCode,
      ),
    addPartitionsToTxn: (id, { producerId, epoch }, partitions) =>
      retrying(id, (c) => c.transactions.handleAddPartitionsToTransaction(id, producerId, epoch, partitions), code),
    // KafkaApis.handleAddOffsetsToTxnRequest: the group's __consumer_offsets partition joins the transaction.
    addOffsetsToTxn: (id, { producerId, epoch }, groupId) =>
      retrying(
        id,
        (c) =>
          c.transactions.handleAddPartitionsToTransaction(id, producerId, epoch, [
            { topic: GROUP_METADATA_TOPIC_NAME, partition: c.groups.partitionFor(groupId) },
          ]),
        code,
      ),
    txnOffsetCommit: async (request) => (await coordinators()).groups.commitTransactionalOffsets(request),
    endTxn: async (id, { producerId, epoch }, commit) => {
      const error = await retrying(id, (c) => c.transactions.handleEndTransaction(id, producerId, epoch, commit), code);
      if (error === KafkaErrors.NONE.code) await (await coordinators()).transactions.transactionCompletion(id);
      return error;
    },
  };
}

/** The transaction being completed for `transactionalId`; a short backoff when none is (yet). */
function waitForCompletion(transactions: TransactionCoordinator, transactionalId: string): Promise<unknown> {
  return (
    transactions.transactionCompletion(transactionalId) ??
    new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS))
  );
}
