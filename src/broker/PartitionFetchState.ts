/**
 * PartitionFetchState: where a follower stands in fetching one partition from its leader
 * (Kafka 3.8's PartitionFetchState and ReplicaState in AbstractFetcherThread.scala). A
 * partition is Truncating (it just became a follower, or its leader changed: its log may
 * hold records the leader never had) until OffsetForLeaderEpoch says where the two logs
 * agree; then Fetching from `fetchOffset`. After an error it is delayed for
 * replica.fetch.backoff.ms (DelayedItem) and skipped meanwhile.
 */

export type ReplicaState = 'Truncating' | 'Fetching';

export interface PartitionFetchState {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  /** The leader's high watermark minus our next offset at the last fetch; null before any. */
  readonly lag: number | null;
  /** The leader epoch of the LeaderAndIsr that made us follow: sent to fence a stale leader or follower. */
  readonly currentLeaderEpoch: number;
  /** Date.now() before which the partition is skipped (an error's backoff); 0 for none. */
  readonly delayedUntil: number;
  readonly state: ReplicaState;
}

export const isDelayed = (s: PartitionFetchState, now = Date.now()): boolean => s.delayedUntil > now;

/** PartitionFetchState.isReadyForFetch. */
export const isReadyForFetch = (s: PartitionFetchState, now = Date.now()): boolean =>
  s.state === 'Fetching' && !isDelayed(s, now);

/** PartitionFetchState.isTruncating. */
export const isTruncating = (s: PartitionFetchState, now = Date.now()): boolean =>
  s.state === 'Truncating' && !isDelayed(s, now);

/**
 * OffsetTruncationState: the offset to truncate to, and whether that ends truncation (false:
 * the leader named an epoch we do not know; ask again with our next older one).
 */
export interface OffsetTruncationState {
  readonly offset: number;
  readonly truncationCompleted: boolean;
}
