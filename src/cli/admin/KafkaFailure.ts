/**
 * Failures as the admin commands report them, the same for both targets: what failed
 * and the Kafka error it is (`create topic 'x' failed: TOPIC_ALREADY_EXISTS (...)`).
 */
import { kafkaErrorOfCode, kafkaResponseError, TributaryError } from '../../errors.js';

export function kafkaFailure(what: string, errorCode: number, detail: string | null = null): TributaryError {
  const error = kafkaResponseError(errorCode, what);
  return detail === null || detail === '' ? error : new TributaryError(`${error.message} (${detail})`, error.code);
}

/** Throws a kafkaFailure unless `errorCode` is NONE. */
export function checkErrorCode(what: string, errorCode: number, detail: string | null = null): void {
  if (errorCode !== 0) throw kafkaFailure(what, errorCode, detail);
}

/** Runs in-process work, reporting its TributaryError as the Kafka error a broker would answer. */
export async function inProcess<T>(what: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TributaryError) throw kafkaFailure(what, error.kafka.code, error.message);
    throw error;
  }
}

/** Kafka's name of an error code (`ERROR_<code>` for one this side does not know). */
export function kafkaErrorName(errorCode: number): string {
  return kafkaErrorOfCode(errorCode)?.name ?? `ERROR_${errorCode}`;
}

/** A per-partition failure as the admin tools print it: `NAME (message)`, or the name alone. */
export function describeFailure(errorCode: number, message: string | null): string {
  return `${kafkaErrorName(errorCode)}${message === null || message === '' ? '' : ` (${message})`}`;
}
