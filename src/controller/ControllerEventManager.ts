/**
 * ControllerEventManager: Kafka's kafka.controller.ControllerEventManager. Every reaction of
 * the controller (a watch fired, a session expired, an admin request, a broker's answer) is
 * an event put on one queue and processed one at a time, in order, so the controller's
 * state is never touched by two at once. A failing event is logged and the next one runs.
 */
import type { StateChangeLogger } from './StateChangeLogger.js';

/** One event: its name (Kafka's ControllerState) and what it does. */
export interface ControllerEvent {
  readonly name: string;
  process(): Promise<void>;
}

export class ControllerEventManager {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly logger: StateChangeLogger) {}

  /** ControllerEventManager.put: queued behind every event already put; resolves once processed. */
  put(event: ControllerEvent): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.closed) return;
      try {
        await event.process();
      } catch (error) {
        this.logger.error(`Uncaught error processing event ${event.name}`, { error: String(error) });
      }
    };
    this.tail = this.tail.then(run);
    return this.tail;
  }

  /** ControllerEventManager.close: events not yet started are dropped; waits for the one running. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }
}
