/**
 * The broker suite's null sink: tributary's own broker (protocol layer, connection
 * handling, Metadata, topic admin) with a Produce handler that acknowledges every
 * partition without storing anything. The broker suite runs it as a child process:
 * `node nullSinkBroker.js DATA_DIR` prints `null-sink broker listening on HOST:PORT` on its
 * first stdout line and stops on SIGTERM, like `tributary serve`.
 *
 * Comparing the real broker with this one isolates what storing costs (validation, CRC,
 * the log append) from what any broker built on the same protocol layer pays.
 */
import { Broker } from '../src/broker/Broker.js';
import { createLogger } from '../src/broker/Logger.js';
import { handler } from '../src/broker/RequestContext.js';
import type { EncodableResponse } from '../src/protocol/index.js';
import { Produce } from '../src/protocol/messages/Produce.js';
import { BatchHeader } from '../src/record/RecordBatchHeader.js';

type PartitionResponse = EncodableResponse<typeof Produce>['responses'][number]['partitionResponses'][number];

/** The next offset each partition would have had, so base offsets advance as a real log's do. */
const nextOffsets = new Map<string, number>();

/** Records in back-to-back v2 batches, from each batch header's lastOffsetDelta (nothing else is read). */
function recordCount(records: Buffer | null): number {
  let count = 0;
  for (let pos = 0; records !== null && pos + BatchHeader.size <= records.length;) {
    count += records.readInt32BE(pos + BatchHeader.lastOffsetDelta) + 1;
    pos += BatchHeader.logOverhead + records.readInt32BE(pos + BatchHeader.batchLength);
  }
  return count;
}

function acknowledge(topic: string, index: number, records: Buffer | null): PartitionResponse {
  const key = `${topic}\0${index}`;
  const baseOffset = nextOffsets.get(key) ?? 0;
  nextOffsets.set(key, baseOffset + recordCount(records));
  return { index, errorCode: 0, baseOffset, logStartOffset: 0 };
}

const produceToNowhere = handler(Produce, (_context, request) => {
  const responses = request.topicData.map((t) => ({
    name: t.name,
    partitionResponses: t.partitionData.map((p) => acknowledge(t.name, p.index, p.records)),
  }));
  return request.acks === 0 ? null : { responses, throttleTimeMs: 0 };
});

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: node nullSinkBroker.js DATA_DIR');
const broker = await Broker.start({
  dataDir,
  port: 0,
  logger: createLogger('warn'),
  handlerOverrides: [produceToNowhere],
});
process.stdout.write(`null-sink broker listening on ${broker.host}:${broker.port}\n`);
process.once('SIGTERM', () => {
  broker.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
});
