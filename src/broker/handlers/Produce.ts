/**
 * Produce: RecordBatch v2 bytes go to the log as they arrived (the log validates them
 * and rewrites only baseOffset); a legacy MessageSet (produce v0-v2) is converted to one
 * v2 batch first. Every partition's append starts in request order before anything is
 * awaited, so pipelined requests keep their order in the log. Transactional batches need
 * the request's transactionalId; which transaction they belong to is the log's to check.
 * In a cluster, acks=-1 answers once every in-sync replica has the records (DelayedProduce)
 * and min.insync.replicas is checked before appending (Partition.appendRecordsToLeader);
 * acks=1 answers after the leader's append.
 */
import { KafkaErrors, TributaryError, errorMessageOf } from '../../errors.js';
import type { EncodableResponse, RequestOf } from '../../protocol/index.js';
import { Produce } from '../../protocol/messages/Produce.js';
import { messageSetToRecordBatches } from '../../record/MessageSetConversion.js';
import { BatchAttributes, BatchHeader, batchSizeAt, CURRENT_MAGIC } from '../../record/RecordBatchHeader.js';
import { delayedProduce, type ProducePartitionStatus } from '../DelayedProduce.js';
import type { Node } from '../MetadataCache.js';
import { errorCodeOf, handler, leaderPartition, type ClusterContext, type RequestContext } from '../RequestContext.js';

type ProduceRequest = RequestOf<typeof Produce>;
type PartitionProduceData = ProduceRequest['topicData'][number]['partitionData'][number];
type TopicProduceResponse = EncodableResponse<typeof Produce>['responses'][number];
type PartitionProduceResponse = TopicProduceResponse['partitionResponses'][number];

/** Thrown for acks=0 failures: Kafka closes the connection, the producer's only signal. */
export class AcksZeroFailure extends Error {}

/**
 * Produce v3+ carries exactly one magic 2 batch per partition (Kafka's
 * ProduceRequest.validateRecords, called by KafkaApis.handleProduceRequest: the log may
 * take several, the embedded producer's appends do); older versions may carry a legacy MessageSet.
 */
function recordsToAppend(context: RequestContext, topic: string, records: Buffer | null): Buffer {
  if (records === null || records.length <= BatchHeader.magic) {
    throw new TributaryError('produce request without record batches', 'ERR_CORRUPT_BATCH');
  }
  const magic = records[BatchHeader.magic]!;
  const version = context.header.apiVersion;
  if (
    magic === CURRENT_MAGIC &&
    version >= 3 &&
    records.length > BatchHeader.size &&
    batchSizeAt(records) < records.length
  ) {
    throw new TributaryError(
      `Produce requests with version ${version} are only allowed to contain exactly one record batch per partition`,
      'ERR_INVALID_RECORD',
    );
  }
  if (magic === CURRENT_MAGIC) return records;
  if (version >= 3 || magic > CURRENT_MAGIC) {
    throw new TributaryError(`produce v${version} with magic ${magic} record batches`, 'ERR_INVALID_RECORD');
  }
  return messageSetToRecordBatches(records, { timestampType: context.engine.topicConfig(topic).messageTimestampType });
}

/** A partition's answer, and with acks=-1 in a cluster what it waits for before being sent. */
interface Appended {
  readonly response: PartitionProduceResponse;
  readonly waitFor?: ProducePartitionStatus;
}

async function appendPartition(
  context: RequestContext,
  request: ProduceRequest,
  topic: string,
  data: PartitionProduceData,
): Promise<Appended> {
  if (context.cluster === undefined) {
    const partition = leaderPartition(context, topic, data.index);
    const info = await partition.append(recordsToAppend(context, topic, data.records));
    return { response: appendedResponse(data.index, info.baseOffset, partition.logStartOffset) };
  }
  // ReplicaManager.appendRecords: the leader's append, then acks=-1 waits for the ISR.
  const partition = context.cluster.replicaManager.leaderClusterPartition(topic, data.index);
  const info = await partition.appendRecordsToLeader(recordsToAppend(context, topic, data.records), request.acks);
  const response = appendedResponse(data.index, info.baseOffset, partition.log.logStartOffset);
  if (request.acks !== -1) return { response };
  return { response, waitFor: { partition, requiredOffset: info.lastOffset + 1 } };
}

function appendedResponse(index: number, baseOffset: number, logStartOffset: number): PartitionProduceResponse {
  return { index, errorCode: 0, baseOffset, logStartOffset };
}

/**
 * A partition's append refused: the error and its reason go back to the client (Kafka's
 * errorMessage) and to the log, at info where Kafka's ReplicaManager.processFailedRecord
 * logs "Error processing append operation on partition" (at error there: here a client's
 * bad batch is no fault of the broker); an unknown partition, which Kafka does not log, at debug.
 */
