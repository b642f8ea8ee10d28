/**
 * ControllerEventProcessor: the running half of Kafka's kafka.controller.KafkaController (the
 * ControllerEventProcessor it implements): the election through /controller, the watches
 * and the events they queue, and the session's expiry. Every broker runs one; the one that
 * wins the election builds a controller (KafkaController over a fresh context, the state
 * machines, deletion and reassignment) and feeds it what it reads from ZooKeeper; when
 * another wins, or its session expires, it resigns and drops it, so a controller that lost
 * its session stops acting (and its writes, checked against /controller_epoch's version,
 * would be refused anyway).
 */
import { isTributaryError, KafkaErrors, TributaryError, type KafkaErrorName } from '../errors.js';
import type { BrokerInfo } from '../zk/BrokerIdZNode.js';
import type { KafkaZkClient, BrokerAndEpoch as ZkBrokerAndEpoch } from '../zk/KafkaZkClient.js';
import type { TopicIdReplicaAssignment as ZkTopicAssignment } from '../zk/TopicZNode.js';
import { SECURITY_PROTOCOLS } from '../zk/EndPoint.js';
import { BROKER_IDS_PATH, CONTROLLER_PATH, DELETE_TOPICS_PATH, TOPICS_PATH, topicPath } from '../zk/ZkPaths.js';
import type { BrokerAndEpoch } from './Broker.js';
import type { ControllerChannel, StopReplicaResponse } from './ControllerChannel.js';
import { ControllerBrokerRequestBatch } from './ControllerBrokerRequestBatch.js';
import { ControllerContext } from './ControllerContext.js';
import { ControllerEventManager, type ControllerEvent } from './ControllerEventManager.js';
import {
  KafkaController,
  type AlterPartitionRequest,
  type AlterPartitionResponse,
  type ElectionType,
  type ElectLeaderResult,
  type TopicIdReplicaAssignment,
} from './KafkaController.js';
import { PartitionReassignment, type ApiError } from './PartitionReassignment.js';
import { PartitionStateMachine } from './PartitionStateMachine.js';
import { ReplicaAssignment } from './ReplicaAssignment.js';
import { ReplicaStateMachine } from './ReplicaStateMachine.js';
import type { StateChangeLogger } from './StateChangeLogger.js';
import { TopicDeletionManager } from './TopicDeletionManager.js';
import type { PartitionAndReplica, TopicPartition, ValueKeyedMap } from './TopicPartition.js';
import { ZkControllerClient } from './ZkControllerClient.js';

export interface ControllerConfig {
  /** broker.id: this broker's, the controller's when it wins. */
  readonly brokerId: number;
  /** inter.broker.listener.name: where LeaderAndIsr's live leaders are reached. */
  readonly interBrokerListenerName: string;
  readonly autoLeaderRebalanceEnable: boolean;
  readonly leaderImbalanceCheckIntervalSeconds: number;
  readonly leaderImbalancePerBrokerPercentage: number;
  readonly uncleanLeaderElectionEnable: boolean;
  /** delete.topic.enable (Kafka's default true). */
  readonly deleteTopicEnable: boolean;
}

/** A controller's parts for one term: built when elected, dropped when it resigns. */
interface Term {
  readonly context: ControllerContext;
  readonly controller: KafkaController;
  readonly deletion: TopicDeletionManager;
  readonly reassignment: PartitionReassignment;
  readonly rebalanceTimer: NodeJS.Timeout | undefined;
}

/** What the broker side asks of the controller; each waits its turn in the event queue. */
export interface ControllerApi {
  /** KafkaController.isActive */
  readonly isActive: boolean;
  /** The controller this broker knows of (-1 for none): the id of /controller when last read. */
  readonly activeControllerId: number;
}

export class ControllerEventProcessor implements ControllerApi {
  private readonly events: ControllerEventManager;
  private term: Term | undefined;
  private controllerId = -1;
  private epoch: number;

