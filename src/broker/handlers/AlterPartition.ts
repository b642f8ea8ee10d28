/**
 * AlterPartition: a partition leader's ISR change, for the controller (KafkaApis 3.8's
 * handleAlterPartitionRequest in ZooKeeper mode). A broker that is not the active controller
 * answers NOT_CONTROLLER at the top level (AlterPartitionRequest.getErrorResponse), and the
 * leader's AlterPartitionManager finds the controller again; the controller answers once the
 * changes are written (KafkaController.alterPartitions, an event on its queue).
 */
import { KafkaErrors } from '../../errors.js';
import { AlterPartition } from '../../protocol/messages/AlterPartition.js';
import { handler } from '../RequestContext.js';
import { clusterOf } from './ControlRequest.js';

export const handleAlterPartition = handler(AlterPartition, async (context, request) => {
  const controller = clusterOf(context).kafkaServer?.kafkaController;
  if (controller?.isActive !== true)
    return { throttleTimeMs: 0, errorCode: KafkaErrors.NOT_CONTROLLER.code, topics: [] };
  return controller.alterPartitions(request, context.header.apiVersion);
});
