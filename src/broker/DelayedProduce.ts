/**
 * DelayedProduce: a Produce with acks=-1 waits until every ISR member has each partition's
 * records, after Kafka's kafka.server.DelayedProduce (3.8). Each partition is done when its
 * leader's high watermark passes the last offset appended (Partition.checkEnoughReplicasReachOffset),
 * with its own error: NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below
 * min.insync.replicas meanwhile, NOT_LEADER_OR_FOLLOWER if the leadership moved; those still
 * waiting at the request's timeout get REQUEST_TIMED_OUT. The partitions are checked again
 * whenever their high watermark or leadership changes (Kafka's purgatory, keyed by partition).
 */
import { KafkaErrors, type KafkaError } from '../errors.js';

/** What a delayed produce asks of a partition it waits on (ClusterPartition's). */
export interface ReplicatedPartition {
  /** Partition.checkEnoughReplicasReachOffset: done, and with which error. */
  checkEnoughReplicasReachOffset(requiredOffset: number): { done: boolean; error: KafkaError };
  /** Registers `check` to run when the high watermark or the leadership changes; returns its removal. */
  watch(check: () => void): () => void;
}

export interface ProducePartitionStatus {
  readonly partition: ReplicatedPartition;
  /** The offset after the last record appended: the high watermark must reach it. */
  readonly requiredOffset: number;
}

/**
 * Resolves with each partition's error, in the order given, once all are done, at `timeoutMs`,
 * or when `signal` aborts (the connection closed: nobody waits for the answer).
 */
export function delayedProduce(
  statuses: readonly ProducePartitionStatus[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<KafkaError[]> {
  // DelayedProduce: a partition still waiting when the operation expires is REQUEST_TIMED_OUT.
  const errors: KafkaError[] = statuses.map(() => KafkaErrors.REQUEST_TIMED_OUT);
  const pending = new Set(statuses.keys());
  return new Promise((resolve) => {
    const unwatch: (() => void)[] = [];
    const complete = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', complete);
      for (const stop of unwatch) stop();
      resolve(errors);
    };
    // DelayedProduce.tryComplete: each waiting partition checked; all done completes the operation.
    const tryComplete = () => {
      for (const i of pending) {
        const { done, error } = statuses[i]!.partition.checkEnoughReplicasReachOffset(statuses[i]!.requiredOffset);
        if (!done && error === KafkaErrors.NONE) continue;
        errors[i] = error;
        pending.delete(i);
      }
      if (pending.size === 0) complete();
    };
    const timer = setTimeout(complete, Math.max(timeoutMs, 0));
    if (signal.aborted) return complete();
    signal.addEventListener('abort', complete, { once: true });
    for (const p of new Set(statuses.map((s) => s.partition))) unwatch.push(p.watch(tryComplete));
    tryComplete();
  });
}
