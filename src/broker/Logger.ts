/**
 * Logger: what the broker says about itself, as one JSON object per line (pino) on
 * stderr, written synchronously (no worker thread to keep a process alive). Quiet by
 * default: warnings and errors only.
 */
import { pino, type DestinationStream } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Lines go to `write` when given, else to stderr. */
export function createLogger(level: LogLevel = 'warn', write?: (line: string) => void): Logger {
  const destination: DestinationStream = write === undefined ? pino.destination({ fd: 2, sync: true }) : { write };
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    debug: (message, fields = {}) => logger.debug(fields, message),
    info: (message, fields = {}) => logger.info(fields, message),
    warn: (message, fields = {}) => logger.warn(fields, message),
    error: (message, fields = {}) => logger.error(fields, message),
  };
}
