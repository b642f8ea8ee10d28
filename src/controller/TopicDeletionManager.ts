/**
 * TopicDeletionManager: Kafka's kafka.controller.TopicDeletionManager. A topic queued for
 * deletion (/admin/delete_topics/<topic>) has its partitions taken Offline then NonExistent,
 * every broker told (UpdateMetadata with leader -2), its replicas stopped and deleted
 * (StopReplica with delete); each replica's answer moves it to ReplicaDeletionSuccessful or
 * Ineligible, and once all succeeded the topic's znodes are deleted and the controller
 * forgets it. A replica on a dead broker halts the topic's deletion until the broker returns.
 */
import type { ControllerContext } from './ControllerContext.js';
import type { PartitionStateMachine } from './PartitionStateMachine.js';
import type { ReplicaStateMachine } from './ReplicaStateMachine.js';
import type { StateChangeLogger } from './StateChangeLogger.js';
import type { PartitionAndReplica, TopicPartition } from './TopicPartition.js';

/** Kafka's DeletionClient: what deletion does outside the state machines. */
export interface DeletionClient {
  /** KafkaZkClient.deleteTopicZNode, deleteTopicConfigs and deleteTopicDeletions for the topic, under the controller epoch's version. */
  deleteTopic(topic: string, epochZkVersion: number): Promise<void>;
  /** UpdateMetadata to every live broker for these partitions (KafkaController.sendUpdateMetadataRequest). */
  sendMetadataUpdate(partitions: readonly TopicPartition[]): void;
}

export class TopicDeletionManager {
  constructor(
    private readonly context: ControllerContext,
    private readonly replicaStateMachine: ReplicaStateMachine,
    private readonly partitionStateMachine: PartitionStateMachine,
    private readonly client: DeletionClient,
    private readonly logger: StateChangeLogger,
    /** delete.topic.enable: when off, topics queued for deletion stay queued and nothing is deleted. */
    private readonly isDeleteTopicEnabled = true,
  ) {}

  /**
   * TopicDeletionManager.init, on controller failover: the topics /admin/delete_topics lists
   * are queued, those with offline replicas or a reassignment in progress halted.
   * (With deletion disabled Kafka also deletes those znodes; the caller does that.)
   */
  init(topicsToBeDeleted: ReadonlySet<string>, topicsIneligibleForDeletion: ReadonlySet<string>): void {
    if (!this.isDeleteTopicEnabled) return;
    this.context.queueTopicDeletion(topicsToBeDeleted);
    for (const topic of topicsIneligibleForDeletion)
      if (this.context.topicsToBeDeleted.has(topic)) this.context.topicsIneligibleForDeletion.add(topic);
  }

  /** TopicDeletionManager.enqueueTopicsForDeletion: queue the topics and start what can start. */
  async enqueueTopicsForDeletion(topics: ReadonlySet<string>): Promise<void> {
    if (!this.isDeleteTopicEnabled) return;
    this.context.queueTopicDeletion(topics);
    await this.resumeDeletions();
  }

  /** A topic halted by a dead replica may resume once a broker with its replicas is back. */
  async resumeDeletionForTopics(topics: ReadonlySet<string>): Promise<void> {
    if (!this.isDeleteTopicEnabled) return;
    const resumed = [...topics].filter((t) => this.context.topicsToBeDeleted.has(t));
    if (resumed.length === 0) return;
    for (const topic of resumed) this.context.topicsIneligibleForDeletion.delete(topic);
    await this.resumeDeletions();
  }

  /** Replicas whose deletion failed (an error in StopReplica's answer, or the broker died): the topic halts. */
  async failReplicaDeletion(replicas: readonly PartitionAndReplica[]): Promise<void> {
    if (!this.isDeleteTopicEnabled) return;
    const failed = replicas.filter((r) => this.context.isTopicQueuedUpForDeletion(r.topicPartition.topic));
    if (failed.length === 0) return;
    await this.replicaStateMachine.handleStateChanges(failed, 'ReplicaDeletionIneligible');
    this.markTopicIneligibleForDeletion(new Set(failed.map((r) => r.topicPartition.topic)), 'replica deletion failure');
    await this.resumeDeletions();
  }

  /** Replicas that answered StopReplica (delete) without error. */
  async completeReplicaDeletion(replicas: readonly PartitionAndReplica[]): Promise<void> {
    const deleted = replicas.filter((r) => this.isTopicQueuedUpForDeletion(r.topicPartition.topic));
    await this.replicaStateMachine.handleStateChanges(deleted, 'ReplicaDeletionSuccessful');
    await this.resumeDeletions();
  }

