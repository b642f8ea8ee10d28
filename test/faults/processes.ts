/**
 * The fault harness's child processes (brokers, librdkafka scripts) die with the test
 * process: an exit handler SIGKILLs whichever is still running, whatever the test did. (A
 * test process that is itself SIGKILLed runs no handler: the next run's netns clean-up kills
 * what is left in its namespaces.)
 */
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Registers `child` to be SIGKILLed when this process exits before it; returns it. */
export function killedOnExit<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
