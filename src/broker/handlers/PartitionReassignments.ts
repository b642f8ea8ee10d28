/**
 * AlterPartitionReassignments and ListPartitionReassignments on a broker of a ZooKeeper
 * cluster, as Kafka 3.8's KafkaApis (handleAlterPartitionReassignmentsRequest,
 * handleListPartitionReassignmentsRequest): each is one event on this broker's controller
 * (KafkaController.alterPartitionReassignments / listPartitionReassignments), answered as soon
 * as it is processed. A broker that is not the active controller answers NOT_CONTROLLER at the
 * top level (Kafka's admin client sends both to the controller and retries there).
 */
import { isTributaryError, KafkaErrors } from '../../errors.js';
import type { ControllerEventProcessor } from '../../controller/ControllerEventProcessor.js';
import { partitionMap, type TopicPartition } from '../../controller/TopicPartition.js';
import { AlterPartitionReassignments } from '../../protocol/messages/AlterPartitionReassignments.js';
import { ListPartitionReassignments } from '../../protocol/messages/ListPartitionReassignments.js';
import { byTopic } from '../../protocol/TopicGroups.js';
import { handler, type RequestContext } from '../RequestContext.js';
import { clusterOf } from './ControlRequest.js';

const NOT_CONTROLLER = { errorCode: KafkaErrors.NOT_CONTROLLER.code, errorMessage: null };

/**
 * `work` on this broker's controller; NOT_CONTROLLER (the response's top-level error) when it
 * is not the active one, or stops being it before the event runs.
 */
async function onController<T>(
  context: RequestContext,
  work: (controller: ControllerEventProcessor) => Promise<T>,
): Promise<T | typeof NOT_CONTROLLER> {
  const controller = clusterOf(context).kafkaServer?.kafkaController;
  if (controller === undefined) return NOT_CONTROLLER;
  try {
    return await work(controller);
  } catch (error) {
    if (isTributaryError(error, 'ERR_NOT_CONTROLLER')) return NOT_CONTROLLER;
    throw error;
  }
}

export const handleAlterPartitionReassignments = handler(AlterPartitionReassignments, async (context, request) => {
  // A partition named twice: the last target wins, as the request's toMap keeps it.
  const reassignments = partitionMap<readonly number[] | null>();
  for (const topic of request.topics)
    for (const p of topic.partitions) reassignments.set({ topic: topic.name, partition: p.partitionIndex }, p.replicas);
  const answer = await onController(context, async (controller) => {
    const results = await controller.alterPartitionReassignments(reassignments);
    const responses = byTopic(
      [...results].map(([tp, r]) => ({ ...tp, ...r })),
      (r) => ({ partitionIndex: r.partition, errorCode: KafkaErrors[r.error].code, errorMessage: r.message }),
    );
    return { errorCode: 0, errorMessage: null, responses };
  });
  return { throttleTimeMs: 0, responses: [], ...answer };
});

export const handleListPartitionReassignments = handler(ListPartitionReassignments, async (context, request) => {
  const partitions: TopicPartition[] | null =
    request.topics?.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition }))) ?? null;
  const answer = await onController(context, async (controller) => {
    const ongoing = await controller.listPartitionReassignments(partitions);
    const topics = byTopic(
      [...ongoing].map(([tp, assignment]) => ({ ...tp, assignment })),
      ({ partition, assignment }) => ({
        partitionIndex: partition,
        replicas: [...assignment.replicas],
        addingReplicas: [...assignment.addingReplicas],
        removingReplicas: [...assignment.removingReplicas],
      }),
    );
    return { errorCode: 0, errorMessage: null, topics };
  });
  return { throttleTimeMs: 0, topics: [], ...answer };
});
