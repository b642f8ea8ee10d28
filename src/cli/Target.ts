/**
 * Where a command works: a running broker (`--bootstrap host:port`, over the Kafka
 * protocol) or a data directory no broker holds (`--data-dir DIR`, in-process).
 */
import { BrokerConnection, parseBrokerAddress } from '../network/BrokerConnection.js';
import { Tributary } from '../client/Tributary.js';
import { UsageError } from './Command.js';

export type Target = { kind: 'broker'; connection: BrokerConnection } | { kind: 'data-dir'; tributary: Tributary };

/** The options every command that works on a target accepts (spread into its parseOptions table). */
export const TARGET_OPTIONS = {
  bootstrap: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export const TARGET_HELP = `  --bootstrap HOST:PORT   a running broker
  --data-dir DIR          a data directory that no broker holds (opened in-process)`;

/** Opens the one target named; naming none or both is a UsageError. */
export async function openTarget(values: {
  bootstrap?: string | undefined;
  'data-dir'?: string | undefined;
}): Promise<Target> {
  const { bootstrap, 'data-dir': dataDir } = values;
  if ((bootstrap === undefined) === (dataDir === undefined))
    throw new UsageError('give exactly one of --bootstrap HOST:PORT or --data-dir DIR');
  if (bootstrap !== undefined) {
    let address;
    try {
      address = parseBrokerAddress(bootstrap);
    } catch (error) {
      throw new UsageError(`--bootstrap: ${(error as Error).message}`);
    }
    return { kind: 'broker', connection: await BrokerConnection.open(address) };
  }
  return { kind: 'data-dir', tributary: await Tributary.open({ dataDir: dataDir! }) };
}

export async function closeTarget(target: Target): Promise<void> {
  if (target.kind === 'broker') target.connection.close();
  else await target.tributary.close();
}

/** Runs `work` on the target named by `values`, closing it afterwards whatever happens. */
export async function withTarget<T>(
  values: Parameters<typeof openTarget>[0],
  work: (target: Target) => Promise<T>,
): Promise<T> {
  const target = await openTarget(values);
  try {
    return await work(target);
  } finally {
    await closeTarget(target);
  }
}
