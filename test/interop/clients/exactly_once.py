"""Exactly-once pieces driven by test/interop/exactly_once.test.ts, with confluent-kafka-python
1.7.0 (librdkafka 2.0.2).

Usage: python3 -I exactly_once.py COMMAND JSON_ARGS
- transform: a consume-transform-produce loop (Kafka's EOS pattern, KIP-447). Prints `start` first:
  the test's kill clock starts there, so a kill can land before the first commit, even before
  init_transactions. A transactional producer is initialised (fencing any earlier instance with the
  same transactional.id and aborting its open transaction), the input partitions are assigned from
  the group's committed offsets, and each poll's records go to the output topic in one transaction
  that also commits the input offsets (at most maxRecords each, pauseMs apart). Prints `ack N`
  after each committed transaction and `done` once every input partition is consumed to the end
  offsets it was given.
- read: every record of a topic read with the isolation level given, as JSON lines of
  {partition, offset, key, value} (base64), until the end offsets seen at start.
"""
import base64
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

TIMEOUT_S = 30


def b64(data):
    return None if data is None else base64.b64encode(data).decode()


def transform(args):
    print('start', flush=True)
    producer = Producer({
        'bootstrap.servers': args['bootstrap'],
        'transactional.id': args['transactionalId'],
        'linger.ms': 5,
        'transaction.timeout.ms': 60000,
    })
    producer.init_transactions(TIMEOUT_S)
    consumer = Consumer({
        'bootstrap.servers': args['bootstrap'],
        'group.id': args['group'],
        'enable.auto.commit': False,
        'isolation.level': 'read_committed',
        'auto.offset.reset': 'earliest',
    })
    ends = {int(p): end for p, end in args['ends'].items()}
    committed = consumer.committed([TopicPartition(args['input'], p) for p in ends], timeout=TIMEOUT_S)
    positions = {tp.partition: max(tp.offset, 0) for tp in committed}
    consumer.assign([TopicPartition(args['input'], p, off) for p, off in positions.items()])
    # librdkafka looks up the leaders of a topic it has not used yet on its 1 s topic scan: asking
    # for both topics' metadata now spares each restart a second before its first fetch and again
    # before its first commit.
    consumer.list_topics(args['input'], timeout=TIMEOUT_S)
    producer.list_topics(args['output'], timeout=TIMEOUT_S)
    transactions = 0
    while any(positions[p] < end for p, end in ends.items()):
        messages = consumer.consume(args['maxRecords'], 1.0)
        if not messages:
            continue
        producer.begin_transaction()
        for m in messages:
            if m.error() is not None:
                raise KafkaException(m.error())
            producer.produce(args['output'], key=m.key(), value=m.value())
            positions[m.partition()] = m.offset() + 1
        offsets = [TopicPartition(args['input'], p, off) for p, off in positions.items()]
        producer.send_offsets_to_transaction(offsets, consumer.consumer_group_metadata(), TIMEOUT_S)
        producer.commit_transaction(TIMEOUT_S)
        transactions += 1
        print(f'ack {transactions}', flush=True)
        # A floor under each transaction's time, so that a kill at a given time after the start
        # lands part way through the input however fast the machine is.
        time.sleep(args['pauseMs'] / 1000)
    print('done', flush=True)


def read(args):
    consumer = Consumer({
        'bootstrap.servers': args['bootstrap'],
        'group.id': 'exactly-once-reader',
        'enable.auto.commit': False,
        'isolation.level': args['isolation'],
    })
    ends = {}
    for p in range(args['partitions']):
        _low, high = consumer.get_watermark_offsets(TopicPartition(args['topic'], p), timeout=TIMEOUT_S)
        ends[p] = high
    assignment = [TopicPartition(args['topic'], p, 0) for p in ends]
    consumer.assign(assignment)
    # The position, not the last record's offset, is compared with the end: control batches
    # (transaction markers) take offsets but are never handed out as records.
    idle = 0
    while any(tp.offset < ends[tp.partition] for tp in consumer.position(assignment)) and idle < 10:
        messages = consumer.consume(500, 0.5)
        idle = 0 if messages else idle + 1
        for m in messages:
            if m.error() is not None:
                raise KafkaException(m.error())
            record = {'partition': m.partition(), 'offset': m.offset(), 'key': b64(m.key()), 'value': b64(m.value())}
            print(json.dumps(record), flush=True)
    consumer.close()


if __name__ == '__main__':
    {'transform': transform, 'read': read}[sys.argv[1]](json.loads(sys.argv[2]))
