/** DescribeTransactions and ListTransactions: the transaction coordinator's view (KafkaApis, TransactionCoordinator). */
import { DescribeTransactions } from '../../protocol/messages/DescribeTransactions.js';
import { ListTransactions } from '../../protocol/messages/ListTransactions.js';
import { byTopic } from '../../protocol/TopicGroups.js';
import { handler } from '../RequestContext.js';

export const handleDescribeTransactions = handler(DescribeTransactions, (context, request) => ({
  throttleTimeMs: 0,
  transactionStates: request.transactionalIds.map((id) => {
    const { topicPartitions, ...described } = context.transactions.describeTransaction(id);
    const topics = byTopic(topicPartitions, (tp) => tp.partition);
    return { ...described, topics: topics.map((t) => ({ topic: t.name, partitions: t.partitions })) };
  }),
}));

export const handleListTransactions = handler(ListTransactions, (context, request) => ({
  throttleTimeMs: 0,
  ...context.transactions.listTransactions(
    request.stateFilters,
    request.producerIdFilters.map(Number),
    Number(request.durationFilter),
  ),
}));