  constructor(
    private readonly config: ControllerConfig,
    private readonly zk: KafkaZkClient,
    private readonly channel: ControllerChannel,
    private readonly brokerInfo: BrokerInfo,
    brokerEpoch: number,
    private readonly logger: StateChangeLogger,
  ) {
    this.epoch = brokerEpoch;
    this.events = new ControllerEventManager(logger);
  }

  get isActive(): boolean {
    return this.controllerId === this.config.brokerId && this.term !== undefined;
  }

  get activeControllerId(): number {
    return this.controllerId;
  }

  /** KafkaController.brokerEpoch: the czxid of this broker's current registration. */
  get brokerEpoch(): number {
    return this.epoch;
  }

  /**
   * KafkaController.startup: the session handler (Expire before a new session, then
   * RegisterBrokerAndReelect), the ControllerChangeHandler on /controller, and the Startup
   * event (elect). Resolves once the first election ran.
   */
  startup(): Promise<void> {
    const client = this.zk.zooKeeperClient;
    client.registerStateChangeHandler({
      name: 'controller-state-change-handler',
      beforeInitializingSession: () => this.put('Expire', () => this.processExpire()),
      afterInitializingSession: () =>
        void this.put('RegisterBrokerAndReelect', () => this.processRegisterBrokerAndReelect()),
    });
    client.registerZNodeChangeHandler({
      path: CONTROLLER_PATH,
      handleCreation: () => void this.put('ControllerChange', () => this.maybeResign()),
      handleDataChange: () => void this.put('ControllerChange', () => this.maybeResign()),
      handleDeletion: () => void this.put('Reelect', () => this.processReelect()),
    });
    return this.put('Startup', async () => {
      await this.zk.watchExists(CONTROLLER_PATH);
      await this.elect();
    });
  }

  /** KafkaController.shutdown: the queue stopped, the controller resigned (its /controller goes with the session). */
  async shutdown(): Promise<void> {
    await this.events.close();
    this.onControllerResignation();
    this.controllerId = -1;
  }

  /**
   * KafkaController.enableTopicUncleanLeaderElection (TopicConfigHandler, the topic's
   * unclean.leader.election.enable set true): a TopicUncleanLeaderElectionEnable event, when active.
   */
  enableTopicUncleanLeaderElection(topic: string): void {
    if (!this.isActive) return;
    void this.put('TopicUncleanLeaderElectionEnable', async () => {
      await this.term?.controller.processTopicUncleanLeaderElectionEnable(topic);
    });
  }

  /** KafkaController.controlledShutdown (ControlledShutdown event): the partitions the broker still leads. */
  controlledShutdown(id: number, brokerEpoch: number): Promise<TopicPartition[]> {
    return this.ask('ControlledShutdown', (term) => term.controller.doControlledShutdown(id, brokerEpoch));
  }

  /** KafkaController.electLeaders (ReplicaLeaderElection, AdminClientTriggered): each partition's new leader, or why none. */
  electLeaders(
    partitions: readonly TopicPartition[],
    electionType: ElectionType,
  ): Promise<ValueKeyedMap<TopicPartition, ElectLeaderResult>> {
    return this.ask('ReplicaLeaderElection', (term) => term.controller.electLeaders(partitions, electionType));
  }

  /** KafkaController.alterPartitionReassignments (ApiPartitionReassignment): targets, or null to cancel. */
  alterPartitionReassignments(
    reassignments: ValueKeyedMap<TopicPartition, readonly number[] | null>,
  ): Promise<ValueKeyedMap<TopicPartition, ApiError>> {
    return this.ask('ApiPartitionReassignment', (term) =>
      term.reassignment.processApiPartitionReassignment(reassignments),
    );
  }

  /** KafkaController.listPartitionReassignments (ListPartitionReassignments): those named (null: all) in progress. */
  listPartitionReassignments(
    partitions: readonly TopicPartition[] | null,
  ): Promise<ValueKeyedMap<TopicPartition, ReplicaAssignment>> {
    return this.ask('ListPartitionReassignments', async (term) =>
      term.reassignment.listPartitionReassignments(partitions),
    );
  }

