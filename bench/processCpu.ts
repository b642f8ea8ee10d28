/**
 * CPU time of other processes (the brokers a suite drives), from Linux's /proc/<pid>/stat:
 * utime and stime, fields 14 and 15, in clock ticks. The ticks are USER_HZ, 100 on every
 * Linux architecture Node runs on (sysconf(_SC_CLK_TCK), which Node does not expose).
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Runs `fn`; resolves to its result and the CPU seconds each of `pids` used meanwhile. */
export async function withProcessCpu<T>(
  pids: readonly number[],
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: number[] }> {
  const before = pids.map(processCpuSeconds);
  const result = await fn();
  return { result, cpu: pids.map((pid, i) => processCpuSeconds(pid) - before[i]!) };
}
