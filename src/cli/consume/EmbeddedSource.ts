/** `tributary consume --data-dir`: the embedded Consumer (assigned partitions) or GroupConsumer (a group). */
import type { Consumer, ConsumerBatch, OffsetSpec } from '../../client/Consumer.js';
import type { GroupConsumer } from '../../client/GroupConsumer.js';
import type { Tributary } from '../../client/Tributary.js';
import type { PartitionDescription } from '../../engine/TopicDescription.js';
import { isTributaryError } from '../../errors.js';
import {
  clampOffset,
  sourceRecord,
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

function sourceBatch(batch: ConsumerBatch, readCommitted: boolean): SourceBatch {
  const endOffset = readCommitted ? batch.lastStableOffset : batch.highWatermark;
  return { partition: batch.partition, records: batch.records.map(sourceRecord), endOffset };
}

/** The consumer's batches until stop(): a GroupConsumer must outlive the iteration, to commit and leave afterwards. */
async function* untilStopped(
  consumer: Consumer | GroupConsumer,
  stopped: Promise<void>,
  readCommitted: boolean,
): AsyncGenerator<SourceBatch> {
  const batches = consumer.batches();
  for (;;) {
    const next = await Promise.race([batches.next(), stopped.then(() => null)]);
    if (next === null || next.done === true) return;
    yield sourceBatch(next.value, readCommitted);
  }
}

class EmbeddedSource implements RecordSource {
  private stopNow!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.stopNow = resolve));

  constructor(
    private readonly consumer: Consumer | GroupConsumer,
    private readonly topic: string,
    private readonly readCommitted: boolean,
  ) {}

  batches(): AsyncIterable<SourceBatch> {
    return untilStopped(this.consumer, this.stopped, this.readCommitted);
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
  const { topic, start, group, checkCrcs, isolationLevel } = options;
  const readCommitted = isolationLevel === 'read_committed';
  const describe = async (): Promise<Map<number, PartitionDescription>> =>
    new Map((await tributary.admin.describeTopic(topic)).partitions.map((p) => [p.partition, p]));
  const assigned = (consumer: Consumer | GroupConsumer, partitions: number[]): void =>
    listener.onAssigned(
      consumer.endOffsets(partitions.map((partition) => ({ topic, partition }))).map(({ partition, offset }) => ({
        partition,
        position: consumer.position({ topic, partition }),
        endOffset: offset,
      })),
    );
  if (group === undefined) {
    const consumer = tributary.consumer({ autoOffsetReset: 'earliest', checkCrcs, isolationLevel });
    const described = await describe();
    consumer.assign(
      options.partitions.map((partition) => ({
        topic,
        partition,
        offset: offsetSpec(start, described.get(partition)!),
      })),
    );
    assigned(consumer, options.partitions);
    return new EmbeddedSource(consumer, topic, readCommitted);
  }
  const consumer = tributary.consumer({
    groupId: group,
    autoCommit: false,
    autoOffsetReset: start === 'latest' ? 'latest' : 'earliest',
    clientId: 'tributary-cli',
    checkCrcs,
    isolationLevel,
  });
  consumer.subscribe([topic], {
    onPartitionsAssigned: (added) =>
      assigned(
        consumer,
        added.map((tp) => tp.partition),
      ),
    onPartitionsRevoked: (revoked) => listener.onRevoked(revoked.map((tp) => tp.partition)),
  });
  return new EmbeddedSource(consumer, topic, readCommitted);
}
