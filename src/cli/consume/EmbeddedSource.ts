/** `tributary consume --data-dir`: the embedded Consumer (assigned partitions) or GroupConsumer (a group). */
import type { Consumer, ConsumerBatch, OffsetSpec } from '../../client/Consumer.js';
import type { GroupConsumer } from '../../client/GroupConsumer.js';
import type { Tributary } from '../../client/Tributary.js';
import type { PartitionDescription } from '../../engine/TopicDescription.js';
import { isTributaryError } from '../../errors.js';
import {
  clampOffset,
  type AssignmentListener,
  type RecordSource,
  type SourceBatch,
  type SourceOptions,
  type StartSpec,
} from './RecordSource.js';

function offsetSpec(start: StartSpec, partition: PartitionDescription): OffsetSpec {
  if (typeof start === 'string') return start;
  if ('timestamp' in start) return { timestamp: start.timestamp };
  return clampOffset(start.offset, partition.logStartOffset, partition.logEndOffset);
}

function sourceBatch(batch: ConsumerBatch): SourceBatch {
  const records = batch.records.map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key,
    value: r.value,
    headers: r.headerList,
  }));
  return { partition: batch.partition, records, highWatermark: batch.highWatermark };
}

/** The consumer's batches until stop(): a GroupConsumer must outlive the iteration, to commit and leave afterwards. */
async function* untilStopped(consumer: Consumer | GroupConsumer, stopped: Promise<void>): AsyncGenerator<SourceBatch> {
  const batches = consumer.batches();
  for (;;) {
    const next = await Promise.race([batches.next(), stopped.then(() => null)]);
    if (next === null || next.done === true) return;
    yield sourceBatch(next.value);
  }
}

class EmbeddedSource implements RecordSource {
  private stopNow!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.stopNow = resolve));

  constructor(
    private readonly consumer: Consumer | GroupConsumer,
    private readonly topic: string,
  ) {}

  batches(): AsyncIterable<SourceBatch> {
    return untilStopped(this.consumer, this.stopped);
  }

  stop(): void {
    this.stopNow();
  }

  async commit(offsets: { partition: number; offset: number }[]): Promise<void> {
    if (!('groupId' in this.consumer) || offsets.length === 0) return;
    try {
      await this.consumer.commit(offsets.map(({ partition, offset }) => ({ topic: this.topic, partition, offset })));
    } catch (error) {
      if (!isTributaryError(error)) throw error;
    }
  }

  close(): Promise<void> {
    return this.consumer.close();
  }
}

export async function openEmbeddedSource(
  tributary: Tributary,
  options: SourceOptions,
  listener: AssignmentListener,
): Promise<RecordSource> {
  const { topic, start, group, checkCrcs } = options;
  const describe = async (): Promise<Map<number, PartitionDescription>> =>
    new Map((await tributary.admin.describeTopic(topic)).partitions.map((p) => [p.partition, p]));
  const assigned = (
    consumer: Consumer | GroupConsumer,
    partitions: number[],
    described: Map<number, PartitionDescription>,
  ): void =>
    listener.onAssigned(
      partitions.map((partition) => ({
        partition,
        position: consumer.position({ topic, partition }),
        endOffset: described.get(partition)!.logEndOffset,
      })),
    );
  if (group === undefined) {
    const consumer = tributary.consumer({ autoOffsetReset: 'earliest', checkCrcs });
    const described = await describe();
    consumer.assign(
      options.partitions.map((partition) => ({
        topic,
        partition,
        offset: offsetSpec(start, described.get(partition)!),
      })),
    );
    assigned(consumer, options.partitions, described);
    return new EmbeddedSource(consumer, topic);
  }
  const consumer = tributary.consumer({
    groupId: group,
    autoCommit: false,
    autoOffsetReset: start === 'latest' ? 'latest' : 'earliest',
    clientId: 'tributary-cli',
    checkCrcs,
  });
  consumer.subscribe([topic], {
    onPartitionsAssigned: async (added) =>
      assigned(
        consumer,
        added.map((tp) => tp.partition),
        await describe(),
      ),
    onPartitionsRevoked: (revoked) => listener.onRevoked(revoked.map((tp) => tp.partition)),
  });
  return new EmbeddedSource(consumer, topic);
}
