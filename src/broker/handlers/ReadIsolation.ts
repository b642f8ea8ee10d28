/**
 * Where a Fetch or a ListOffsets reads to (Kafka's FetchIsolation): a replica to the log end,
 * a consumer to the high watermark, or to the last stable offset with read_committed. Kafka
 * 3.8 tells the two apart differently in the two APIs, and each handler follows its rule:
 * - Fetch (FetchIsolation.of): a replica is any id FetchRequest.isConsumer refuses, that is a
 *   broker id (>= 0; FUTURE_LOCAL_REPLICA_ID, -3, is the broker's own log mover and never
 *   comes over the wire), so a debugging client (-2) fetches as a consumer does;
 * - ListOffsets (KafkaApis.handleListOffsetRequestV1AndAbove): only CONSUMER_REPLICA_ID (-1)
 *   passes an isolation level to Partition.fetchOffsetForTimestamp; a follower and a debugging
 *   client (-2) find offsets up to the log end.
 */
import type { FetchIsolation } from '../../engine/Partition.js';

/** IsolationLevel.READ_COMMITTED's id on the wire. */
const READ_COMMITTED = 1;
/** FetchRequest.CONSUMER_REPLICA_ID and ListOffsetsRequest.CONSUMER_REPLICA_ID. */
export const CONSUMER_REPLICA_ID = -1;

/** A replica reads to the log end; anyone else by the request's isolation level. */
function isolation(fromReplica: boolean, isolationLevel: number): FetchIsolation {
  if (fromReplica) return 'log_end';
  return isolationLevel === READ_COMMITTED ? 'read_committed' : 'read_uncommitted';
}

/** FetchIsolation.of(replicaId, isolationLevel) for a Fetch. */
export const fetchIsolation = (replicaId: number, isolationLevel: number): FetchIsolation =>
  isolation(replicaId >= 0, isolationLevel);

/** KafkaApis.handleListOffsetRequestV1AndAbove's isolationLevelOpt, as the read's end. */
export const listOffsetsIsolation = (replicaId: number, isolationLevel: number): FetchIsolation =>
  isolation(replicaId !== CONSUMER_REPLICA_ID, isolationLevel);
