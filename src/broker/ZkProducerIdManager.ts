/**
 * ZkProducerIdManager: a cluster broker's producer ids, in blocks of 1000 claimed from
 * ZooKeeper's /latest_producer_id_block (Kafka 3.8's ZkProducerIdManager and its
 * getNewProducerIdBlock), so no two brokers of the cluster ever hand out the same id.
 *
 * How InitProducerId waits for a block. Kafka's ZkProducerIdManager claims the next block
 * inside generateProducerId, blocking the request's thread on ZooKeeper; its
 * RPCProducerIdManager (what a 3.8 ZooKeeper broker runs by default: KafkaServer.startup
 * picks it from IBP 3.0, the controller then writing the same znode) asks for the next block
 * once 90% of the current one is handed out, and answers COORDINATOR_LOAD_IN_PROGRESS if the
 * block runs out before the next arrived. We do as the RPC manager does, over the znode:
 * - every client retries COORDINATOR_LOAD_IN_PROGRESS on InitProducerId (the RPC manager
 *   chose it over REQUEST_TIMED_OUT because older clients treat that one as fatal);
 * - with ZooKeeper away no request is held: each fails at once, where awaiting the block
 *   would keep every InitProducerId for up to the ZooKeeper request timeout (18 s);
 * - generateProducerId stays synchronous, so the transaction coordinator's get-or-create of
 *   an id's metadata and its producer id rotation stay within one turn of the event loop,
 *   and the single node's callers (the embedded producer) are unchanged;
 * - with the prefetch a client sees the error only when more than 100 ids are asked for
 *   within one ZooKeeper round trip, or while ZooKeeper is unreachable.
 * The first block is claimed at start, as ZkProducerIdManager's constructor does: a broker
 * that cannot get one (ZooKeeper unreachable, a malformed znode) does not start.
 */
import type { ProducerIdManager } from '../engine/ProducerIdManager.js';
import { isTributaryError, TributaryError, errorMessageOf } from '../errors.js';
import { UNKNOWN_VERSION, type KafkaZkClient } from '../zk/KafkaZkClient.js';
import {
  decodeProducerIdBlock,
  encodeProducerIdBlock,
  PRODUCER_ID_BLOCK_SIZE,
  producerIdsBlock,
  type ProducerIdsBlock,
} from '../zk/ProducerIdBlockZNode.js';
import { LATEST_PRODUCER_ID_BLOCK_PATH } from '../zk/ZkPaths.js';
import type { Logger } from './Logger.js';

/** ProducerIdManager.PidPrefetchThreshold: the share of a block handed out before the next is asked for. */
const PID_PREFETCH_THRESHOLD = 0.9;
/** ProducerIdManager.RetryBackoffMs: the wait after a failed claim before the next. */
const RETRY_BACKOFF_MS = 50;
/**
 * The last producer id a block may hold. Kafka's is Long.MaxValue; ours are JavaScript
 * numbers (the wire codec's int64), exact up to 2^53 - 1, so a block past that is refused
 * as Kafka refuses one past Long.MaxValue.
 */
const MAX_PRODUCER_ID = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * ZkProducerIdManager.getNewProducerIdBlock: read the last block and its znode version,
 * write the one after it under that version, and read again when another broker wrote
 * first. `firstAtLeast` keeps the ids a single node's data directory reserved before it
 * joined the cluster (its producer-id-block file) from being handed out again.
 */
