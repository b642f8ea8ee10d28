/**
 * InitProducerId. Without a transactional id (idempotent producers): a new producer id at
 * epoch 0, or, when a producer asks to bump its own epoch (KIP-360, v3+), the same id at
 * the next epoch. With one: the transaction coordinator's (KafkaApis.handleInitProducerIdRequest).
 */
import { tryGenerateProducerId } from '../../engine/ProducerIdManager.js';
import { KafkaErrors, TributaryError } from '../../errors.js';
import { InitProducerId } from '../../protocol/messages/InitProducerId.js';
import { handler } from '../RequestContext.js';
import { olderFencedError } from './Transactions.js';

const MAX_EPOCH = 32767;
/** InitProducerId v4 is the first whose clients know PRODUCER_FENCED. */
const PRODUCER_FENCED_VERSION = 4;

export const handleInitProducerId = handler(InitProducerId, async (context, request) => {
  const { producerId, producerEpoch, transactionalId } = request;
  // KafkaApis: both or neither of the producer id and epoch.
  if ((producerId === -1) !== (producerEpoch === -1))
    return { throttleTimeMs: 0, errorCode: KafkaErrors.INVALID_REQUEST.code, producerId: -1, producerEpoch: -1 };
  if (transactionalId !== null) {
    const expected = producerId === -1 ? null : { producerId, producerEpoch };
    const result = await context.transactions.handleInitProducerId(
      transactionalId,
      request.transactionTimeoutMs,
      expected,
    );
    const errorCode = olderFencedError(result.errorCode, context.header.apiVersion, PRODUCER_FENCED_VERSION);
    return { throttleTimeMs: 0, ...result, errorCode };
  }
  if (producerId >= 0 && producerEpoch >= 0 && producerEpoch < MAX_EPOCH - 1) {
    return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: producerEpoch + 1 };
  }
  // TransactionCoordinator.handleInitProducerId without a transactional id: a failure (a
  // cluster's next block still on its way: COORDINATOR_LOAD_IN_PROGRESS) is the answer's error.
  const generated = tryGenerateProducerId(context.engine.producerIds);
  if (generated instanceof TributaryError)
    return { throttleTimeMs: 0, errorCode: generated.kafka.code, producerId: -1, producerEpoch: -1 };
  return { throttleTimeMs: 0, errorCode: 0, producerId: generated, producerEpoch: 0 };
});
