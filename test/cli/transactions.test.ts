/**
 * `tributary transactions` as a real process against a served broker, where kafkajs
 * producers left one committed transaction and one open: list (with filters) and
 * describe, in text as Kafka's kafka-transactions.sh prints them and in JSON.
 */
import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/cli.js';
import { expectHelp, expectUsageErrors, fails, json, ok } from '../helpers/cliExpect.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

interface Listing {
  transactionalId: string;
  coordinator: number;
  producerId: number;
  state: string;
}

describe('tributary transactions against a broker', () => {
  it('lists and describes the transactional ids kafkajs producers used', async () => {
    const broker = await serve(tempDir());
    const target = ['--bootstrap', `127.0.0.1:${broker.port}`];
    const kafka = kafkaClient(broker.port);
    const producers: Producer[] = [];
    try {
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'ledger', numPartitions: 2 }] });
      await admin.disconnect();
      for (const id of ['done', 'open']) {
        const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
        producers.push(producer);
        await producer.connect();
        const txn = await producer.transaction();
        await txn.send({ topic: 'ledger', messages: [{ value: id, partition: id === 'done' ? 0 : 1 }] });
        if (id === 'done') await txn.commit();
      }

      const listed = await json<Listing[]>(['transactions', 'list', ...target]);
      expect(listed.map((t) => t.transactionalId).sort()).toEqual(['done', 'open']);
      expect(listed.find((t) => t.transactionalId === 'open')).toMatchObject({ coordinator: 0, state: 'Ongoing' });
      const ongoing = await json<Listing[]>(['transactions', 'list', '--state', 'Ongoing', ...target]);
      expect(ongoing.map((t) => t.transactionalId)).toEqual(['open']);
      const byProducer = await json<Listing[]>([
        'transactions',
        'list',
        '--producer-id',
        String(ongoing[0]!.producerId),
        ...target,
      ]);
      expect(byProducer.map((t) => t.transactionalId)).toEqual(['open']);
      expect(await ok(['transactions', 'list', ...target])).toMatch(
        /^TransactionalId\s+Coordinator\s+ProducerId\s+TransactionState\n/,
      );

      const described = await json<Record<string, unknown>>(['transactions', 'describe', 'open', ...target]);
      expect(described).toMatchObject({
        coordinatorId: 0,
        transactionalId: 'open',
        producerId: ongoing[0]!.producerId,
        producerEpoch: 0,
        state: 'Ongoing',
        topicPartitions: [{ topic: 'ledger', partition: 1 }],
      });
      expect(described.transactionStartTimeMs).toEqual(expect.any(Number));
      const text = await ok(['transactions', 'describe', 'done', ...target]);
      expect(text).toMatch(/^CoordinatorId\s+TransactionalId\s+ProducerId\s+ProducerEpoch\s+TransactionState\s+/);
      expect(text).toMatch(/\n0\s+done\s+\d+\s+0\s+CompleteCommit\s+60000\s+\d+\s+\d+\s*\n$/);
      await fails(
        ['transactions', 'describe', 'nobody', ...target],
        1,
        /describe transaction state of transactional-id 'nobody' failed: TRANSACTIONAL_ID_NOT_FOUND/,
      );
    } finally {
      for (const p of producers) await p.disconnect();
      broker.child.kill('SIGTERM');
      await broker.exit;
    }
  });

  it('answers --help and refuses a data directory or a wrong command line', async () => {
    await expectHelp('transactions', ['list', 'describe']);
    await expectUsageErrors([
      [['transactions', 'describe', '--bootstrap', '127.0.0.1:1'], /missing transactional id/],
      [['transactions', 'list', 'x', '--bootstrap', '127.0.0.1:1'], /unexpected argument 'x'/],
      [['transactions', 'list', '--data-dir', tempDir()], /use --bootstrap/],
    ]);
  });
});
