/**
 * The topics a consumer-protocol member subscribes to, read from its JoinGroup metadata
 * (ConsumerProtocolSubscription: version int16, then topics as an array of strings).
 * Every version starts with those fields, so Kafka reads them the same way whatever the
 * version; so do we. The full codec belongs to the consumer's ConsumerProtocol.
 */
import { ProtocolReader } from '../protocol/ProtocolReader.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The subscribed topics, or null when the metadata is not a subscription. */
export function subscribedTopics(metadata: Buffer): string[] | null {
  try {
    const reader = new ProtocolReader(metadata);
    reader.int16();
    const count = reader.arrayLength(false, 2);
    const topics: string[] = [];
    for (let i = 0; i < count; i++) topics.push(reader.string(false) ?? '');
    return topics;
  } catch {
    return null;
  }
}
