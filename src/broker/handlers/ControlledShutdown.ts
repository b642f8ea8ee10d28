/**
 * ControlledShutdown: a broker about to stop asks the controller to move its leaderships away
 * (KafkaApis.handleControlledShutdownRequest -> KafkaController.controlledShutdown). The
 * controller is not wired into the broker yet, and a broker that is not the active controller
 * answers NOT_CONTROLLER (KafkaController: "Controller moved to another broker"), which is what
 * every broker answers until it is.
 */
import { KafkaErrors } from '../../errors.js';
import { ControlledShutdown } from '../../protocol/messages/ControlledShutdown.js';
import { handler } from '../RequestContext.js';
import { clusterOf } from './ControlRequest.js';

export const handleControlledShutdown = handler(ControlledShutdown, (context) => {
  clusterOf(context);
  return { errorCode: KafkaErrors.NOT_CONTROLLER.code, remainingPartitions: [] };
});
