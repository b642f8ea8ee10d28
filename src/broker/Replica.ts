/**
 * Replica: a follower's state as its leader knows it from the follower's fetches, after
 * Kafka's kafka.cluster.Replica and ReplicaState (3.8). The leader decides from it whether
 * the follower is caught up (the ISR) and how far the high watermark may go.
 */

/** UnifiedLog.UnknownOffset: a follower whose fetch the new leader has not seen yet. */
export const UNKNOWN_OFFSET = -1;

export interface ReplicaState {
  /** The follower's log start offset, as its last fetch said. */
  readonly logStartOffset: number;
  /** The follower's log end offset: the offset of its last fetch. */
  readonly logEndOffset: number;
  /** The leader's log end offset when the last fetch came: when the follower was last caught up. */
  readonly lastFetchLeaderLogEndOffset: number;
  readonly lastFetchTimeMs: number;
  /**
   * The latest time t at which the follower had fetched up to the leader's log end offset of
   * time t: how far behind it lags (ISR shrink) and whether it is caught up.
   */
  readonly lastCaughtUpTimeMs: number;
}

/** ReplicaState.Empty. */
const EMPTY: ReplicaState = {
  logStartOffset: UNKNOWN_OFFSET,
  logEndOffset: UNKNOWN_OFFSET,
  lastFetchLeaderLogEndOffset: 0,
  lastFetchTimeMs: 0,
  lastCaughtUpTimeMs: 0,
};

export class Replica {
  private current: ReplicaState = EMPTY;

  constructor(readonly brokerId: number) {}

  get state(): ReplicaState {
    return this.current;
  }

  /**
   * ReplicaState.isCaughtUp: the follower has the leader's log end offset, or was caught up
   * within the last `maxLagMs`.
   */
  isCaughtUp(leaderEndOffset: number, nowMs: number, maxLagMs: number): boolean {
    return leaderEndOffset === this.current.logEndOffset || nowMs - this.current.lastCaughtUpTimeMs <= maxLagMs;
  }

  /**
   * Replica.updateFetchStateOrThrow: a fetch from `fetchOffset` when the leader's log ended at
   * `leaderEndOffset`. Caught up now if it read to that end; caught up at the previous fetch if
   * it read to the end the leader had then (so a follower behind small, frequent appends still
   * counts as in sync).
   */
  updateFetchState(
    fetchOffset: number,
    followerStartOffset: number,
    fetchTimeMs: number,
    leaderEndOffset: number,
  ): void {
    const previous = this.current;
    let lastCaughtUpTimeMs = previous.lastCaughtUpTimeMs;
    if (fetchOffset >= leaderEndOffset) lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, fetchTimeMs);
    else if (fetchOffset >= previous.lastFetchLeaderLogEndOffset)
      lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, previous.lastFetchTimeMs);
    this.current = {
      logStartOffset: followerStartOffset,
      logEndOffset: fetchOffset,
      lastFetchLeaderLogEndOffset: Math.max(leaderEndOffset, previous.lastFetchLeaderLogEndOffset),
      lastFetchTimeMs: fetchTimeMs,
      lastCaughtUpTimeMs,
    };
  }

  /**
   * Replica.resetReplicaState, when this broker becomes leader or starts a new leader epoch:
   * an ISR member counts as caught up now, any other as never (so it does not hold the high
   * watermark back); a new leader forgets the offsets it has not seen fetched.
   */
  reset(nowMs: number, leaderEndOffset: number, isNewLeader: boolean, isFollowerInSync: boolean): void {
    const lastCaughtUpTimeMs = isFollowerInSync ? nowMs : 0;
    this.current = isNewLeader
      ? {
          logStartOffset: UNKNOWN_OFFSET,
          logEndOffset: UNKNOWN_OFFSET,
          lastFetchLeaderLogEndOffset: UNKNOWN_OFFSET,
          lastFetchTimeMs: 0,
          lastCaughtUpTimeMs,
        }
      : {
          ...this.current,
          lastFetchLeaderLogEndOffset: leaderEndOffset,
          lastFetchTimeMs: lastCaughtUpTimeMs,
          lastCaughtUpTimeMs,
        };
  }
}
