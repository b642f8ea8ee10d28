/**
 * StateChangeLogger: where the controller tells of its state changes and of the ones it
 * refused or failed (Kafka's kafka.controller.StateChangeLogger, the `state.change.logger`).
 * The broker's Logger fits; tests collect the lines.
 */
export interface StateChangeLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentStateChangeLogger: StateChangeLogger = { info: () => {}, error: () => {} };
