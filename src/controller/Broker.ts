/**
 * Broker: a live broker as the controller knows it from its /brokers/ids/<id> znode (Kafka's
 * kafka.cluster.Broker: id, endpoints, rack), and the epoch it registered with (the znode's
 * creation zxid, KIP-380), which every control request to it carries.
 */
export interface EndPoint {
  readonly listenerName: string;
  readonly host: string;
  readonly port: number;
  /** SecurityProtocol.id: 0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL. */
  readonly securityProtocol: number;
}

export interface Broker {
  readonly id: number;
  readonly endpoints: readonly EndPoint[];
  readonly rack?: string;
}

export interface BrokerAndEpoch {
  readonly broker: Broker;
  readonly epoch: number;
}
