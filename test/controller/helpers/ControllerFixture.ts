/**
 * A controller's parts wired for a test: a context, the in-memory ZooKeeper port, a request
 * batch whose requests are collected, both state machines and a logger that keeps its lines.
 */
import type { Broker } from '../../../src/controller/Broker.js';
import type { ControlRequest } from '../../../src/controller/ControlRequests.js';
import { ControllerBrokerRequestBatch } from '../../../src/controller/ControllerBrokerRequestBatch.js';
import { ControllerContext } from '../../../src/controller/ControllerContext.js';
import { PartitionStateMachine } from '../../../src/controller/PartitionStateMachine.js';
import { ReplicaAssignment } from '../../../src/controller/ReplicaAssignment.js';
import { ReplicaStateMachine } from '../../../src/controller/ReplicaStateMachine.js';
import { KafkaController } from '../../../src/controller/KafkaController.js';
import { PartitionReassignment } from '../../../src/controller/PartitionReassignment.js';
import { TopicDeletionManager } from '../../../src/controller/TopicDeletionManager.js';
import type { StateChangeLogger } from '../../../src/controller/StateChangeLogger.js';
import { InMemoryControllerZk } from './InMemoryControllerZk.js';

export const CONTROLLER_ID = 1;

export function broker(id: number): Broker {
  return { id, endpoints: [{ listenerName: 'PLAINTEXT', host: `host${id}`, port: 9090 + id, securityProtocol: 0 }] };
}

export class ControllerFixture {
  // The parts are built in field order: the deletion client calls the controller only once both exist.
  readonly context = new ControllerContext();
  readonly zk = new InMemoryControllerZk();
  readonly sent: ControlRequest[] = [];
  readonly errors: string[] = [];
  readonly logger: StateChangeLogger = {
    info: () => {},
    error: (message, fields) => this.errors.push(`${message} ${String(fields?.['reason'] ?? fields?.['error'] ?? '')}`),
  };
  readonly batch = new ControllerBrokerRequestBatch(
    { controllerId: CONTROLLER_ID, interBrokerListenerName: 'PLAINTEXT' },
    this.context,
    (request) => this.sent.push(request),
  );
  readonly partitions = new PartitionStateMachine(CONTROLLER_ID, this.context, this.zk, this.batch, this.logger);
  readonly replicas = new ReplicaStateMachine(CONTROLLER_ID, this.context, this.zk, this.batch, this.logger);
  /** Topics whose znodes deletion removed. */
  readonly deletedTopics: string[] = [];
  readonly deletion = new TopicDeletionManager(
    this.context,
    this.replicas,
    this.partitions,
    {
      deleteTopic: async (topic) => {
        this.deletedTopics.push(topic);
      },
      sendMetadataUpdate: (partitions) =>
        this.controller.sendUpdateMetadataRequest(this.context.liveOrShuttingDownBrokerIds(), partitions),
    },
    this.logger,
  );
  readonly reassignment = new PartitionReassignment(
    this.context,
    this.zk,
    this.partitions,
    this.replicas,
    this.deletion,
    this.batch,
    this.logger,
  );
  readonly controller: KafkaController = new KafkaController(
    { leaderImbalancePerBrokerPercentage: 10 },
    this.context,
    this.zk,
    this.partitions,
    this.replicas,
    this.deletion,
    this.reassignment,
    this.batch,
    this.logger,
  );

  /** Live brokers, each with epoch 100 + id. */
  constructor(liveBrokerIds: readonly number[], controllerEpoch = 5) {
    this.context.setLiveBrokers(liveBrokerIds.map((id) => ({ broker: broker(id), epoch: 100 + id })));
    this.context.epoch = controllerEpoch;
  }

  addTopic(topic: string, assignment: Record<number, number[]>): void {
    this.context.allTopics.add(topic);
    for (const [partition, replicas] of Object.entries(assignment))
      this.context.updatePartitionFullReplicaAssignment(
        { topic, partition: Number(partition) },
        new ReplicaAssignment(replicas),
      );
  }

  /** The requests sent since the last call, and forget them. */
  take(): ControlRequest[] {
    return this.sent.splice(0);
  }
}

/** Brokers 1-4; topic t on 1-3 (p0 [1,2,3], p1 [2,3,1]) with `topicId`, created through processTopicChange; requests so far forgotten. */
export async function fourBrokersWithTopic(topicId: Buffer): Promise<ControllerFixture> {
  const f = new ControllerFixture([1, 2, 3, 4]);
  const assignment = new Map([
    [0, new ReplicaAssignment([1, 2, 3])],
    [1, new ReplicaAssignment([2, 3, 1])],
  ]);
  f.zk.topicAssignments.set('t', assignment);
  await f.controller.processTopicChange(new Set(['t']), [{ topic: 't', topicId, assignment }]);
  f.take();
  return f;
}
