/**
 * InitProducerId for idempotent producers: a new producer id at epoch 0, or, when a
 * producer asks to bump its own epoch (KIP-360, v3+), the same id at the next epoch.
 * Transactional ids are refused until transactions land.
 */
import { KafkaErrors } from '../../errors.js';
import { InitProducerId } from '../../protocol/messages/InitProducerId.js';
import { handler } from '../RequestContext.js';

const MAX_EPOCH = 32767;

export const handleInitProducerId = handler(InitProducerId, (context, request) => {
  if (request.transactionalId !== null) {
    return {
      throttleTimeMs: 0,
      errorCode: KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code,
      producerId: -1,
      producerEpoch: -1,
    };
  }
  if (request.producerId >= 0 && request.producerEpoch >= 0 && request.producerEpoch < MAX_EPOCH - 1) {
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch + 1,
    };
  }
  return { throttleTimeMs: 0, errorCode: 0, producerId: context.engine.producerIds.nextProducerId(), producerEpoch: 0 };
});