function failedPartition(
  context: RequestContext,
  topic: string,
  index: number,
  error: unknown,
): PartitionProduceResponse {
  const response = {
    index,
    errorCode: errorCodeOf(context, error),
    baseOffset: -1,
    errorMessage: errorMessageOf(error),
  };
  const unknown = response.errorCode === KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code;
  context.logger[unknown ? 'debug' : 'info']('produce refused', {
    topic,
    partition: index,
    clientId: context.header.clientId,
    errorCode: response.errorCode,
    reason: response.errorMessage,
  });
  return response;
}

function refuseAll(request: ProduceRequest, errorCode: number, errorMessage: string): TopicProduceResponse[] {
  return request.topicData.map((t) => ({
    name: t.name,
    partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode, baseOffset: -1, errorMessage })),
  }));
}

async function appendAll(context: RequestContext, request: ProduceRequest): Promise<TopicProduceResponse[]> {
  const topics = await Promise.all(
    request.topicData.map(async (t) => ({
      name: t.name,
      appended: await Promise.all(
        t.partitionData.map((p) =>
          appendPartition(context, request, t.name, p).catch((error: unknown): Appended => ({
            response: failedPartition(context, t.name, p.index, error),
          })),
        ),
      ),
    })),
  );
  await awaitReplication(
    context,
    request,
    topics.flatMap((t) => t.appended),
  );
  return topics.map((t) => ({ name: t.name, partitionResponses: t.appended.map((a) => a.response) }));
}

/**
 * DelayedProduce: the partitions appended with acks=-1 wait for their high watermark, each
 * answered with its own error; none waits when every partition failed (ReplicaManager's
 * delayedProduceRequestRequired).
 */
async function awaitReplication(context: RequestContext, request: ProduceRequest, appended: Appended[]): Promise<void> {
  const waiting = appended.filter((a): a is Required<Appended> => a.waitFor !== undefined);
  if (waiting.length === 0) return;
  const errors = await delayedProduce(
    waiting.map((a) => a.waitFor),
    request.timeoutMs,
    context.signal,
  );
  waiting.forEach((a, i) => {
    a.response.errorCode = errors[i]!.code;
  });
}

/** RequestUtils.hasTransactionalRecords: the first batch of any partition is transactional. */
function hasTransactionalRecords(request: ProduceRequest): boolean {
  return request.topicData.some((t) =>
    t.partitionData.some(
      ({ records }) =>
        records !== null &&
        records.length > BatchHeader.attributes + 1 &&
        records[BatchHeader.magic] === CURRENT_MAGIC &&
        (records.readInt16BE(BatchHeader.attributes) & BatchAttributes.transactional) !== 0,
    ),
  );
}

function checkedRequest(request: ProduceRequest): { errorCode: number; message: string } | null {
  if (request.acks !== 0 && request.acks !== 1 && request.acks !== -1) {
    return {
      errorCode: KafkaErrors.INVALID_REQUIRED_ACKS.code,
      message: `acks must be 0, 1 or -1, got ${request.acks}`,
    };
  }
  // KafkaApis.handleProduceRequest: transactional records come with the transactional id they are written for.
  if (request.transactionalId === null && hasTransactionalRecords(request)) {
    return {
      errorCode: KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code,
      message: 'transactional records in a produce request without a transactionalId',
    };
  }
  return null;
}

/**
 * KIP-951 (Produce v10+, KafkaApis.handleProduceRequest): in cluster mode a partition refused
 * with NOT_LEADER_OR_FOLLOWER names its current leader and epoch, and the response carries
 * the live leaders' endpoints, so the producer retries without a metadata round trip.
 */
function withCurrentLeaders(cluster: ClusterContext, responses: TopicProduceResponse[]): Node[] {
  const nodeEndpoints = new Map<number, Node>();
  for (const topic of responses) {
    for (const p of topic.partitionResponses) {
      if (p.errorCode !== KafkaErrors.NOT_LEADER_OR_FOLLOWER.code) continue;
      const leader = cluster.replicaManager.currentLeader(topic.name, p.index);
      p.currentLeader = leader;
      const node = cluster.metadataCache.aliveEndpoint(leader.leaderId, cluster.listenerName);
      if (node !== undefined) nodeEndpoints.set(node.nodeId, node);
    }
  }
  return [...nodeEndpoints.values()];
}

export const handleProduce = handler(Produce, async (context, request) => {
  const refused = checkedRequest(request);
  const responses =
    refused === null ? await appendAll(context, request) : refuseAll(request, refused.errorCode, refused.message);
  const { cluster } = context;
  const nodeEndpoints =
    cluster !== undefined && context.header.apiVersion >= 10 ? withCurrentLeaders(cluster, responses) : [];
  if (request.acks === 0) {
    const failed = responses.some((t) => t.partitionResponses.some((p) => p.errorCode !== 0));
    if (failed) throw new AcksZeroFailure('a produce with acks=0 failed');
    return null;
  }
  return { responses, throttleTimeMs: 0, nodeEndpoints };
});
