/**
 * ProducerIdBlockZNode: /latest_producer_id_block, the last block of producer ids a broker
 * claimed (Kafka 3.8's kafka.zk.ProducerIdBlockZNode over server-common's ProducerIdsBlock).
 * `{"version":1,"broker":<id>,"block_start":"<first>","block_end":"<last>"}`: the ids are
 * Java longs written as strings, so they are read here as bigints, exactly.
 */
import { LATEST_PRODUCER_ID_BLOCK_PATH } from './ZkPaths.js';
import { encodeJson, ZNodeJson } from './ZNodeJson.js';

/** ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** ProducerIdBlockZNode.CurrentVersion: the only version Kafka writes. */
const CURRENT_VERSION = 1;

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const INT_MAX = 2n ** 31n - 1n;

/** ProducerIdsBlock: ids firstProducerId..lastProducerId (inclusive), claimed by one broker. */
export interface ProducerIdsBlock {
  readonly assignedBrokerId: number;
  readonly firstProducerId: bigint;
  readonly lastProducerId: bigint;
}

/** ProducerIdsBlock's constructor: `size` ids from `firstProducerId`. */
export function producerIdsBlock(assignedBrokerId: number, firstProducerId: bigint, size: number): ProducerIdsBlock {
  return { assignedBrokerId, firstProducerId, lastProducerId: firstProducerId + BigInt(size) - 1n };
}

/** ProducerIdBlockZNode.generateProducerIdBlockJson: keys in Kafka's order, the ids as strings. */
export function encodeProducerIdBlock(block: ProducerIdsBlock): Buffer {
  return encodeJson({
    version: CURRENT_VERSION,
    broker: block.assignedBrokerId,
    block_start: block.firstProducerId.toString(),
    block_end: block.lastProducerId.toString(),
  });
}

/** Java's Long.parseLong of a field; a value past the long range is Kafka's "exceeded long type limit". */
function longField(json: ZNodeJson, key: string): bigint {
  const text = json.string(key);
  if (!/^[-+]?\d+$/.test(text)) throw json.problem(key, 'is not a decimal long');
  const value = BigInt(text);
  if (value < LONG_MIN || value > LONG_MAX) throw json.problem(key, 'has exceeded the long type limit');
  return value;
}

/**
 * ProducerIdBlockZNode.parseProducerIdBlockData, stricter: the version must be 1, the ids
 * not negative (-1 is RecordBatch.NO_PRODUCER_ID) and the block's size in 1..Int.MaxValue
 * (Kafka's Math.toIntExact). Empty data is no block yet: the znode as
 * KafkaZkClient.createTopLevelPaths makes it, which ZkProducerIdManager reads as None.
 */
export function decodeProducerIdBlock(bytes: Uint8Array | null): ProducerIdsBlock | null {
  if (bytes === null || bytes.length === 0) return null;
  const json = ZNodeJson.parse(LATEST_PRODUCER_ID_BLOCK_PATH, bytes);
  const version = json.int('version');
  if (version !== CURRENT_VERSION) throw json.problem('version', `${version} is not a producer id block version (1)`);
  const assignedBrokerId = json.int('broker');
  const firstProducerId = longField(json, 'block_start');
  const lastProducerId = longField(json, 'block_end');
  if (firstProducerId < 0n) throw json.problem('block_start', 'is negative');
  const size = lastProducerId - firstProducerId + 1n;
  if (size < 1n || size > INT_MAX) throw json.problem('block_end', 'does not end a block of 1 to 2^31-1 ids');
  return { assignedBrokerId, firstProducerId, lastProducerId };
}
