/**
 * ControlledShutdown: a broker about to stop asks the controller to move its leaderships away
 * (KafkaApis.handleControlledShutdownRequest -> KafkaController.controlledShutdown, an event
 * on the controller's queue). A broker that is not the active controller answers
 * NOT_CONTROLLER (doControlledShutdown's ControllerMovedException); the controller answers the
 * partitions the broker still leads, which it retries on, or the error (STALE_BROKER_EPOCH,
 * BROKER_NOT_AVAILABLE) as getErrorResponse does.
 */
import { KafkaErrors } from '../../errors.js';
import { ControlledShutdown } from '../../protocol/messages/ControlledShutdown.js';
import { errorCodeOf, handler } from '../RequestContext.js';
import { clusterOf } from './ControlRequest.js';

export const handleControlledShutdown = handler(ControlledShutdown, async (context, request) => {
  const controller = clusterOf(context).kafkaServer?.kafkaController;
  if (controller?.isActive !== true) return { errorCode: KafkaErrors.NOT_CONTROLLER.code, remainingPartitions: [] };
  try {
    // v0 has no broker epoch: -1, UNKNOWN_BROKER_EPOCH, is not checked.
    const remaining = await controller.controlledShutdown(request.brokerId, request.brokerEpoch ?? -1);
    const remainingPartitions = remaining.map((tp) => ({ topicName: tp.topic, partitionIndex: tp.partition }));
    return { errorCode: 0, remainingPartitions };
  } catch (error) {
    return { errorCode: errorCodeOf(context, error), remainingPartitions: [] };
  }
});
