/**
 * LeaderAndIsr: a partition's leader, leader epoch and in-sync replicas, as Kafka's
 * org.apache.kafka.metadata.LeaderAndIsr: the state kept in ZooKeeper at
 * /brokers/topics/<topic>/partitions/<partition>/state.
 */
export interface LeaderAndIsr {
  /** The leader's broker id, NO_LEADER when there is none. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  /** KIP-704: 0 RECOVERED, 1 RECOVERING. */
  readonly leaderRecoveryState: 0 | 1;
  /** The partition epoch: in ZooKeeper mode, the version of the state znode. */
  readonly partitionEpoch: number;
}

/** LeaderAndIsr.NO_LEADER */
export const NO_LEADER = -1;
