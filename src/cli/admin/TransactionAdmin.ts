/**
 * Transactions as `tributary transactions` shows them, over the Kafka protocol (the
 * coordinator runs in a broker): ListTransactions, DescribeTransactions, and FindCoordinator
 * for the coordinator of each transactional id, as Kafka's Admin client does.
 */
import type { BrokerConnection } from '../../network/BrokerConnection.js';
import { ApiKey } from '../../protocol/index.js';
import { DescribeTransactions } from '../../protocol/messages/DescribeTransactions.js';
import { FindCoordinator } from '../../protocol/messages/FindCoordinator.js';
import { ListTransactions } from '../../protocol/messages/ListTransactions.js';
import { checkErrorCode } from './KafkaFailure.js';
import type { PartitionRef } from './TopicAdmin.js';

const TRANSACTION_KEY_TYPE = 1;
/** FindCoordinator v4 asks for several keys at once. */
const BATCHED_FIND_COORDINATOR_VERSION = 4;

export interface TransactionListing {
  transactionalId: string;
  coordinator: number;
  producerId: number;
  state: string;
}

export interface TransactionDescription {
  coordinatorId: number;
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  state: string;
  transactionTimeoutMs: number;
  /** null when no transaction has started (Kafka's -1). */
  transactionStartTimeMs: number | null;
  topicPartitions: PartitionRef[];
}

export class TransactionAdmin {
  constructor(private readonly connection: BrokerConnection) {}

  async list(states: string[], producerIds: number[]): Promise<TransactionListing[]> {
    const response = await this.connection.request(ListTransactions, {
      stateFilters: states,
      producerIdFilters: producerIds,
      durationFilter: -1,
    });
    checkErrorCode('list transactions', response.errorCode);
    const coordinators = await this.coordinators(response.transactionStates.map((t) => t.transactionalId));
    return response.transactionStates.map((t) => ({
      transactionalId: t.transactionalId,
      coordinator: coordinators.get(t.transactionalId)!,
      producerId: Number(t.producerId),
      state: t.transactionState,
    }));
  }

  async describe(transactionalId: string): Promise<TransactionDescription> {
    const coordinatorId = (await this.coordinators([transactionalId])).get(transactionalId)!;
    const response = await this.connection.request(DescribeTransactions, { transactionalIds: [transactionalId] });
    const t = response.transactionStates[0]!;
    checkErrorCode(`describe transaction state of transactional-id '${transactionalId}'`, t.errorCode);
    return {
      coordinatorId,
      transactionalId,
      producerId: Number(t.producerId),
      producerEpoch: t.producerEpoch,
      state: t.transactionState,
      transactionTimeoutMs: t.transactionTimeoutMs,
      transactionStartTimeMs: Number(t.transactionStartTimeMs) < 0 ? null : Number(t.transactionStartTimeMs),
      topicPartitions: t.topics.flatMap((tp) => tp.partitions.map((partition) => ({ topic: tp.topic, partition }))),
    };
  }

  /** The node coordinating each transactional id. */
  private async coordinators(ids: string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (ids.length === 0) return found;
    if (this.connection.versionOf(ApiKey.FindCoordinator) >= BATCHED_FIND_COORDINATOR_VERSION) {
      const response = await this.connection.request(FindCoordinator, {
        keyType: TRANSACTION_KEY_TYPE,
        coordinatorKeys: ids,
      });
      for (const c of response.coordinators) {
        checkErrorCode(`find the coordinator of '${c.key}'`, c.errorCode, c.errorMessage);
        found.set(c.key, c.nodeId);
      }
      return found;
    }
    for (const key of ids) {
      const response = await this.connection.request(FindCoordinator, { key, keyType: TRANSACTION_KEY_TYPE });
      checkErrorCode(`find the coordinator of '${key}'`, response.errorCode, response.errorMessage);
      found.set(key, response.nodeId);
    }
    return found;
  }
}