export async function getNewProducerIdBlock(
  brokerId: number,
  zkClient: KafkaZkClient,
  logger: Logger,
  firstAtLeast = 0,
): Promise<ProducerIdsBlock> {
  for (;;) {
    const { data, version } = await zkClient.getDataAndVersion(LATEST_PRODUCER_ID_BLOCK_PATH);
    if (version === UNKNOWN_VERSION) {
      // Gone (createTopLevelPaths made it): made again, empty, where Kafka's loop would spin on NONODE.
      await zkClient.zooKeeperClient.makeSurePersistentPathExists(LATEST_PRODUCER_ID_BLOCK_PATH);
      continue;
    }
    const current = decodeProducerIdBlock(data);
    logger.debug('Read current producerId block', { block: blockFields(current), zkVersion: version });
    const first = current === null ? 0n : current.lastProducerId + 1n;
    const block = producerIdsBlock(brokerId, maxOf(first, BigInt(firstAtLeast)), PRODUCER_ID_BLOCK_SIZE);
    if (block.lastProducerId > MAX_PRODUCER_ID)
      throw new TributaryError(
        `Have exhausted all producerIds: the next block would end at ${block.lastProducerId}, past ${MAX_PRODUCER_ID} (current block end producerId is ${current?.lastProducerId})`,
        'ERR_PRODUCER_IDS_EXHAUSTED',
        { path: LATEST_PRODUCER_ID_BLOCK_PATH },
      );
    const written = await zkClient.conditionalUpdatePath(
      LATEST_PRODUCER_ID_BLOCK_PATH,
      encodeProducerIdBlock(block),
      version,
    );
    if (written.succeeded) {
      logger.info('Acquired new producerId block', { block: blockFields(block), zkVersion: written.version });
      return block;
    }
  }
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function blockFields(block: ProducerIdsBlock | null): Record<string, string | number> | null {
  return (
    block && {
      broker: block.assignedBrokerId,
      first: String(block.firstProducerId),
      last: String(block.lastProducerId),
    }
  );
}

/** A block's range as numbers (getNewProducerIdBlock keeps every id within MAX_PRODUCER_ID), and where its prefetch starts. */
interface IdRange {
  readonly first: number;
  readonly last: number;
  readonly prefetchFrom: number;
}

function rangeOf(block: ProducerIdsBlock): IdRange {
  const first = Number(block.firstProducerId);
  const last = Number(block.lastProducerId);
  return { first, last, prefetchFrom: first + Math.floor((last - first + 1) * PID_PREFETCH_THRESHOLD) };
}

/** Failures no retry mends until an operator acts: the znode's contents, not ZooKeeper's reach. */
function isPermanent(error: unknown): boolean {
  return isTributaryError(error, 'ERR_MALFORMED_ZNODE') || isTributaryError(error, 'ERR_PRODUCER_IDS_EXHAUSTED');
}

export class ZkProducerIdManager implements ProducerIdManager {
  private nextProducerId: number;
  /** The block claimed ahead (RPCProducerIdManager.nextProducerIdBlock), null until it arrives. */
  private nextBlock: IdRange | null = null;
  /** The claim in flight, at most one. */
  private claiming: Promise<void> | null = null;
  /** RPCProducerIdManager.backoffDeadlineMs: no claim before this time after a failed one. */
  private retryAt = 0;
  /** Why the last claim failed, until one succeeds. */
  private lastFailure: unknown = null;
  private stopped = false;

  private constructor(
    private readonly brokerId: number,
    private readonly zkClient: KafkaZkClient,
    private readonly logger: Logger,
    private readonly firstAtLeast: number,
    private current: IdRange,
  ) {
    this.nextProducerId = current.first;
  }

  /** Claims the first block (ZkProducerIdManager's constructor); `firstAtLeast` as getNewProducerIdBlock's. */
  static async start(
    brokerId: number,
    zkClient: KafkaZkClient,
    logger: Logger,
    firstAtLeast = 0,
  ): Promise<ZkProducerIdManager> {
    const block = await getNewProducerIdBlock(brokerId, zkClient, logger, firstAtLeast);
    return new ZkProducerIdManager(brokerId, zkClient, logger, firstAtLeast, rangeOf(block));
  }

  /**
   * RPCProducerIdManager.generateProducerId: the current block's next id, the next block
   * taken when this one is used up. Without a next block it throws ERR_COORDINATOR_LOAD_IN_PROGRESS
   * (retriable) and claims one, or the last claim's failure when retrying cannot mend it.
   */
  generateProducerId(): number {
    if (this.nextProducerId > this.current.last) {
      if (this.nextBlock === null) {
        this.maybeRequestNextBlock();
        throw this.waitingError();
      }
      this.current = this.nextBlock;
      this.nextBlock = null;
      this.nextProducerId = this.current.first;
    }
    const id = this.nextProducerId++;
    // From the threshold on, not only at it as Kafka's: a failed prefetch is tried again.
    if (id >= this.current.prefetchFrom) this.maybeRequestNextBlock();
    return id;
  }

  private waitingError(): TributaryError {
    if (isPermanent(this.lastFailure)) return this.lastFailure as TributaryError;
    const why = this.lastFailure === null ? '' : ` (the last claim failed: ${errorMessageOf(this.lastFailure)})`;
    return new TributaryError(
      `Producer ID block is full. Waiting for next block${why}`,
      'ERR_COORDINATOR_LOAD_IN_PROGRESS',
      { path: LATEST_PRODUCER_ID_BLOCK_PATH },
    );
  }

  /** RPCProducerIdManager.maybeRequestNextBlock: one claim at a time, none during the backoff. */
  private maybeRequestNextBlock(): void {
    if (this.stopped || this.nextBlock !== null || this.claiming !== null || Date.now() < this.retryAt) return;
    this.claiming = getNewProducerIdBlock(this.brokerId, this.zkClient, this.logger, this.firstAtLeast).then(
      (block) => {
        this.nextBlock = rangeOf(block);
        this.lastFailure = null;
        this.claiming = null;
      },
      (error: unknown) => {
        this.claiming = null;
        if (this.stopped) return;
        this.lastFailure = error;
        this.retryAt = Date.now() + RETRY_BACKOFF_MS;
        this.logger.error('Failed to claim a producer id block', { error: errorMessageOf(error) });
      },
    );
  }

  /** ProducerIdManager.shutdown: no more claims; the one in flight is waited for, before the session closes. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.claiming;
  }
}