  /**
   * KafkaController.alterPartitions (AlterPartitionReceived): a leader's ISR changes, answered
   * once written; NOT_CONTROLLER at the top level when this broker is not the active controller
   * by then (tryProcessAlterPartition's isActive check), UNKNOWN_SERVER_ERROR if the event never
   * answered (the queue closed under it).
   */
  alterPartitions(request: AlterPartitionRequest, version: number): Promise<AlterPartitionResponse> {
    return new Promise((resolve) => {
      const failed = (error: KafkaErrorName) =>
        resolve({ throttleTimeMs: 0, errorCode: KafkaErrors[error].code, topics: [] });
      void this.put('AlterPartitionReceived', async () => {
        if (this.term === undefined) return failed('NOT_CONTROLLER');
        await this.term.controller.processAlterPartition(request, version, resolve);
      }).finally(() => failed('UNKNOWN_SERVER_ERROR'));
    });
  }

  /**
   * An admin request as an event on the queue: its answer, or its failure thrown to the
   * caller (ERR_NOT_CONTROLLER when this broker is not the active controller by then, as each
   * of Kafka's process* methods checks isActive). A lost controller epoch also makes it resign.
   */
  private async ask<T>(name: string, work: (term: Term) => Promise<T>): Promise<T> {
    // Widened: TypeScript does not see the assignments in the event's closure.
    let outcome = { error: notController() } as { readonly value: T } | { readonly error: unknown };
    await this.put(name, async () => {
      if (this.term === undefined) return;
      try {
        outcome = { value: await work(this.term) };
      } catch (error) {
        outcome = { error };
        if (isTributaryError(error, 'ERR_STALE_CONTROLLER_EPOCH')) throw error;
      }
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  private put(name: string, process: () => Promise<void>): Promise<void> {
    const event: ControllerEvent = {
      name,
      process: async () => {
        try {
          await process();
        } catch (error) {
          // KafkaController.process: a ControllerMovedException makes it resign; others are logged.
          if (!isTributaryError(error, 'ERR_STALE_CONTROLLER_EPOCH')) throw error;
          this.logger.info(`Controller moved to another broker when processing ${name}.`);
          await this.maybeResign();
        }
      },
    };
    return this.events.put(event);
  }

  /** KafkaController.elect: nothing when a controller exists; else try to become it. */
  private async elect(): Promise<void> {
    this.controllerId = (await this.zk.getControllerId()) ?? -1;
    if (this.controllerId !== -1) return;
    try {
      const { epoch, epochZkVersion } = await this.zk.registerControllerAndIncrementControllerEpoch(
        this.config.brokerId,
      );
      this.controllerId = this.config.brokerId;
      this.logger.info(
        `${this.config.brokerId} successfully elected as the controller. Epoch incremented to ${epoch} and epoch zk version is now ${epochZkVersion}`,
      );
      await this.onControllerFailover(epoch, epochZkVersion);
    } catch (error) {
      if (isTributaryError(error, 'ERR_STALE_CONTROLLER_EPOCH')) return this.maybeResign();
      this.logger.error(
        `Error while electing or becoming controller on broker ${this.config.brokerId}. Trigger controller movement immediately`,
        {
          error: String(error),
        },
      );
      await this.triggerControllerMove();
    }
  }

  /** KafkaController.maybeResign: re-arm the /controller watch, read who is controller, resign if it is no longer us. */
  private async maybeResign(): Promise<void> {
    const wasActive = this.isActive;
    await this.zk.watchExists(CONTROLLER_PATH);
    this.controllerId = (await this.zk.getControllerId()) ?? -1;
    if (wasActive && this.controllerId !== this.config.brokerId) this.onControllerResignation();
  }

  private async processReelect(): Promise<void> {
    await this.maybeResign();
    await this.elect();
  }

  /** KafkaController.processExpire: the session is gone, and this broker's controllership with it. */
  private async processExpire(): Promise<void> {
    this.controllerId = -1;
    this.onControllerResignation();
  }

  /** KafkaController.processRegisterBrokerAndReelect: the new session's registration (a new epoch), then an election. */
  private async processRegisterBrokerAndReelect(): Promise<void> {
    this.epoch = await this.zk.registerBroker(this.brokerInfo);
    this.logger.info(`Registered broker ${this.brokerInfo.id} again, broker epoch ${this.epoch}`);
    await this.processReelect();
  }

  /** KafkaController.triggerControllerMove: resign and give /controller up, so another broker can win. */
  private async triggerControllerMove(): Promise<void> {
    const term = this.term;
    this.onControllerResignation();
    this.controllerId = -1;
    if (term !== undefined) await this.zk.deleteController(term.context.epochZkVersion);
  }

  /**
   * KafkaController.onControllerFailover: the watches on /brokers/ids, /brokers/topics and
   * /admin/delete_topics (armed by the reads below), the cluster read, topics queued for
   * deletion that no longer exist cleared, then the controller's failover.
   */
  private async onControllerFailover(epoch: number, epochZkVersion: number): Promise<void> {
    const client = this.zk.zooKeeperClient;
    client.registerZNodeChildChangeHandler({
      path: BROKER_IDS_PATH,
      handleChildChange: () => void this.put('BrokerChange', () => this.processBrokerChange()),
    });
    client.registerZNodeChildChangeHandler({
      path: TOPICS_PATH,
      handleChildChange: () => void this.put('TopicChange', () => this.processTopicChange()),
    });
    client.registerZNodeChildChangeHandler({
      path: DELETE_TOPICS_PATH,
      handleChildChange: () => void this.put('TopicDeletion', () => this.processTopicDeletion()),
    });
    const term = this.newTerm();
    this.term = term;
    const brokers = (await this.zk.getAllBrokerAndEpochsInCluster()).map(toBrokerAndEpoch);
    this.channel.updateBrokers(brokers.map((b) => b.broker));
    const topicNames = await this.zk.getAllTopicsInCluster();
    for (const topic of topicNames) this.registerPartitionModificationsHandler(topic);
    const topics = (await this.zk.getReplicaAssignmentAndTopicIdForTopics(topicNames)).map(toTopicAssignment);
    const deletions = await this.topicDeletionsToProcess(topicNames, epochZkVersion);
    await term.controller.onControllerFailover({
      epoch,
      epochZkVersion,
      brokers,
      topics,
      topicsToBeDeleted: deletions,
    });
    this.logger.info(`Ready to serve as the new controller with epoch ${epoch}`);
  }

  /** Parts for one term; the deletion client deletes the topic's znodes under this term's epoch version. */
  private newTerm(): Term {
    const context = new ControllerContext();
    const port = new ZkControllerClient(this.zk, this.config.uncleanLeaderElectionEnable);
    const batch = new ControllerBrokerRequestBatch(
      { controllerId: this.config.brokerId, interBrokerListenerName: this.config.interBrokerListenerName },
      context,
      (request) =>
        this.channel.send(
          request,
          (response) =>
            void this.put('TopicDeletionStopReplicaResponseReceived', () =>
              this.processStopReplicaResponse(request.brokerId, response),
            ),
        ),
    );
    const partitions = new PartitionStateMachine(this.config.brokerId, context, port, batch, this.logger);
    const replicas = new ReplicaStateMachine(this.config.brokerId, context, port, batch, this.logger);
    // Deletion's metadata updates go through the controller built after it (as the fixture of the controller's tests does).
    const built: { controller?: KafkaController } = {};
    const deletion = new TopicDeletionManager(
      context,
      replicas,
      partitions,
      {
        deleteTopic: async (topic, epochZkVersion) => {
          this.zk.zooKeeperClient.unregisterZNodeChangeHandler(topicPath(topic));
          await this.zk.deleteTopicZNode(topic, epochZkVersion);
          await this.zk.deleteTopicConfigs([topic], epochZkVersion);
          await this.zk.deleteTopicDeletions([topic], epochZkVersion);
        },
        sendMetadataUpdate: (tps) =>
          built.controller!.sendUpdateMetadataRequest(context.liveOrShuttingDownBrokerIds(), tps),
      },
      this.logger,
      this.config.deleteTopicEnable,
    );
    const reassignment = new PartitionReassignment(context, port, partitions, replicas, deletion, batch, this.logger);
    const controller = new KafkaController(
      { leaderImbalancePerBrokerPercentage: this.config.leaderImbalancePerBrokerPercentage },
      context,
      port,
      partitions,
      replicas,
      deletion,
      reassignment,
      batch,
      this.logger,
    );
    built.controller = controller;
    const rebalanceTimer = this.config.autoLeaderRebalanceEnable
      ? setInterval(
          () =>
            void this.put('AutoPreferredReplicaLeaderElection', () => this.processAutoPreferredReplicaLeaderElection()),
          this.config.leaderImbalanceCheckIntervalSeconds * 1000,
        )
      : undefined;
    rebalanceTimer?.unref();
    return { context, controller, deletion, reassignment, rebalanceTimer };
  }

  /** KafkaController.onControllerResignation: the watches dropped, the rebalance stopped, the channel closed, the term forgotten. */
  private onControllerResignation(): void {
    const client = this.zk.zooKeeperClient;
    for (const path of [BROKER_IDS_PATH, TOPICS_PATH, DELETE_TOPICS_PATH])
      client.unregisterZNodeChildChangeHandler(path);
    for (const topic of this.term?.context.allTopics ?? []) client.unregisterZNodeChangeHandler(topicPath(topic));
    if (this.term?.rebalanceTimer !== undefined) clearInterval(this.term.rebalanceTimer);
    if (this.term !== undefined) {
      this.channel.close();
      this.logger.info(`Resigned as the controller (epoch ${this.term.context.epoch})`);
    }
    this.term = undefined;
  }

  /** KafkaController.processBrokerChange: the channel follows the registered brokers, then the controller reacts. */
  private async processBrokerChange(): Promise<void> {
    if (this.term === undefined) return;
    const brokers = (await this.zk.getAllBrokerAndEpochsInCluster()).map(toBrokerAndEpoch);
    this.channel.updateBrokers(brokers.map((b) => b.broker));
    await this.term.controller.processBrokerChange(brokers);
  }

  /** KafkaController.processTopicChange: the topics now, the new ones' assignments read (and their modifications watched). */
  private async processTopicChange(): Promise<void> {
    if (this.term === undefined) return;
    const topics = await this.zk.getAllTopicsInCluster();
    const added = [...topics].filter((t) => !this.term!.context.allTopics.has(t));
    for (const topic of added) this.registerPartitionModificationsHandler(topic);
    const assignments = (await this.zk.getReplicaAssignmentAndTopicIdForTopics(added)).map(toTopicAssignment);
    await this.term.controller.processTopicChange(topics, assignments);
  }

  /** KafkaController.processPartitionModifications: partitions added to a topic; refused while it is being deleted (the assignment restored). */
  private async processPartitionModifications(topic: string): Promise<void> {
    if (this.term === undefined) return;
    const [read] = await this.zk.getReplicaAssignmentAndTopicIdForTopics([topic]);
    const { assignment, topicId } = toTopicAssignment(read!);
    if (await this.term.controller.processPartitionModifications(topic, assignment)) return;
    this.logger.error(`Skipping adding partitions for topic ${topic} since it is currently being deleted`);
    const existing = this.term.context.partitionAssignments.get(topic) ?? new Map();
    await this.zk.setTopicAssignment(
      topic,
      topicId?.toString('base64url') ?? null,
      existing,
      this.term.context.epochZkVersion,
    );
  }

  private registerPartitionModificationsHandler(topic: string): void {
    this.zk.zooKeeperClient.registerZNodeChangeHandler({
      path: topicPath(topic),
      handleDataChange: () => void this.put('PartitionModifications', () => this.processPartitionModifications(topic)),
    });
  }

  /** KafkaController.processTopicDeletion: the topics queued, those that no longer exist cleared. */
  private async processTopicDeletion(): Promise<void> {
    if (this.term === undefined) return;
    const { context, deletion } = this.term;
    const queued = await this.topicDeletionsToProcess(context.allTopics, context.epochZkVersion);
    if (queued.size === 0) return;
    this.logger.info(`Starting topic deletion for topics ${[...queued].join(',')}`);
    const reassigning = new Set([...context.partitionsBeingReassigned.keys()].map((tp) => tp.topic));
    deletion.markTopicIneligibleForDeletion(
      new Set([...queued].filter((t) => reassigning.has(t))),
      'topic reassignment in progress',
    );
    await deletion.enqueueTopicsForDeletion(queued);
  }

  /**
   * KafkaController.fetchTopicDeletionsInProgress: /admin/delete_topics (its watch armed); a
   * topic that no longer exists has its znode removed; with delete.topic.enable off, all are.
   */
  private async topicDeletionsToProcess(existing: ReadonlySet<string>, epochZkVersion: number): Promise<Set<string>> {
    const queued = await this.zk.getTopicDeletions();
    const gone = queued.filter((t) => !existing.has(t) || !this.config.deleteTopicEnable);
    if (gone.length > 0) await this.zk.deleteTopicDeletions(gone, epochZkVersion);
    return new Set(queued.filter((t) => !gone.includes(t)));
  }

  /** KafkaController.processTopicDeletionStopReplicaResponseReceived: replicas whose deletion failed or succeeded. */
  private async processStopReplicaResponse(brokerId: number, response: StopReplicaResponse): Promise<void> {
    if (this.term === undefined) return;
    const { context, deletion } = this.term;
    const answered = response.partitionErrors.filter((p) => context.isTopicDeletionInProgress(p.topicName));
    const replica = (p: (typeof answered)[number]): PartitionAndReplica => ({
      topicPartition: { topic: p.topicName, partition: p.partitionIndex },
      replica: brokerId,
    });
    const failed = (p: (typeof answered)[number]): boolean =>
      response.errorCode !== KafkaErrors.NONE.code || p.errorCode !== KafkaErrors.NONE.code;
    await deletion.failReplicaDeletion(answered.filter(failed).map(replica));
    const deleted = answered.filter((p) => !failed(p)).map(replica);
    if (deleted.length > 0) await deletion.completeReplicaDeletion(deleted);
  }

  private async processAutoPreferredReplicaLeaderElection(): Promise<void> {
    if (this.term === undefined) return;
    await this.term.controller.checkAndTriggerAutoLeaderRebalance();
  }
}

function notController(): TributaryError {
  return new TributaryError('This broker is not the controller', 'ERR_NOT_CONTROLLER');
}

/** A registration as the controller keeps it (kafka.cluster.Broker): security protocols by their ids. */
function toBrokerAndEpoch({ info, epoch }: ZkBrokerAndEpoch): BrokerAndEpoch {
  const endpoints = info.endpoints.map((e) => ({
    listenerName: e.listenerName,
    host: e.host ?? '',
    port: e.port,
    securityProtocol: SECURITY_PROTOCOLS.indexOf(e.securityProtocol),
  }));
  return { broker: { id: info.id, endpoints, ...(info.rack === null ? {} : { rack: info.rack }) }, epoch };
}

function toTopicAssignment(read: ZkTopicAssignment): TopicIdReplicaAssignment {
  const assignment = new Map(
    [...read.assignment].map(([p, a]) => [p, new ReplicaAssignment(a.replicas, a.addingReplicas, a.removingReplicas)]),
  );
  return {
    topic: read.topic,
    topicId: read.topicId === null ? undefined : Buffer.from(read.topicId, 'base64url'),
    assignment,
  };
}
