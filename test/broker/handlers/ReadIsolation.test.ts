/**
 * Where a replica's and a consumer's reads end, per API, as Kafka 3.8 decides it: Fetch by
 * FetchIsolation.of (a replica is an id FetchRequest.isConsumer refuses: a broker id), and
 * ListOffsets by KafkaApis.handleListOffsetRequestV1AndAbove (an isolation level only for
 * CONSUMER_REPLICA_ID, -1). They differ for a debugging client (DEBUGGING_REPLICA_ID, -2).
 */
import { describe, expect, test } from 'vitest';
import { fetchIsolation, listOffsetsIsolation } from '../../../src/broker/handlers/ReadIsolation.js';

const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;

describe('ReadIsolation', () => {
  test('a follower (its broker id) reads to the log end in both APIs, whatever isolation level it sends', () => {
    for (const level of [READ_UNCOMMITTED, READ_COMMITTED])
      for (const replicaId of [0, 2]) {
        expect(fetchIsolation(replicaId, level)).toBe('log_end');
        expect(listOffsetsIsolation(replicaId, level)).toBe('log_end');
      }
  });

  test('a consumer (-1) reads by its isolation level in both APIs', () => {
    for (const isolation of [fetchIsolation, listOffsetsIsolation]) {
      expect(isolation(-1, READ_UNCOMMITTED)).toBe('read_uncommitted');
      expect(isolation(-1, READ_COMMITTED)).toBe('read_committed');
    }
  });

  test('a debugging client (-2) fetches as a consumer but lists offsets to the log end', () => {
    expect(fetchIsolation(-2, READ_COMMITTED)).toBe('read_committed');
    expect(listOffsetsIsolation(-2, READ_COMMITTED)).toBe('log_end');
  });
});
