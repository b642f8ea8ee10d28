/**
 * ZkNodeChangeNotificationListener: Kafka 3.8's kafka.common.ZkNodeChangeNotificationListener.
 * It watches the children of a root of sequential znodes (/config/changes: config_change_N);
 * each time they change it reads them in order, hands the data of every one past the last it
 * handled to its handler, then deletes those created more than changeExpirationMs ago (15
 * minutes: by then every live broker has seen them). The handler's failure is logged and the
 * next notification handled, as Kafka's Try does. A new session after an expiry processes
 * again (its watch is gone with the old session). Passes run one at a time; a change while one
 * waits to start adds nothing (Kafka's queue holds one ChangeNotification at most).
 */
import { TributaryError } from '../errors.js';
import type { ZkLogger, ZooKeeperClient } from './ZooKeeperClient.js';
import { MATCH_ANY_VERSION } from './ZooKeeperClient.js';

/** Kafka's NotificationHandler: told the data of one notification znode. */
export interface NotificationHandler {
  processNotification(data: Buffer, notification: string): void | Promise<void>;
}

/** ZkNodeChangeNotificationListener's default changeExpirationMs: 15 minutes. */
export const CHANGE_EXPIRATION_MS = 15 * 60 * 1000;

export interface NotificationListenerOptions {
  readonly seqNodeRoot: string;
  readonly seqNodePrefix: string;
  readonly handler: NotificationHandler;
  readonly logger: ZkLogger;
  /** How old a notification is deleted at (CHANGE_EXPIRATION_MS unless a test shortens it). */
  readonly changeExpirationMs?: number;
}

export class ZkNodeChangeNotificationListener {
  /** The sequence number of the last notification handled; -1: none yet, so the first pass handles them all. */
  private lastExecutedChange = -1;
  /** A pass is waiting to start (Kafka's queue is not empty). */
  private queued = false;
  private passes: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly changeExpirationMs: number;

  constructor(
    private readonly zk: ZooKeeperClient,
    private readonly options: NotificationListenerOptions,
  ) {
    this.changeExpirationMs = options.changeExpirationMs ?? CHANGE_EXPIRATION_MS;
  }

  /** StateChangeHandlers.zkNodeChangeListenerHandler */
  private get stateHandlerName(): string {
    return `change-notification-${this.options.seqNodeRoot}`;
  }

  /** ZkNodeChangeNotificationListener.init: the watches, then a first pass over every notification (awaited). */
  init(): Promise<void> {
    this.zk.registerStateChangeHandler({
      name: this.stateHandlerName,
      afterInitializingSession: () => void this.addChangeNotification(),
    });
    this.zk.registerZNodeChildChangeHandler({
      path: this.options.seqNodeRoot,
      handleChildChange: () => void this.addChangeNotification(),
    });
    return this.addChangeNotification();
  }

  /** Stops handling: the watches unregistered, a pass under way left to finish (awaited). */
  async close(): Promise<void> {
    this.closed = true;
    this.zk.unregisterStateChangeHandler(this.stateHandlerName);
    this.zk.unregisterZNodeChildChangeHandler(this.options.seqNodeRoot);
    await this.passes;
  }

  /** addChangeNotification: one more pass, unless one is already waiting to start. */
  private addChangeNotification(): Promise<void> {
    if (this.closed || this.queued) return this.passes;
    this.queued = true;
    this.passes = this.passes.then(() => {
      this.queued = false;
      return this.closed ? undefined : this.processNotifications();
    });
    return this.passes;
  }

  /** processNotifications: the new ones handled in order, then the old ones purged; an error is logged. */
  private async processNotifications(): Promise<void> {
    const root = this.options.seqNodeRoot;
    try {
      const children = await this.zk.getChildren(root);
      if (children.code !== 'OK' || children.children.length === 0) return;
      const notifications = [...children.children].sort();
      const now = Date.now();
      for (const notification of notifications) {
        const changeId = this.changeNumber(notification);
        if (changeId > this.lastExecutedChange) {
          await this.processNotification(notification);
          this.lastExecutedChange = changeId;
        }
      }
      await this.purgeObsoleteNotifications(now, notifications);
    } catch (error) {
      this.options.logger.error(`Error while processing notification change for path = ${root}`, {
        error: String(error),
      });
    }
  }

  private async processNotification(notification: string): Promise<void> {
    const path = `${this.options.seqNodeRoot}/${notification}`;
    const response = await this.zk.getData(path);
    if (response.code !== 'OK') {
      this.options.logger.warn(`read null data from ${path}`);
      return;
    }
    try {
      await this.options.handler.processNotification(response.data, notification);
    } catch (error) {
      this.options.logger.error(`error processing change notification ${response.data.toString('utf8')} from ${path}`, {
        error: String(error),
      });
    }
  }

  /** purgeObsoleteNotifications: those created more than changeExpirationMs before this pass began. */
  private async purgeObsoleteNotifications(now: number, notifications: readonly string[]): Promise<void> {
    for (const notification of notifications) {
      const path = `${this.options.seqNodeRoot}/${notification}`;
      const response = await this.zk.getData(path);
      if (response.code === 'OK' && now - response.stat.ctime > this.changeExpirationMs)
        await this.zk.delete(path, MATCH_ANY_VERSION);
    }
  }

  /** changeNumber: the sequence number after the prefix (ZooKeeper's ten digits). */
  private changeNumber(notification: string): number {
    const digits = notification.slice(this.options.seqNodePrefix.length);
    if (!notification.startsWith(this.options.seqNodePrefix) || !/^\d+$/.test(digits))
      throw new TributaryError(
        `${this.options.seqNodeRoot}/${notification} is not a ${this.options.seqNodePrefix} sequence znode`,
        'ERR_MALFORMED_ZNODE',
        { path: `${this.options.seqNodeRoot}/${notification}` },
      );
    return Number(digits);
  }
}