  markTopicIneligibleForDeletion(topics: ReadonlySet<string>, reason: string): void {
    if (!this.isDeleteTopicEnabled) return;
    const halted = [...topics].filter((t) => this.context.topicsToBeDeleted.has(t));
    for (const topic of halted) this.context.topicsIneligibleForDeletion.add(topic);
    if (halted.length > 0) this.logger.info(`Halted deletion of topics ${halted.join(',')} due to ${reason}`);
  }

  isTopicQueuedUpForDeletion(topic: string): boolean {
    return this.isDeleteTopicEnabled && this.context.isTopicQueuedUpForDeletion(topic);
  }

  private isTopicEligibleForDeletion(topic: string): boolean {
    return (
      this.context.isTopicQueuedUpForDeletion(topic) &&
      !this.context.isAnyReplicaInState(topic, 'ReplicaDeletionStarted') &&
      !this.context.topicsIneligibleForDeletion.has(topic)
    );
  }

  /**
   * TopicDeletionManager.resumeDeletions: finish topics whose replicas are all deleted, retry
   * those with failed replicas and none in flight, start the eligible ones.
   */
  async resumeDeletions(): Promise<void> {
    const retry = new Set<string>();
    const eligible = new Set<string>();
    for (const topic of [...this.context.topicsToBeDeleted]) {
      if (this.context.areAllReplicasInState(topic, 'ReplicaDeletionSuccessful')) {
        await this.completeDeleteTopic(topic);
        this.logger.info(`Deletion of topic ${topic} successfully completed`);
      } else if (
        !this.context.isAnyReplicaInState(topic, 'ReplicaDeletionStarted') &&
        this.context.isAnyReplicaInState(topic, 'ReplicaDeletionIneligible')
      )
        retry.add(topic);
      if (this.isTopicEligibleForDeletion(topic)) eligible.add(topic);
    }
    if (retry.size > 0) {
      const failed = [...retry].flatMap((t) => this.context.replicasInState(t, 'ReplicaDeletionIneligible'));
      await this.replicaStateMachine.handleStateChanges(failed, 'OfflineReplica');
    }
    if (eligible.size > 0) await this.onTopicDeletion(eligible);
  }

  private async completeDeleteTopic(topic: string): Promise<void> {
    const deleted = this.context.replicasInState(topic, 'ReplicaDeletionSuccessful');
    await this.replicaStateMachine.handleStateChanges(deleted, 'NonExistentReplica');
    await this.client.deleteTopic(topic, this.context.epochZkVersion);
    this.context.removeTopic(topic);
  }

  /** TopicDeletionManager.onTopicDeletion: partitions to NonExistent once, brokers told, replicas deleted. */
  private async onTopicDeletion(topics: ReadonlySet<string>): Promise<void> {
    const unseen = [...topics].filter((t) => !this.context.topicsWithDeletionStarted.has(t));
    if (unseen.length > 0) {
      const partitions = unseen.flatMap((t) => this.context.partitionsForTopic(t));
      await this.partitionStateMachine.handleStateChanges(partitions, 'OfflinePartition');
      await this.partitionStateMachine.handleStateChanges(partitions, 'NonExistentPartition');
      this.context.beginTopicDeletion(unseen);
    }
    this.client.sendMetadataUpdate([...topics].flatMap((t) => this.context.partitionsForTopic(t)));
    await this.onPartitionDeletion(topics);
  }

  /** TopicDeletionManager.onPartitionDeletion: dead replicas straight to Ineligible (the topic halts), live ones stopped and deleted. */
  private async onPartitionDeletion(topics: ReadonlySet<string>): Promise<void> {
    const dead: PartitionAndReplica[] = [];
    const retry: PartitionAndReplica[] = [];
    const halted = new Set<string>();
    for (const topic of topics) {
      const replicas = this.context.replicasForTopic(topic);
      const isOnline = (r: PartitionAndReplica): boolean => this.context.isReplicaOnline(r.replica, r.topicPartition);
      const deadOfTopic = replicas.filter((r) => !isOnline(r));
      dead.push(...deadOfTopic);
      retry.push(
        ...replicas.filter((r) => isOnline(r) && this.context.replicaState(r) !== 'ReplicaDeletionSuccessful'),
      );
      if (deadOfTopic.length > 0) halted.add(topic);
    }
    await this.replicaStateMachine.handleStateChanges(dead, 'ReplicaDeletionIneligible');
    await this.replicaStateMachine.handleStateChanges(retry, 'OfflineReplica');
    await this.replicaStateMachine.handleStateChanges(retry, 'ReplicaDeletionStarted');
    if (halted.size > 0) this.markTopicIneligibleForDeletion(halted, 'offline replicas');
  }
}
